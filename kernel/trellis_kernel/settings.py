"""What every service reads from its environment: its database, the broker, how tokens are verified.

{SERVICE}_DATABASE_URL (or DATABASE_URL); KAFKA_BOOTSTRAP_SERVERS (without it a service
stores events but does not publish them); TRELLIS_JWT_SECRET (HS256, local use) or
TRELLIS_JWKS_URL (an OIDC provider's keys, RS256), with TRELLIS_JWT_ISSUER and
TRELLIS_JWT_AUDIENCE checked when set; TRELLIS_KEY_ENCRYPTION_KEYS (the keys that wrap the
per-person data keys). A service's own settings class extends this one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trellis_kernel.identity import ClaimRules, JwksVerifier, SharedSecretVerifier, TokenVerifier
from trellis_kernel.privacy.kms import KEY_ENCRYPTION_KEYS_SETTING, LocalKeyEncryptionKeys


class MissingSetting(RuntimeError):
    pass


def database_url_for(service: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """{SERVICE}_DATABASE_URL, else DATABASE_URL, else None."""
    return environ.get(f"{service.upper()}_DATABASE_URL") or environ.get("DATABASE_URL") or None


@dataclass(frozen=True, kw_only=True)
class ServiceSettings:
    database_url: str
    kafka_bootstrap_servers: str | None = None
    """When set, the service runs its outbox relay to Kafka."""
    jwt_secret: str | None = None
    """HS256 secret for local tokens; set this or ``jwks_url``."""
    jwks_url: str | None = None
    """An OIDC provider's JWKS URL for RS256 tokens."""
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    key_encryption_keys: str | None = None
    """The key-encryption keys that wrap the per-person data keys (``TRELLIS_KEY_ENCRYPTION_KEYS``,
    see ``trellis_kernel.privacy.kms``): needed by a service that protects personal data."""

    @staticmethod
    def common_values(service: str, environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
        """The shared fields read from the environment, for a subclass's ``from_env``."""
        database_url = database_url_for(service, environ)
        if not database_url:
            raise MissingSetting(
                f"set {service.upper()}_DATABASE_URL (or DATABASE_URL) to the {service} database"
            )
        return {
            "database_url": database_url,
            "kafka_bootstrap_servers": environ.get("KAFKA_BOOTSTRAP_SERVERS") or None,
            "jwt_secret": environ.get("TRELLIS_JWT_SECRET") or None,
            "jwks_url": environ.get("TRELLIS_JWKS_URL") or None,
            "jwt_issuer": environ.get("TRELLIS_JWT_ISSUER") or None,
            "jwt_audience": environ.get("TRELLIS_JWT_AUDIENCE") or None,
            "key_encryption_keys": environ.get(KEY_ENCRYPTION_KEYS_SETTING) or None,
        }

    def token_verifier(self) -> TokenVerifier:
        rules = ClaimRules(issuer=self.jwt_issuer, audience=self.jwt_audience)
        if self.jwks_url:
            return JwksVerifier(self.jwks_url, rules)
        if self.jwt_secret:
            return SharedSecretVerifier(self.jwt_secret, rules)
        raise MissingSetting("set TRELLIS_JWT_SECRET or TRELLIS_JWKS_URL: the API needs to verify tokens")

    def key_encryption(self) -> LocalKeyEncryptionKeys:
        """The KEKs of ``key_encryption_keys``; a clear error when they are not configured."""
        if not self.key_encryption_keys:
            raise MissingSetting(
                f"set {KEY_ENCRYPTION_KEYS_SETTING}: the service encrypts personal data with per-person "
                "keys wrapped by these keys (make one with `trellis keys new-kek`)"
            )
        try:
            return LocalKeyEncryptionKeys.from_setting(self.key_encryption_keys)
        except ValueError as error:
            raise MissingSetting(str(error)) from None
