"""What every service's HTTP API promises its clients: the documented error shapes are the ones
it answers, and its documentation works without internet access."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel

from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_feedback.app import create_app as create_feedback_app
from trellis_feedback.settings import FeedbackSettings
from trellis_goals.app import create_app
from trellis_goals.settings import GoalsSettings
from trellis_kernel.decider import DomainError
from trellis_kernel.http import (
    COMMAND_RESPONSES,
    QUERY_RESPONSES,
    Forbidden,
    NotFound,
    StaleVersion,
    service_api,
)


class Rename(BaseModel):
    title: str


def example_api() -> FastAPI:
    app = service_api(title="example", version="1", summary="An API built like every Trellis service's.")
    router = APIRouter()

    @router.get("/things/{thing_id}", responses=QUERY_RESPONSES)
    async def thing(thing_id: str, depth: Annotated[int, Query(ge=0)] = 0) -> dict[str, str]:
        if thing_id == "missing":
            raise NotFound("there is no thing 'missing'")
        if thing_id == "secret":
            raise Forbidden("only the owner sees this thing")
        return {"thing_id": thing_id}

    @router.post("/things/{thing_id}/title", responses=COMMAND_RESPONSES)
    async def rename(thing_id: str, body: Rename) -> dict[str, str]:
        if body.title == "stale":
            raise StaleVersion(f"thing-{thing_id}", 1, 4)
        if not body.title.strip():
            raise DomainError("A title needs more than spaces", field="title")
        return {"title": body.title}

    app.include_router(router)
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=example_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://example") as http:
        yield http


async def test_each_failure_has_its_status_and_documented_body(client: httpx.AsyncClient) -> None:
    missing = await client.get("/things/missing")
    assert (missing.status_code, missing.json()) == (404, {"detail": "there is no thing 'missing'"})
    secret = await client.get("/things/secret")
    assert (secret.status_code, secret.json()) == (403, {"detail": "only the owner sees this thing"})
    stale = await client.post("/things/t1/title", json={"title": "stale"})
    assert stale.status_code == 409
    assert stale.json() == {
        "detail": "thing-t1 is at version 4, the request expected 1",
        "current_version": 4,
    }
    broken = await client.post("/things/t1/title", json={"title": "  "})
    assert (broken.status_code, broken.json()) == (
        422,
        {"detail": [{"field": "title", "reason": "A title needs more than spaces"}]},
    )


async def test_invalid_query_and_body_fields_are_named_as_the_caller_wrote_them(
    client: httpx.AsyncClient,
) -> None:
    query = await client.get("/things/t1", params={"depth": "-1"})
    assert query.status_code == 422
    assert [problem["field"] for problem in query.json()["detail"]] == ["depth"]
    body = await client.post("/things/t1/title", json={"name": "x"})
    assert body.status_code == 422
    assert [problem["field"] for problem in body.json()["detail"]] == ["title"]


def _validation_responses(document: dict[str, Any]) -> dict[str, Any]:
    return {
        f"{method.upper()} {path}": operation["responses"].get("422")
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }


async def test_a_body_that_cannot_be_read_is_422_like_any_invalid_input(client: httpx.AsyncClient) -> None:
    for body in (b"\xff\xfe not utf-8", b"{not json"):
        refused = await client.post(
            "/things/t1/title", content=body, headers={"content-type": "application/json"}
        )
        assert refused.status_code == 422
        [problem] = refused.json()["detail"]
        assert problem["reason"]
    assert (await client.get("/things/missing")).status_code == 404  # other HTTP errors stay as they are


@pytest.mark.parametrize(
    "build",
    [
        example_api,
        lambda: create_app(GoalsSettings(key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS, database_url="postgresql://unused/unused", jwt_secret="s" * 32)),
        lambda: create_feedback_app(
            FeedbackSettings(database_url="postgresql://unused/unused", jwt_secret="s" * 32)
        ),
    ],
    ids=["example", "goals", "feedback"],
)
def test_every_operation_documents_the_422_body_it_really_answers(build: Any) -> None:
    document = build().openapi()
    problems_ref = "#/components/schemas/Problems"
    for operation, response in _validation_responses(document).items():
        assert response is not None, f"{operation} does not document its 422"
        assert response["content"]["application/json"]["schema"] == {"$ref": problems_ref}, operation
    assert "HTTPValidationError" not in document["components"]["schemas"]


async def test_the_api_documentation_loads_nothing_from_another_host(client: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        html = (await client.get(page)).text
        assets = re.findall(r"""(?:src|href)=["']([^"']+\.(?:js|css))["']""", html)
        assert assets, f"{page} references no script or style"
        for asset in assets:
            assert asset.startswith("/"), f"{page} loads {asset} from another host"
            served = await client.get(asset)
            assert served.status_code == 200, asset
            assert len(served.content) > 1000, asset
