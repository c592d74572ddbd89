"""A service's settings from its environment: its database, the broker, how tokens are verified.

{SERVICE}_DATABASE_URL (or DATABASE_URL), KAFKA_BOOTSTRAP_SERVERS, and either
TRELLIS_JWT_SECRET (HS256, local use) or TRELLIS_JWKS_URL (an OIDC provider's keys, RS256),
with TRELLIS_JWT_ISSUER and TRELLIS_JWT_AUDIENCE checked when set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from trellis_kernel.identity import ClaimRules, JwksVerifier, SharedSecretVerifier, TokenVerifier


class MissingSetting(RuntimeError):
    pass


@dataclass(frozen=True)
class ServiceSettings:
    service: str
    database_url: str
    kafka_bootstrap_servers: str
    jwt_secret: str | None = None
    jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None

    @classmethod
    def from_environment(cls, service: str, environ: Mapping[str, str] = os.environ) -> ServiceSettings:
        def required(*names: str) -> str:
            for name in names:
                if environ.get(name):
                    return environ[name]
            raise MissingSetting(f"the {service} service needs {' or '.join(names)} to be set")

        jwt_secret = environ.get("TRELLIS_JWT_SECRET") or None
        jwks_url = environ.get("TRELLIS_JWKS_URL") or None
        if not jwt_secret and not jwks_url:
            raise MissingSetting(
                f"the {service} service needs TRELLIS_JWT_SECRET (HS256) or TRELLIS_JWKS_URL (RS256) "
                "to verify bearer tokens"
            )
        return cls(
            service=service,
            database_url=required(f"{service.upper()}_DATABASE_URL", "DATABASE_URL"),
            kafka_bootstrap_servers=required("KAFKA_BOOTSTRAP_SERVERS"),
            jwt_secret=jwt_secret,
            jwks_url=jwks_url,
            jwt_issuer=environ.get("TRELLIS_JWT_ISSUER") or None,
            jwt_audience=environ.get("TRELLIS_JWT_AUDIENCE") or None,
        )

    def token_verifier(self) -> TokenVerifier:
        rules = ClaimRules(issuer=self.jwt_issuer, audience=self.jwt_audience)
        if self.jwks_url:
            return JwksVerifier(self.jwks_url, rules)
        assert self.jwt_secret is not None
        return SharedSecretVerifier(self.jwt_secret, rules)
