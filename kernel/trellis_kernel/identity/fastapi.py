"""The acting principal as a FastAPI dependency: a verified bearer token or a 401."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request, status

from trellis_kernel.identity.principal import Principal
from trellis_kernel.identity.tokens import InvalidToken, TokenVerifier

PrincipalDependency = Callable[[Request], Awaitable[Principal]]


def _unauthorized(realm: str, error: str | None, description: str) -> HTTPException:
    # RFC 6750 section 3: a request without credentials gets no error code, a bad token gets
    # error="invalid_token".
    challenge = f'Bearer realm="{realm}"'
    if error is not None:
        safe = description.replace('"', "'")
        challenge += f', error="{error}", error_description="{safe}"'
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=description,
        headers={"WWW-Authenticate": challenge},
    )


def bearer_principal(verifier: TokenVerifier, *, realm: str = "trellis") -> PrincipalDependency:
    """A dependency returning the request's Principal; use it with ``Depends(...)``."""

    async def current_principal(request: Request) -> Principal:
        authorization = request.headers.get("Authorization")
        if not authorization:
            raise _unauthorized(realm, None, "a bearer token is required")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized(realm, "invalid_request", "the Authorization header must be 'Bearer <token>'")
        try:
            return await verifier.verify(token.strip())
        except InvalidToken as error:
            raise _unauthorized(realm, "invalid_token", str(error)) from error

    return current_principal


def require_role(dependency: PrincipalDependency, role: str) -> PrincipalDependency:
    """Like ``dependency``, but a principal without ``role`` gets a 403."""

    async def principal_with_role(request: Request) -> Principal:
        principal = await dependency(request)
        if not principal.has_role(role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"the role {role!r} is required")
        return principal

    return principal_with_role
