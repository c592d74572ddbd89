"""The web app's configuration, from the environment.

TRELLIS_<SERVICE>_URL says where each service's API is (`trellis run` sets them). Sign-in:
with TRELLIS_JWT_SECRET and no TRELLIS_JWKS_URL the platform runs in local mode and the web
app issues development tokens itself; with TRELLIS_OIDC_ISSUER, TRELLIS_OIDC_CLIENT_ID (and
TRELLIS_OIDC_CLIENT_SECRET) it signs people in with that OpenID Connect provider, whose tokens
the services verify through TRELLIS_JWKS_URL. TRELLIS_WEB_SESSION_SECRET signs the session
cookie (derived from the local secret in local mode, random per process otherwise).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from trellis_kernel.identity import ClaimRules, JwksVerifier, SharedSecretVerifier, TokenVerifier

SERVICES = ("goals", "feedback", "recognition")


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str | None = None
    scope: str = "openid profile email"
    api_token: Literal["access_token", "id_token"] = "access_token"
    """Which of the provider's tokens the web app sends to the APIs as the bearer token."""

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True)
class WebSettings:
    service_urls: Mapping[str, str] = field(default_factory=dict)
    jwt_secret: str | None = None
    jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    oidc: OidcSettings | None = None
    session_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    secure_cookies: bool = False
    token_hours: float = 8.0

    @property
    def local_mode(self) -> bool:
        """The platform trusts the local HS256 secret: development tokens may be issued."""
        return self.jwt_secret is not None and self.jwks_url is None

    def service_url(self, service: str) -> str | None:
        return self.service_urls.get(service)

    def token_verifier(self) -> TokenVerifier:
        rules = ClaimRules(issuer=self.jwt_issuer, audience=self.jwt_audience)
        if self.jwks_url:
            return JwksVerifier(self.jwks_url, rules)
        if self.jwt_secret:
            return SharedSecretVerifier(self.jwt_secret, rules)
        raise RuntimeError("set TRELLIS_JWT_SECRET (local mode) or TRELLIS_JWKS_URL to verify sign-ins")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> WebSettings:
        urls = {
            s: environ[f"TRELLIS_{s.upper()}_URL"].rstrip("/")
            for s in SERVICES
            if environ.get(f"TRELLIS_{s.upper()}_URL")
        }
        jwt_secret = environ.get("TRELLIS_JWT_SECRET") or None
        oidc = None
        if environ.get("TRELLIS_OIDC_ISSUER") and environ.get("TRELLIS_OIDC_CLIENT_ID"):
            api_token = environ.get("TRELLIS_OIDC_API_TOKEN", "access_token")
            if api_token not in ("access_token", "id_token"):
                raise ValueError("TRELLIS_OIDC_API_TOKEN must be access_token or id_token")
            oidc = OidcSettings(
                issuer=environ["TRELLIS_OIDC_ISSUER"],
                client_id=environ["TRELLIS_OIDC_CLIENT_ID"],
                client_secret=environ.get("TRELLIS_OIDC_CLIENT_SECRET") or None,
                scope=environ.get("TRELLIS_OIDC_SCOPE", "openid profile email"),
                api_token="id_token" if api_token == "id_token" else "access_token",
            )
        session_secret = environ.get("TRELLIS_WEB_SESSION_SECRET")
        if not session_secret and jwt_secret:
            session_secret = hmac.new(jwt_secret.encode(), b"trellis-web-session", hashlib.sha256).hexdigest()
        return cls(
            service_urls=urls,
            jwt_secret=jwt_secret,
            jwks_url=environ.get("TRELLIS_JWKS_URL") or None,
            jwt_issuer=environ.get("TRELLIS_JWT_ISSUER") or None,
            jwt_audience=environ.get("TRELLIS_JWT_AUDIENCE") or None,
            oidc=oidc,
            session_secret=session_secret or secrets.token_urlsafe(32),
            secure_cookies=environ.get("TRELLIS_WEB_SECURE_COOKIES", "") == "1",
        )
