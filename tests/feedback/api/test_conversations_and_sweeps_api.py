"""Performance conversations and cadences over HTTP, and the sweeps: reminders, closing on the
due date, a missed cadence reported once, and erasing what anonymity kept after retention."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.feedback.api.conftest import HR, Clock, Goals, bearer
from trellis_feedback.application import FeedbackApplication

pytestmark = pytest.mark.infra

SCHEDULED = "dev.trellis.feedback.ConversationScheduled.v3"
HELD = "dev.trellis.feedback.ConversationHeld.v3"
MISSED = "dev.trellis.feedback.ConversationCadenceMissed.v1"


@pytest.fixture
async def team(goals: Goals) -> Goals:
    await goals.manages("mgr_1", "emp_1", "emp_2", "emp_3")
    await goals.goal("goal_1", "emp_1", "mgr_1", milestones=("ms_1", "ms_2"))
    return goals


def schedule(conversation_id: str = "conv_1", **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "conversation_id": conversation_id,
        "employee_id": "emp_1",
        "kind": "check_in",
        "scheduled_for": "2026-03-04T14:00:00Z",
        "goal_ids": ["goal_1"],
        "agenda": "The certification milestone.",
    }
    return body | changes


HOLD = {
    "progress_summary": "Two of four modules done.",
    "milestone_ids": ["ms_1"],
    "notes": "Wants design reviews.",
    "agreed_actions": [
        {"action_id": "act_1", "owner_id": "emp_1", "due_on": "2026-03-20", "description": "Module 3."},
        {
            "action_id": "act_2",
            "owner_id": "mgr_1",
            "due_on": "2026-03-10",
            "description": "Book a shadowing day.",
        },
    ],
}


async def test_a_conversation_is_scheduled_held_and_its_actions_completed(
    client: httpx.AsyncClient, team: Goals, clock: Clock
) -> None:
    scheduled = await client.post("/conversations", json=schedule(), headers=bearer("mgr_1"))
    assert scheduled.status_code == 201, scheduled.text
    assert scheduled.json() == {"stream_id": "conversation-org_1/conv_1", "version": 1, "events": [SCHEDULED]}
    assert (
        await client.post("/conversations", json=schedule(), headers=bearer("mgr_1"))
    ).json() == scheduled.json()
    assert (
        await client.post("/conversations", json=schedule(kind="quarterly_review"), headers=bearer("mgr_1"))
    ).status_code == 409

    clock.advance(2)
    assert (
        await client.post("/conversations/conv_1/held", json=HOLD, headers=bearer("emp_2"))
    ).status_code == 403
    held = await client.post(
        "/conversations/conv_1/held", json=HOLD | {"expected_version": 1}, headers=bearer("emp_1")
    )
    assert held.status_code == 200, held.text
    assert held.json()["events"] == [HELD]
    again = await client.post("/conversations/conv_1/held", json=HOLD, headers=bearer("emp_1"))
    assert again.status_code == 422
    assert again.json()["detail"] == [
        {"field": "conversation_id", "reason": "The conversation was already held"}
    ]

    done = await client.post(
        "/conversations/conv_1/actions/act_2/completion", json={"note": "Booked."}, headers=bearer("mgr_1")
    )
    assert done.status_code == 200
    log = (await client.get("/managers/mgr_1/conversations", headers=bearer("mgr_1"))).json()
    assert [c["status"] for c in log["conversations"]] == ["held"]
    assert [a["action_id"] for a in log["open_actions"]] == ["act_1"]
    detail = (await client.get("/conversations/conv_1", headers=bearer("hr_1", roles=HR))).json()
    assert detail["progress_summary"] == "Two of four modules done."
    assert [(a["action_id"], a["completed_by"]) for a in detail["actions"]] == [
        ("act_2", "mgr_1"),  # by due date
        ("act_1", None),
    ]
    assert (await client.get("/conversations/conv_1", headers=bearer("emp_2"))).status_code == 403
    assert (await client.get("/managers/mgr_1/conversations", headers=bearer("emp_1"))).status_code == 403
    employee_log = (await client.get("/employees/emp_1/conversations", headers=bearer("emp_1"))).json()
    assert [c["conversation_id"] for c in employee_log["conversations"]] == ["conv_1"]


async def test_conversation_rules_are_422_and_strangers_403_or_404(
    client: httpx.AsyncClient, team: Goals
) -> None:
    await team.manages(None, "emp_9")
    lonely = await client.post(
        "/conversations", json=schedule(employee_id="emp_9", goal_ids=[]), headers=bearer("emp_9")
    )
    assert lonely.status_code == 422
    assert lonely.json()["detail"][0]["field"] == "employee_id"
    past = await client.post(
        "/conversations", json=schedule(scheduled_for="2026-03-01T09:00:00Z"), headers=bearer("mgr_1")
    )
    assert past.json()["detail"][0]["field"] == "scheduled_for"
    other_goal = await client.post(
        "/conversations", json=schedule(goal_ids=["goal_x"]), headers=bearer("mgr_1")
    )
    assert other_goal.json()["detail"][0]["field"] == "goal_ids[0]"
    naive = await client.post(
        "/conversations", json=schedule(scheduled_for="2026-03-04T14:00:00"), headers=bearer("mgr_1")
    )
    assert naive.status_code == 422
    assert (await client.post("/conversations", json=schedule(), headers=bearer("emp_2"))).status_code == 403
    await client.post("/conversations", json=schedule(goal_ids=[]), headers=bearer("mgr_1"))
    linked = await client.post(
        "/conversations/conv_1/goals", json={"goal_id": "goal_1"}, headers=bearer("emp_1")
    )
    assert linked.status_code == 200, linked.text
    cancelled = await client.post(
        "/conversations/conv_1/cancellation", json={"reason": "Moved."}, headers=bearer("emp_1")
    )
    assert cancelled.status_code == 200
    hold = await client.post("/conversations/conv_1/held", json=HOLD, headers=bearer("mgr_1"))
    assert hold.json()["detail"][0]["reason"] == "The conversation was cancelled"
    stranger = bearer("mgr_1", organisation_id="org_2")
    assert (
        await client.post("/conversations/conv_1/cancellation", json={}, headers=stranger)
    ).status_code == 404
    assert (await client.get("/conversations/conv_1", headers=stranger)).status_code == 404


async def test_a_cadence_makes_conversations_due_and_a_miss_is_reported_once(
    client: httpx.AsyncClient, team: Goals, clock: Clock, service: FeedbackApplication
) -> None:
    assert (
        await client.post("/employees/emp_1/cadence", json={"every_days": 14}, headers=bearer("emp_2"))
    ).status_code == 403
    assert (
        await client.post("/employees/emp_1/cadence", json={"every_days": 3}, headers=bearer("mgr_1"))
    ).status_code == 422
    set_ = await client.post(
        "/employees/emp_1/cadence", json={"every_days": 14}, headers=bearer("hr_1", roles=HR)
    )
    assert set_.json()["stream_id"] == "cadence-org_1/emp_1/mgr_1"
    same = await client.post("/employees/emp_1/cadence", json={"every_days": 14}, headers=bearer("mgr_1"))
    assert same.json() == {"stream_id": "cadence-org_1/emp_1/mgr_1", "version": 1, "events": []}
    cadence = (await client.get("/employees/emp_1/cadence", headers=bearer("emp_1"))).json()
    assert (cadence["every_days"], cadence["next_due_on"], cadence["overdue"]) == (14, "2026-03-16", False)

    clock.advance(14)
    assert await service.sweep_cadences() == 0  # the due day itself is on time
    clock.advance(1)
    assert await service.sweep_cadences() == 1
    assert await service.sweep_cadences() == 0
    clock.advance(5)
    assert await service.sweep_cadences() == 0  # that due day was reported
    log = (await client.get("/managers/mgr_1/conversations", headers=bearer("mgr_1"))).json()
    assert [(c["employee_id"], c["next_due_on"], c["overdue"]) for c in log["cadences"]] == [
        ("emp_1", "2026-03-16", True)
    ]

    await client.post(
        "/conversations", json=schedule(scheduled_for="2026-03-22T10:00:00Z"), headers=bearer("mgr_1")
    )
    await client.post(
        "/conversations/conv_1/held", json={"progress_summary": "Back on track."}, headers=bearer("mgr_1")
    )
    cadence = (await client.get("/employees/emp_1/cadence", headers=bearer("mgr_1"))).json()
    assert (cadence["last_held_on"], cadence["next_due_on"], cadence["overdue"]) == (
        "2026-03-22",
        "2026-04-05",
        False,
    )

    await team.manages("mgr_2", "emp_1")  # a new manager: the old pair has nothing due
    clock.advance(30)
    assert await service.sweep_cadences() == 0
    assert (await client.get("/managers/mgr_1/conversations", headers=bearer("mgr_1"))).json()[
        "cadences"
    ] == []


async def test_requests_are_reminded_then_closed_when_due_and_anonymous_secrets_erased_after_retention(
    client: httpx.AsyncClient, team: Goals, clock: Clock, service: FeedbackApplication
) -> None:
    await team.manages("mgr_1", "emp_4")
    givers = [{"giver_id": e, "relationship": "direct_report"} for e in ("emp_1", "emp_2", "emp_3", "emp_4")]
    upward = {
        "request_id": "req_up",
        "recipient_id": "mgr_1",
        "kind": "upward",
        "anonymous": True,
        "givers": givers,
        "due_on": "2026-03-13",
    }
    named = {
        "request_id": "req_n",
        "recipient_id": "emp_1",
        "givers": [{"giver_id": "emp_2", "relationship": "peer"}],
        "due_on": "2026-03-13",
    }
    assert (await client.post("/feedback-requests", json=upward, headers=bearer("mgr_1"))).status_code == 201
    assert (await client.post("/feedback-requests", json=named, headers=bearer("emp_1"))).status_code == 201
    for giver in ("emp_1", "emp_2", "emp_3"):
        answered = await client.post(
            "/feedback-requests/req_up/answers",
            json={"content": f"Ask more, {giver[-1]}."},
            headers=bearer(giver),
        )
        assert answered.status_code == 201, answered.text

    assert await service.sweep_requests() == (0, 0)
    clock.advance(9)  # 2026-03-11: the reminder is due
    assert await service.sweep_requests() == (2, 0)
    assert await service.sweep_requests() == (0, 0)
    clock.advance(2)  # the due day: still open
    assert await service.sweep_requests() == (0, 0)
    clock.advance(1)
    assert await service.sweep_requests() == (0, 2)
    results = (await client.get("/feedback-requests/req_up/results", headers=bearer("mgr_1"))).json()
    assert results["status"] == "released"
    assert sorted(a["content"] for a in results["answers"]) == [
        "Ask more, 1.",
        "Ask more, 2.",
        "Ask more, 3.",
    ]
    assert {a["giver_id"] for a in results["answers"]} == {None}

    mine = (await client.get("/me/given-feedback", headers=bearer("emp_2"))).json()["anonymous"]
    assert [(a["request_id"], a["content"]) for a in mine] == [("req_up", "Ask more, 2.")]
    assert await service.erase_closed_anonymous_requests(timedelta(days=30)) == 0
    clock.advance(31)
    assert await service.erase_closed_anonymous_requests(timedelta(days=30)) == 1
    assert await service.pool.fetchval("SELECT count(*) FROM anonymous_request_keys") == 0
    assert await service.pool.fetchval("SELECT count(*) FROM sealed_answers") == 0
    assert (await client.get("/me/given-feedback", headers=bearer("emp_2"))).json()["anonymous"] == []
    still = (await client.get("/feedback-requests/req_up/results", headers=bearer("mgr_1"))).json()
    assert len(still["answers"]) == 3  # what was released stays released
