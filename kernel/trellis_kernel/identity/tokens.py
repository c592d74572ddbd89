"""Verifying bearer tokens (HS256 locally, RS256 via an OIDC JWKS) and minting local ones."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import jwt

from trellis_kernel.identity.principal import Principal

ROLES_CLAIM = "roles"
ORGANISATION_CLAIM = "org_id"


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not signed by a key we trust."""


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal: ...


@dataclass(frozen=True)
class ClaimRules:
    """What every accepted token must carry besides a valid signature."""

    issuer: str | None = None
    audience: str | None = None
    leeway_seconds: float = 30.0
    roles_claim: str = ROLES_CLAIM
    organisation_claim: str = ORGANISATION_CLAIM


def _decode(token: str, key: Any, algorithms: Sequence[str], rules: ClaimRules) -> Principal:
    required = ["sub", "exp"]
    required += ["iss"] if rules.issuer else []
    required += ["aud"] if rules.audience else []
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=list(algorithms),
            issuer=rules.issuer,
            audience=rules.audience,
            leeway=rules.leeway_seconds,
            options={"require": required, "verify_aud": rules.audience is not None},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error
    return principal_from_claims(claims, rules)


def principal_from_claims(claims: Mapping[str, Any], rules: ClaimRules = ClaimRules()) -> Principal:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidToken("the token has no subject")
    roles = claims.get(rules.roles_claim, [])
    if isinstance(roles, str):  # some providers send a space-separated string
        roles = roles.split()
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise InvalidToken(f"claim {rules.roles_claim!r} must be a list of strings")
    organisation = claims.get(rules.organisation_claim)
    if organisation is not None and not isinstance(organisation, str):
        raise InvalidToken(f"claim {rules.organisation_claim!r} must be a string")
    return Principal(
        subject=subject, roles=frozenset(roles), organisation_id=organisation, claims=dict(claims)
    )


class SharedSecretVerifier:
    """HS256 tokens signed with a configured secret: for local use and tests."""

    def __init__(self, secret: str, rules: ClaimRules = ClaimRules()) -> None:
        if len(secret.encode()) < 32:
            raise ValueError("an HS256 secret must be at least 32 bytes long")
        self._secret = secret
        self._rules = rules

    async def verify(self, token: str) -> Principal:
        return _decode(token, self._secret, ["HS256"], self._rules)


class JwksVerifier:
    """RS256 (or other asymmetric) tokens from an OIDC provider, keys fetched from its JWKS URL.

    PyJWKClient caches the key set and refetches when it meets an unknown key id (key
    rotation); its fetch is blocking, so it runs in a worker thread.
    """

    def __init__(
        self,
        jwks_url: str,
        rules: ClaimRules = ClaimRules(),
        *,
        algorithms: Sequence[str] = ("RS256",),
        cache_seconds: float = 300,
        timeout_seconds: float = 10,
    ) -> None:
        self._client = jwt.PyJWKClient(jwks_url, lifespan=cache_seconds, timeout=timeout_seconds)
        self._rules = rules
        self._algorithms = tuple(algorithms)

    async def verify(self, token: str) -> Principal:
        try:
            signing_key = await asyncio.to_thread(self._signing_key, token)
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from error
        return _decode(token, signing_key.key, self._algorithms, self._rules)

    def _signing_key(self, token: str) -> jwt.PyJWK:
        """The key the token names by its ``kid``; a token naming none (``kid`` is optional,
        RFC 7515) may only use the provider's one signing key."""
        if jwt.get_unverified_header(token).get("kid") is not None:
            return self._client.get_signing_key_from_jwt(token)
        keys = self._client.get_signing_keys()
        if len(keys) != 1:
            raise jwt.PyJWKClientError(
                f"the token names no key (kid) and the provider has {len(keys)} signing keys"
            )
        return keys[0]


def mint_token(
    secret: str,
    subject: str,
    *,
    roles: Iterable[str] = (),
    organisation_id: str | None = None,
    expires_in: timedelta = timedelta(hours=1),
    issuer: str | None = None,
    audience: str | None = None,
    extra_claims: Mapping[str, Any] | None = None,
) -> str:
    """An HS256 token for local use and tests; production tokens come from an OIDC provider."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        **(extra_claims or {}),
        "sub": subject,
        ROLES_CLAIM: sorted(roles),
        "iat": now,
        "exp": now + expires_in,
    }
    if organisation_id is not None:
        claims[ORGANISATION_CLAIM] = organisation_id
    if issuer is not None:
        claims["iss"] = issuer
    if audience is not None:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm="HS256")
