"""Clients on flaky networks retry: a command sent again answers as the first time, whether its
id was chosen by the client or it carries an Idempotency-Key; a different request under the
same id or key is refused and says so."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.goals.api.conftest import Clock
from tests.goals.api.test_goals_api import AS_EMPLOYEE, AS_MANAGER, active_goal, goal_body, set_manager

pytestmark = pytest.mark.infra

CHECK_IN = {
    "check_in_id": "ci_1",
    "progress_summary": "Course half done",
    "milestone_progress": [{"milestone_id": "ms_1", "progress_percent": 50}],
}


async def versions(client: httpx.AsyncClient) -> int:
    version: int = (await client.get("/goals/goal_1", headers=AS_EMPLOYEE)).json()["version"]
    return version


async def test_a_retried_check_in_answers_as_the_first_time_even_after_other_changes(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    await active_goal(client)
    first = await client.post(
        "/goals/goal_1/check-ins", json={**CHECK_IN, "expected_version": 3}, headers=AS_MANAGER
    )
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 5  # the check-in and the progress it reported
    clock.advance(2)
    reached = await client.post("/goals/goal_1/milestones/ms_2/reached", json={}, headers=AS_EMPLOYEE)
    assert reached.json()["version"] == 6

    again = await client.post(
        "/goals/goal_1/check-ins", json={**CHECK_IN, "expected_version": 3}, headers=AS_MANAGER
    )
    assert (again.status_code, again.json()) == (200, first.json())
    assert await versions(client) == 6

    different = await client.post(
        "/goals/goal_1/check-ins", json={**CHECK_IN, "progress_summary": "Course done"}, headers=AS_MANAGER
    )
    assert different.status_code == 409
    assert different.json() == {
        "detail": "check-in 'ci_1' was already recorded, with different content: choose another id"
    }
    by_someone_else = await client.post("/goals/goal_1/check-ins", json=CHECK_IN, headers=AS_EMPLOYEE)
    assert by_someone_else.status_code == 409
    assert await versions(client) == 6


async def test_retried_reviews_and_activities_answer_as_the_first_time(client: httpx.AsyncClient) -> None:
    await active_goal(client)
    activity = {"activity_id": "act_1", "kind": "training", "title": "Course", "due_date": "2026-02-20"}
    planned = await client.post("/goals/goal_1/activities", json=activity, headers=AS_EMPLOYEE)
    assert planned.status_code == 200, planned.text
    review = {"review_id": "rev_1", "summary": "Done", "outcome": {"kind": "complete", "achieved_value": 5}}
    reviewed = await client.post("/goals/goal_1/reviews", json=review, headers=AS_MANAGER)
    assert reviewed.json()["events"] == [
        "dev.trellis.goals.GoalReviewed.v2",
        "dev.trellis.goals.GoalCompleted.v2",
    ]

    assert (await client.post("/goals/goal_1/activities", json=activity, headers=AS_EMPLOYEE)).json() == (
        planned.json()
    )
    assert (await client.post("/goals/goal_1/reviews", json=review, headers=AS_MANAGER)).json() == (
        reviewed.json()
    )
    changed = {**review, "outcome": {"kind": "complete", "achieved_value": 4}}
    refused = await client.post("/goals/goal_1/reviews", json=changed, headers=AS_MANAGER)
    assert refused.status_code == 409
    assert "review 'rev_1'" in refused.json()["detail"]


async def test_an_idempotency_key_makes_a_command_without_an_id_retryable(client: httpx.AsyncClient) -> None:
    await set_manager(client)
    assert (await client.post("/goals", json=goal_body(), headers=AS_EMPLOYEE)).status_code == 201
    keyed = {**AS_MANAGER, "Idempotency-Key": '"agree-goal-1"'}

    first = await client.post("/goals/goal_1/agreement", json={"expected_version": 1}, headers=keyed)
    again = await client.post("/goals/goal_1/agreement", json={"expected_version": 1}, headers=keyed)

    assert (first.status_code, first.json()["version"]) == (200, 3)
    assert (again.status_code, again.json()) == (200, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    # Without the key the same request is a new one, refused by the domain: already agreed.
    assert (
        await client.post("/goals/goal_1/agreement", json={"expected_version": 1}, headers=AS_MANAGER)
    ).status_code == 409
    other_request = await client.post("/goals/goal_1/agreement", json={}, headers=keyed)
    assert other_request.status_code == 422
    assert other_request.json()["detail"][0]["field"] == "Idempotency-Key"
    assert await versions(client) == 3


async def test_keys_belong_to_their_caller_and_a_refused_request_is_not_remembered(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    await set_manager(client)
    await client.post("/goals", json=goal_body(), headers=AS_EMPLOYEE)
    key = {"Idempotency-Key": "reach-ms-1"}
    too_early = await client.post(
        "/goals/goal_1/milestones/ms_1/reached", json={}, headers={**AS_EMPLOYEE, **key}
    )
    assert too_early.status_code == 422  # not agreed yet: nothing stored, nothing remembered
    await client.post("/goals/goal_1/agreement", json={}, headers=AS_MANAGER)
    clock.advance(5)
    reached = await client.post(
        "/goals/goal_1/milestones/ms_1/reached", json={}, headers={**AS_EMPLOYEE, **key}
    )
    assert reached.status_code == 200, reached.text
    # The manager's use of the same key is theirs, not a replay of the employee's.
    by_manager = await client.post(
        "/goals/goal_1/milestones/ms_2/reached", json={}, headers={**AS_MANAGER, **key}
    )
    assert by_manager.status_code == 200
    assert by_manager.json()["version"] == reached.json()["version"] + 1


async def test_identical_requests_at_once_are_applied_once(client: httpx.AsyncClient) -> None:
    await active_goal(client)
    keyed = {**AS_MANAGER, "Idempotency-Key": "progress-1"}
    body = {"progress_percent": 40}

    responses = await asyncio.gather(
        *(client.post("/goals/goal_1/milestones/ms_1/progress", json=body, headers=keyed) for _ in range(4))
    )

    assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
    assert {r.json()["version"] for r in responses} == {4}
    assert await versions(client) == 4


async def test_a_command_that_records_nothing_is_remembered_too(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    await active_goal(client)
    keyed = {**AS_MANAGER, "Idempotency-Key": "check-overdue"}
    nothing = await client.post("/goals/goal_1/overdue-check", json={}, headers=keyed)
    assert nothing.json() == {"stream_id": "goal-org_1/goal_1", "version": 3, "events": []}
    clock.advance(40)  # ms_1 is overdue now, but the key answers what it answered
    again = await client.post("/goals/goal_1/overdue-check", json={}, headers=keyed)
    assert again.json() == nothing.json()
    assert await versions(client) == 3


async def test_an_invalid_key_is_refused_naming_the_header(client: httpx.AsyncClient) -> None:
    await active_goal(client)
    refused = await client.post(
        "/goals/goal_1/overdue-check", json={}, headers={**AS_MANAGER, "Idempotency-Key": "a b"}
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "Idempotency-Key"
    spec = (await client.get("/openapi.json")).json()
    parameters = spec["paths"]["/goals/{goal_id}/agreement"]["post"]["parameters"]
    assert "Idempotency-Key" in [p["name"] for p in parameters if p["in"] == "header"]
