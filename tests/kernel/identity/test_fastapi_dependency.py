"""The principal dependency: a verified token gives a Principal, anything else a 401 challenge."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI

from trellis_kernel.identity import (
    Principal,
    SharedSecretVerifier,
    bearer_principal,
    mint_token,
    require_role,
)

SECRET = "local-development-secret-of-32-bytes!"
current_principal = bearer_principal(SharedSecretVerifier(SECRET))
hr_admin = require_role(current_principal, "hr_admin")

app = FastAPI()


@app.get("/me")
async def me(principal: Annotated[Principal, Depends(current_principal)]) -> dict[str, object]:
    return {"subject": principal.subject, "org": principal.organisation_id}


@app.get("/admin")
async def admin(principal: Annotated[Principal, Depends(hr_admin)]) -> dict[str, str]:
    return {"subject": principal.subject}


async def _get(path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://trellis.test") as client:
        return await client.get(path, headers=headers)


async def test_a_valid_token_reaches_the_endpoint_as_its_principal() -> None:
    token = mint_token(SECRET, "user-1", organisation_id="org-3")

    response = await _get("/me", {"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.json() == {"subject": "user-1", "org": "org-3"}


async def test_a_request_without_a_token_is_challenged() -> None:
    response = await _get("/me")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="trellis"'


@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {mint_token('a-different-secret-of-32-bytes-long', 'user-1')}", "Bearer nonsense"],
)
async def test_a_bad_token_is_a_401_saying_invalid_token(authorization: str) -> None:
    response = await _get("/me", {"Authorization": authorization})

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


async def test_a_non_bearer_scheme_is_a_401() -> None:
    response = await _get("/me", {"Authorization": "Basic dXNlcjpwYXNz"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert 'error="invalid_request"' in response.headers["WWW-Authenticate"]


async def test_a_role_guard_refuses_a_principal_without_the_role() -> None:
    without = mint_token(SECRET, "user-1", roles=["employee"])
    with_role = mint_token(SECRET, "user-2", roles=["hr_admin"])

    assert (await _get("/admin", {"Authorization": f"Bearer {without}"})).status_code == 403
    allowed = await _get("/admin", {"Authorization": f"Bearer {with_role}"})
    assert allowed.status_code == 200
    assert allowed.json() == {"subject": "user-2"}
