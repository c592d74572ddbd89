"""The acting principal as a FastAPI dependency: a verified bearer token or a 401."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from trellis_kernel.identity.principal import Principal
from trellis_kernel.identity.tokens import InvalidToken, TokenVerifier

PrincipalDependency = Callable[[Request], Awaitable[Principal]]

# Declared for the OpenAPI document; the app's verifier does the actual checking.
_bearer_scheme = HTTPBearer(auto_error=False, description="A JWT with sub, org_id and roles claims.")


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


async def request_principal(
    request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer_scheme)]
) -> Principal:
    """The caller of a service's API, verified by the dependency its app keeps in
    ``app.state.authenticate`` (a ``bearer_principal``), documented as HTTP bearer."""
    authenticate: PrincipalDependency = request.app.state.authenticate
    return await authenticate(request)


CurrentPrincipal = Annotated[Principal, Depends(request_principal)]
"""A route's (or a service's own dependency's) parameter for the verified caller."""
