"""A member of another organisation learns nothing about this one, through any endpoint.

Every operation of the OpenAPI document (so a new endpoint is covered without touching this
test) is called by people of organisation B with the ids organisation A uses: once in a service
where A has nothing, once where A has a goal, milestones, an activity, a check-in, a vision, a
reporting line and a career track under those ids. B's answers must be the same both times,
byte for byte: whatever B gets, it would have got if A did not exist. And A's data is as it was.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from schemathesis import Case

from tests.conftest import PostgresServer
from tests.goals.api.conftest import SECRET, Clock, bearer
from tests.goals.api.test_goals_api import AS_EMPLOYEE, AS_MANAGER, HR, active_goal
from tests.openapi_fuzz import one_request_per_operation
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_goals.app import create_app
from trellis_goals.settings import GoalsSettings

pytestmark = pytest.mark.infra

IDS = {
    "goal_id": "goal_1",
    "milestone_id": "ms_1",
    "activity_id": "act_1",
    "employee_id": "emp_1",
    "manager_id": "mgr_1",
    "person_id": "emp_1",
    "track_id": "ic",
    "version": 2,
    "backfill_id": "5f0c4a52-2d1e-4a43-9a43-3f6f0b1d2c11",
    "key_id": "dk_00000000000000000000000000000000",  # replaced by A's employee's key once seeded
}
"""The ids organisation A uses, which B's people send too."""
OTHER_ORG = "org_2"
CALLERS = {
    "a namesake of A's employee": bearer("emp_1", organisation_id=OTHER_ORG),
    "a namesake of A's manager": bearer("mgr_1", organisation_id=OTHER_ORG),
    "B's HR admin": bearer("hr_9", roles=("hr_admin",), organisation_id=OTHER_ORG),
}
GENERATED_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RECORDED_AT = re.compile(r'"(erased_at|read_at)":"[^"]+"')
"""When B's own key reads and erasures were recorded: the database's clock, not the test's."""


async def seed_organisation_a(client: httpx.AsyncClient) -> None:
    await active_goal(client)  # emp_1 reports to mgr_1, goal_1 agreed with ms_1 and ms_2
    seeded = [
        ("/employees/emp_1/vision", {"long_term_aspirations": "Lead the design team"}, AS_EMPLOYEE),
        ("/career-tracks", {"track_id": "ic", "name": "Individual contributor"}, HR),
        (
            "/goals/goal_1/activities",
            {"activity_id": "act_1", "kind": "training", "title": "Course", "due_date": "2026-02-20"},
            AS_MANAGER,
        ),
        ("/goals/goal_1/check-ins", {"check_in_id": "ci_1", "progress_summary": "Started"}, AS_MANAGER),
    ]
    for path, body, headers in seeded:
        assert (await client.post(path, json=body, headers=headers)).status_code < 300


async def a_state(client: httpx.AsyncClient) -> list[Any]:
    goal = (await client.get("/goals/goal_1", headers=AS_EMPLOYEE)).json()
    vision = (await client.get("/employees/emp_1/vision", headers=AS_EMPLOYEE)).json()
    line = (await client.get("/employees/emp_1/manager", headers=HR)).json()
    tracks = (await client.get("/career-tracks", headers=HR)).json()
    page = (await client.get("/organisation/goals", headers=HR)).json()
    return [goal, vision, line, tracks, page]


async def what_b_sees(client: httpx.AsyncClient, cases: list[Case]) -> list[tuple[str, int, str]]:
    """Every operation called by each of B's people, with A's ids; each answer as B reads it."""
    answers = []
    for case in cases:
        operation = case.operation
        path = operation.path.format(**{p.name: IDS[p.name] for p in operation.path_parameters})
        for who, headers in CALLERS.items():
            response = await client.request(
                case.method,
                path,
                params=case.query or None,
                content=None if case.body is None else json.dumps(case.body, default=str),
                headers={**headers, "content-type": "application/json"},
            )
            answers.append(
                (
                    f"{who}: {case.method} {path}",
                    response.status_code,
                    RECORDED_AT.sub(r'"\1":"<time>"', GENERATED_ID.sub("<id>", response.text)),
                )
            )
    return answers


async def a_data_key(client: httpx.AsyncClient) -> str:
    """The id of A's employee's data key, as a protected field of A's events names it."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    app: Any = transport.app
    key_id: str = await app.state.goals.keys.pool.fetchval(
        "SELECT key_id FROM privacy_data_keys WHERE organisation_id = 'org_1' AND person_id = 'emp_1'"
    )
    return key_id


async def app_client(dsn: str, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(GoalsSettings(key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS, database_url=dsn, jwt_secret=SECRET, overdue_sweep_seconds=0), clock=clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://goals") as client,
    ):
        yield client


async def test_another_organisation_learns_nothing_from_any_endpoint(
    postgres: PostgresServer, goals_app: FastAPI
) -> None:
    cases = one_request_per_operation(goals_app.openapi())
    assert len({case.operation.label for case in cases}) == len(cases) >= 35

    # B's people in a service where A has nothing, then in one where A has all of the above:
    # B's answers must not differ in anything.
    alone, beside_a = [], []
    async for client in app_client(await postgres.create_database(), Clock()):
        await seed_organisation_a(client)
        IDS["key_id"] = await a_data_key(client)
        before = await a_state(client)
        beside_a = await what_b_sees(client, cases)
        assert await a_state(client) == before, "B changed something of A's"
    async for client in app_client(await postgres.create_database(), Clock()):
        alone = await what_b_sees(client, cases)

    for (call, *without), (_, *with_a) in zip(alone, beside_a, strict=True):
        assert with_a == without, f"{call}: {with_a} where A has nothing: {without}"
    assert not any("another organisation" in text for _, _, text in beside_a)
    assert {status for _, status, _ in beside_a} >= {200, 404}
