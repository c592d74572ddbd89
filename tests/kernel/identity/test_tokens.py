"""Bearer tokens: HS256 with a shared secret, RS256 with keys from a JWKS served over HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from trellis_kernel.identity import (
    ClaimRules,
    InvalidToken,
    JwksVerifier,
    SharedSecretVerifier,
    mint_token,
)

SECRET = "local-development-secret-of-32-bytes!"


async def test_a_minted_token_verifies_to_its_principal() -> None:
    token = mint_token(SECRET, "user-42", roles=["hr_admin", "manager"], organisation_id="org-7")

    principal = await SharedSecretVerifier(SECRET).verify(token)

    assert principal.subject == "user-42"
    assert principal.roles == frozenset({"hr_admin", "manager"})
    assert principal.organisation_id == "org-7"
    assert principal.has_role("hr_admin")


@pytest.mark.parametrize(
    "token",
    [
        mint_token("another-secret-that-is-also-32-bytes", "user-42"),
        mint_token(SECRET, "user-42", expires_in=timedelta(minutes=-5)),
        "not.a.token",
    ],
    ids=["wrong secret", "expired", "garbage"],
)
async def test_a_bad_token_is_refused(token: str) -> None:
    with pytest.raises(InvalidToken):
        await SharedSecretVerifier(SECRET).verify(token)


async def test_a_token_for_another_audience_is_refused() -> None:
    verifier = SharedSecretVerifier(SECRET, ClaimRules(audience="trellis"))

    with pytest.raises(InvalidToken):
        await verifier.verify(mint_token(SECRET, "user-42", audience="payroll"))
    assert (await verifier.verify(mint_token(SECRET, "u", audience="trellis"))).subject == "u"


async def test_an_unsigned_token_is_refused() -> None:
    unsigned = jwt.encode({"sub": "intruder", "exp": 9999999999}, key=None, algorithm="none")

    with pytest.raises(InvalidToken):
        await SharedSecretVerifier(SECRET).verify(unsigned)


def test_a_short_secret_is_rejected_at_configuration() -> None:
    with pytest.raises(ValueError):
        SharedSecretVerifier("short")


class _Jwks:
    """An OIDC provider's signing key and the JWKS document that publishes it."""

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_jwk: dict[str, Any] = json.loads(
            jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key())
        )
        self.document = {"keys": [{**public_jwk, "kid": key_id, "use": "sig", "alg": "RS256"}]}

    def sign(self, claims: dict[str, Any], key_id: str | None = None, *, name_key: bool = True) -> str:
        headers = {"kid": key_id or self.key_id} if name_key else None
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers=headers)


@pytest.fixture(scope="module")
def provider() -> _Jwks:
    return _Jwks("key-1")


@pytest.fixture(scope="module")
def jwks_url(provider: _Jwks) -> Iterator[str]:
    body = json.dumps(provider.document).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()


async def test_an_rs256_token_verifies_with_the_providers_jwks(provider: _Jwks, jwks_url: str) -> None:
    rules = ClaimRules(issuer="https://idp.example", audience="trellis")
    token = provider.sign(
        {
            "sub": "user-9",
            "roles": ["hr_admin"],
            "org_id": "org-1",
            "iss": "https://idp.example",
            "aud": "trellis",
            "exp": 9999999999,
        }
    )

    principal = await JwksVerifier(jwks_url, rules).verify(token)

    assert (principal.subject, principal.roles, principal.organisation_id) == (
        "user-9",
        frozenset({"hr_admin"}),
        "org-1",
    )


async def test_an_rs256_token_from_another_key_is_refused(jwks_url: str) -> None:
    impostor = _Jwks("key-1")  # same key id, different key
    token = impostor.sign({"sub": "user-9", "exp": 9999999999})

    with pytest.raises(InvalidToken):
        await JwksVerifier(jwks_url).verify(token)


async def test_an_rs256_token_with_an_unknown_key_id_is_refused(provider: _Jwks, jwks_url: str) -> None:
    token = provider.sign({"sub": "user-9", "exp": 9999999999}, key_id="key-unknown")

    with pytest.raises(InvalidToken):
        await JwksVerifier(jwks_url).verify(token)


async def test_a_token_naming_no_key_verifies_with_the_providers_only_signing_key(
    provider: _Jwks, jwks_url: str
) -> None:
    token = provider.sign({"sub": "user-9", "org_id": "org-1", "exp": 9999999999}, name_key=False)

    assert (await JwksVerifier(jwks_url).verify(token)).subject == "user-9"

    impostor = _Jwks("key-1").sign({"sub": "user-9", "exp": 9999999999}, name_key=False)
    with pytest.raises(InvalidToken):
        await JwksVerifier(jwks_url).verify(impostor)


async def test_an_hs256_token_is_refused_by_the_rs256_verifier(jwks_url: str) -> None:
    # the classic algorithm-confusion attack: an HS256 token must not pass an RS256 verifier
    token = jwt.encode(
        {"sub": "user-9", "exp": 9999999999}, SECRET, algorithm="HS256", headers={"kid": "key-1"}
    )

    with pytest.raises(InvalidToken):
        await JwksVerifier(jwks_url).verify(token)
