"""An HR admin erases a person through the goals API: their data keys go, PersonErased is
recorded once, and none of their text is left in any table or any answer of the service, while
their goals keep their statuses, dates and counts and other people's data stays as it was."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI

from tests.goals.api.conftest import SECRET, Clock, bearer
from tests.goals.api.test_goals_api import AS_EMPLOYEE, AS_MANAGER, HR, active_goal, goal_body, set_manager
from tests.kernel.privacy.support import text_everywhere
from tests.openapi_fuzz import one_request_per_operation
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_contracts.goals import PersonErased
from trellis_contracts.personal import ERASED
from trellis_goals.app import create_app
from trellis_goals.application.erasures import erasure_id
from trellis_goals.settings import GoalsSettings
from trellis_kernel.projections import rebuild

pytestmark = pytest.mark.infra

OTHER = "emp_2"
AS_OTHER = bearer(OTHER)
ERASED_TEXTS = (
    "Master Photoshop",
    "Produce campaign visuals without design-team help.",
    "Visuals shipped per month",
    "Photoshop licence",
    "Lead the design studio by 2029",
    "Typography nerd",
    "Halfway through the colour chapter",
    "Waiting for the tablet",
    "Adobe certified associate course",
)
KEPT_TEXTS = ("Learn Figma components", "Design systems at scale", "Figma seat")
READ_MODEL_QUERIES = (
    "SELECT * FROM goal_views ORDER BY organisation_id, goal_id",
    "SELECT * FROM goal_deadlines ORDER BY organisation_id, goal_id, item_kind, item_id",
    "SELECT * FROM goal_people ORDER BY organisation_id, employee_id",
    "SELECT * FROM reporting_lines ORDER BY organisation_id, employee_id",
)


async def seed(client: httpx.AsyncClient) -> None:
    """emp_1's goal, vision, check-in and activity; emp_2's own goal."""
    await active_goal(client)
    steps: list[tuple[str, dict[str, Any], dict[str, str]]] = [
        (
            "/employees/emp_1/vision",
            {"long_term_aspirations": "Lead the design studio by 2029", "interests": ["Typography nerd"]},
            AS_EMPLOYEE,
        ),
        (
            "/goals/goal_1/check-ins",
            {
                "check_in_id": "ci_1",
                "progress_summary": "Halfway through the colour chapter",
                "blockers": ["Waiting for the tablet"],
            },
            AS_MANAGER,
        ),
        (
            "/goals/goal_1/activities",
            {
                "activity_id": "act_1",
                "kind": "training",
                "title": "Adobe certified associate course",
                "due_date": "2026-02-20",
            },
            AS_MANAGER,
        ),
    ]
    for path, body, headers in steps:
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code < 300, (path, response.text)
    await set_manager(client, OTHER)
    other_goal = goal_body(
        goal_id="goal_2",
        employee_id=OTHER,
        title="Learn Figma components",
        description="Design systems at scale",
        resources_needed=["Figma seat"],
        metric={"name": "Components published", "baseline": 0, "target": 12},
        milestones=[],
    )
    assert (await client.post("/goals", json=other_goal, headers=AS_OTHER)).status_code == 201


async def every_answer(app: FastAPI, client: httpx.AsyncClient) -> str:
    """Every read endpoint's answer about emp_1's and emp_2's data, to HR, the employee and the
    manager, as one text."""
    ids = {
        "goal_id": "goal_1",
        "milestone_id": "ms_1",
        "activity_id": "act_1",
        "track_id": "ic",
        "version": 3,
        "manager_id": "mgr_1",
    }
    answers = []
    for case in one_request_per_operation(app.openapi()):
        if case.method != "GET" or "privacy" in case.operation.path or "backfill" in case.operation.path:
            continue
        for goal_id, employee_id in (("goal_1", "emp_1"), ("goal_2", OTHER)):
            names = {**ids, "goal_id": goal_id, "employee_id": employee_id}
            path = case.operation.path.format(**{p.name: names[p.name] for p in case.operation.path_parameters})
            for headers in (HR, AS_MANAGER, bearer(employee_id)):
                response = await client.get(path, params=case.query or None, headers=headers)
                answers.append(f"{path} {response.status_code} {response.text}")
    return "\n".join(answers)


def titles_blanked(answer: Any) -> Any:
    """An answer with every title left out: what erasure must not change."""
    if isinstance(answer, dict):
        return {k: titles_blanked(v) for k, v in answer.items() if k != "title"}
    if isinstance(answer, list):
        return [titles_blanked(item) for item in answer]
    return answer


async def read_models(app: FastAPI) -> list[list[tuple[Any, ...]]]:
    pool = app.state.goals.pool
    return [[tuple(row.values()) for row in await pool.fetch(query)] for query in READ_MODEL_QUERIES]


async def test_an_hr_admin_erases_a_person_and_none_of_their_text_is_left(
    goals_app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed(client)
    before = (await client.get("/employees/emp_1/progress", headers=AS_EMPLOYEE)).json()
    texts_before = await text_everywhere(goals_app.state.goals.pool)
    answers_before = await every_answer(goals_app, client)
    assert [text for text in ERASED_TEXTS + KEPT_TEXTS if text not in answers_before] == []
    # The personal text is sealed in the store, but the read models hold it decoded.
    assert "Master Photoshop" in texts_before

    url = "/privacy/people/emp_1/erasure"
    reason = {"reason": "Left the company; asked to be forgotten (ticket HR-4711)"}
    assert (await client.post(url, json=reason, headers=AS_MANAGER)).status_code == 403
    assert (await client.post(url, json=reason, headers=AS_EMPLOYEE)).status_code == 403
    assert (await client.post(url, json={}, headers=HR)).status_code == 422
    assert (await client.post(url, json={"reason": ""}, headers=HR)).status_code == 422
    erased = await client.post(url, json=reason, headers=HR)
    assert erased.status_code == 200, erased.text
    assert erased.json()["keys_shredded"] == 1 and erased.json()["already_erased"] is False
    again = await client.post(url, json=reason, headers=HR)
    assert again.status_code == 200 and again.json()["already_erased"] is True

    pool = goals_app.state.goals.pool
    everything = await text_everywhere(pool)
    assert [text for text in ERASED_TEXTS if text in everything] == []
    assert all(text in everything for text in KEPT_TEXTS)
    answers = await every_answer(goals_app, client)
    assert [text for text in ERASED_TEXTS if text in answers] == []
    assert all(text in answers for text in KEPT_TEXTS)

    # The goal keeps its status, dates, milestones and progress; its texts read as erased.
    after = (await client.get("/employees/emp_1/progress", headers=AS_EMPLOYEE)).json()
    assert after["goals"][0]["title"] == ERASED
    assert after["goals"][0]["next_milestone"]["title"] == ERASED
    assert titles_blanked(after) == titles_blanked(before)

    # PersonErased is recorded once, in the person's stream; the reason is not in it.
    rows = await pool.fetch(
        "SELECT stream_id, payload FROM events WHERE event_type = $1", PersonErased.event_type()
    )
    assert [(r["stream_id"], json.loads(r["payload"])["erasure_id"]) for r in rows] == [
        ("person-org_1/emp_1", erasure_id("org_1", "emp_1"))
    ]
    assert "HR-4711" not in rows[0]["payload"]

    # A rebuild from the store (the person's fields now decoding as erased) gives the same rows.
    forgotten = await read_models(goals_app)
    for projection in goals_app.state.goals.read_models:
        await rebuild(goals_app.state.goals.store, projection, inline=True)
    assert await read_models(goals_app) == forgotten


async def test_the_goals_topic_carries_person_erased(
    database_dsn: str, kafka_bootstrap: str, new_topic: Callable[..., Awaitable[str]]
) -> None:
    topic = await new_topic()
    settings = GoalsSettings(
        key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS,
        database_url=database_dsn,
        jwt_secret=SECRET,
        kafka_bootstrap_servers=kafka_bootstrap,
        events_topic=topic,
        overdue_sweep_seconds=0,
    )
    app = create_app(settings, clock=Clock())
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://goals") as client,
    ):
        await active_goal(client)
        erased = await client.post(
            "/privacy/people/emp_1/erasure", json={"reason": "Asked to be forgotten"}, headers=HR
        )
        assert erased.status_code == 200, erased.text

    consumer = AIOKafkaConsumer(topic, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    records = []
    try:
        async with asyncio.timeout(30):
            while not any(r.key == b"person-org_1/emp_1" for r in records):
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    records.extend(batch)
    finally:
        with contextlib.suppress(Exception):
            await consumer.stop()
    [record] = [r for r in records if r.key == b"person-org_1/emp_1"]
    assert dict(record.headers)["ce_type"].decode() == PersonErased.event_type()
    event = PersonErased.model_validate_json(record.value)
    assert (event.organisation_id, event.employee_id, event.erased_by) == ("org_1", "emp_1", "hr_1")
    assert b"Asked to be forgotten" not in record.value
    assert not any(b"Master Photoshop" in r.value for r in records)
