"""Identity: the acting principal from a verified JWT bearer token."""

from trellis_kernel.identity.fastapi import (
    CurrentPrincipal,
    bearer_principal,
    request_principal,
    require_role,
)
from trellis_kernel.identity.metadata import event_metadata
from trellis_kernel.identity.principal import Principal
from trellis_kernel.identity.tokens import (
    ClaimRules,
    InvalidToken,
    JwksVerifier,
    SharedSecretVerifier,
    TokenVerifier,
    mint_token,
    principal_from_claims,
)

__all__ = [
    "ClaimRules",
    "CurrentPrincipal",
    "InvalidToken",
    "JwksVerifier",
    "Principal",
    "SharedSecretVerifier",
    "TokenVerifier",
    "bearer_principal",
    "event_metadata",
    "mint_token",
    "principal_from_claims",
    "request_principal",
    "require_role",
]
