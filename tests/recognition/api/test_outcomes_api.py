"""Policy outcomes as people see them: events of the goals and feedback services, processed by
the service's consumer, become recognition, rewards, held rewards and pay changes, each once;
HR decides on what is held; each caller sees what they may."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest

from tests.recognition.api.conftest import HR, ORG, Recognition, bearer, policy_text
from tests.recognition.upstream import (
    day_at,
    goal_completed,
    goal_created,
    milestone_reached,
    praise,
    record,
    reporting_line,
)

pytestmark = pytest.mark.infra

EMP, TEAMMATE, COLLEAGUE, MGR = "emp_1", "emp_2", "emp_3", "mgr_1"
APRIL_2 = day_at(date(2026, 4, 2))

LEADERSHIP = """\
  - id: leadership-milestone
    when: {event: goals.MilestoneReached, career_track: [leadership]}
    then:
      - recognition: {visibility: public, kind: milestone_celebration, message: Well done!}
      - lead_initiative: {initiative: Lead a cross-team initiative next quarter}
"""
CERTIFICATION = """\
  - id: certified
    when: {event: goals.GoalCompleted, goal_template: [aws-associate]}
    then:
      - bonus: {kind: spot_award, amount: "200.00", currency: EUR, pay_after_days: 30}
      - compensation_adjustment: {kind: merit_increase, change: {amount: "1200.00", currency: EUR}, pay_period: annual}
"""
PRAISE = """\
  - id: three-praises
    when: {event: feedback.FeedbackGiven, where: {kind: {equals: praise}}, count: {at_least: 3, window: quarter}}
    then:
      - recognition: {visibility: team, kind: acknowledgement}
"""
PEERS = """
peer_recognition:
  per_giver: {at_most: 2, window: month}
  per_recipient: {at_most: 1, window: week}
  visibility: [public, team]
"""


async def teams(recognition: Recognition) -> None:
    await recognition.feed(
        reporting_line(ORG, EMP, MGR, APRIL_2),
        reporting_line(ORG, TEAMMATE, MGR, APRIL_2),
        reporting_line(ORG, COLLEAGUE, "mgr_2", APRIL_2),
        reporting_line(ORG, "hr_1", "mgr_9", APRIL_2),
    )


async def test_a_leadership_milestone_is_recognised_once_and_shown_to_whom_it_may_be(
    recognition: Recognition,
) -> None:
    assert (await recognition.publish(policy_text("leadership", LEADERSHIP))).status_code == 201
    await teams(recognition)
    reached = record(milestone_reached(ORG, "goal_1", EMP, MGR, "ms_1", APRIL_2, track="leadership"))
    await recognition.feed(reached, reached)  # Kafka delivered it twice
    await recognition.feed(record(milestone_reached(ORG, "goal_2", EMP, MGR, "ms_1", APRIL_2, track="craft")))

    rows = await recognition.triggers(employee_id=EMP)
    assert sorted((r["outcome_kind"], r["policy_id"], r["policy_version"], r["rule_id"]) for r in rows) == [
        ("lead_initiative", "leadership", 1, "leadership-milestone"),
        ("recognition", "leadership", 1, "leadership-milestone"),
    ]
    event_id = rows[0]["triggering_event_id"]
    assert {r["triggering_event_id"] for r in rows} == {event_id}
    assert len(await recognition.triggers(triggering_event_id=event_id)) == 2

    for caller in (EMP, TEAMMATE, COLLEAGUE, MGR):
        seen = await recognition.http.get(f"/employees/{EMP}/recognition", headers=bearer(caller))
        assert seen.status_code == 200
        [entry] = seen.json()
        assert (entry["entry_kind"], entry["visibility"], entry["message"]) == (
            "recognition",
            "public",
            "Well done!",
        )
    wall = await recognition.http.get("/recognition", headers=bearer(COLLEAGUE))
    assert [e["employee_id"] for e in wall.json()] == [EMP]
    assert (await recognition.http.get("/reward-triggers", headers=bearer(MGR))).status_code == 403


async def test_a_certification_earns_a_bonus_within_budget_and_a_pay_change_hr_approves(
    recognition: Recognition,
) -> None:
    await recognition.publish(policy_text("certification", CERTIFICATION))
    await teams(recognition)
    budget = await recognition.http.put(
        f"/teams/{MGR}/budgets/2026-Q2", json={"amount": {"amount": "300.00", "currency": "EUR"}}, headers=HR
    )
    assert budget.status_code == 200, budget.text
    again = await recognition.http.put(
        f"/teams/{MGR}/budgets/2026-Q2", json={"amount": {"amount": "300.00", "currency": "EUR"}}, headers=HR
    )
    assert again.json() == budget.json()
    for goal in ("goal_1", "goal_2"):
        await recognition.feed(
            goal_created(ORG, goal, EMP, MGR, APRIL_2, template="aws-associate"),
            goal_completed(ORG, goal, EMP, MGR, day_at(date(2026, 4, 20))),
        )

    rows = await recognition.triggers(employee_id=EMP)
    by_state = sorted((r["outcome_kind"], r["approval_state"], r["amount"]["amount"]) for r in rows)
    assert by_state == [
        ("compensation_adjustment", "pending", "1200.00"),
        ("compensation_adjustment", "pending", "1200.00"),
        ("reward", "not_required", "200.00"),
        ("reward", "pending", "200.00"),  # the second would take the quarter past 300.00
    ]
    used = (await recognition.http.get(f"/teams/{MGR}/budgets", headers=bearer(MGR))).json()
    assert [(b["period"], b["used"]["amount"]) for b in used] == [("2026-Q2", "200.00")]
    assert (await recognition.http.get(f"/teams/{MGR}/budgets", headers=bearer(TEAMMATE))).status_code == 403

    pending = (await recognition.http.get("/approvals", headers=HR)).json()
    assert sorted(p["kind"] for p in pending) == [
        "compensation_adjustment",
        "compensation_adjustment",
        "reward",
    ]
    held = next(p["subject_id"] for p in pending if p["kind"] == "reward")
    beneficiary = bearer(EMP, hr=True)  # an HR admin, but the reward is theirs
    refused = await recognition.http.post(f"/approvals/rewards/{held}/approve", json={}, headers=beneficiary)
    assert refused.status_code == 403
    assert "own" in refused.json()["detail"]
    assert (
        await recognition.http.post(f"/approvals/rewards/{held}/approve", json={}, headers=bearer(MGR))
    ).status_code == 403

    approved = await recognition.http.post(f"/approvals/rewards/{held}/approve", json={}, headers=HR)
    assert approved.status_code == 200, approved.text
    assert approved.json()["events"] == ["dev.trellis.recognition.RewardGranted.v2"]
    retried = await recognition.http.post(f"/approvals/rewards/{held}/approve", json={}, headers=HR)
    assert retried.json() == approved.json()
    late = await recognition.http.post(f"/approvals/rewards/{held}/reject", json={"reason": "no"}, headers=HR)
    assert late.status_code == 422
    used = (await recognition.http.get(f"/teams/{MGR}/budgets", headers=HR)).json()
    assert used[0]["used"]["amount"] == "400.00", "approved beyond the budget, charged to it"
    [granted] = [r for r in await recognition.triggers(employee_id=EMP) if r["outcome_id"] == held]
    assert (granted["approval_state"], granted["decided_by"]) == ("approved", "hr_1")

    adjustment = next(p["subject_id"] for p in pending if p["kind"] == "compensation_adjustment")
    rejected = await recognition.http.post(
        f"/approvals/compensation/{adjustment}/reject", json={"reason": "Next cycle"}, headers=HR
    )
    assert rejected.status_code == 200
    assert rejected.json()["events"] == ["dev.trellis.recognition.CompensationAdjustmentRejected.v3"]
    assert len((await recognition.http.get("/approvals", headers=HR)).json()) == 1
    missing = await recognition.http.post(
        f"/approvals/compensation/{uuid.uuid4()}/approve", json={}, headers=HR
    )
    assert missing.status_code == 404
    other_org = await recognition.http.post(
        f"/approvals/rewards/{held}/approve", json={}, headers=bearer("hr_9", hr=True, org="org_2")
    )
    assert other_org.status_code == 404

    feed = (await recognition.http.get(f"/employees/{EMP}/recognition", headers=bearer(EMP))).json()
    assert sorted(e["amount"]["amount"] for e in feed if e["entry_kind"] == "reward") == ["200.00", "200.00"]
    assert (
        await recognition.http.get(f"/employees/{EMP}/recognition", headers=bearer(TEAMMATE))
    ).json() == []
    team = (await recognition.http.get(f"/teams/{MGR}/recognition", headers=bearer(MGR))).json()
    assert len(team) == 2


async def test_three_praises_in_a_quarter_are_recognised_once_even_when_decided_at_the_same_time(
    recognition: Recognition,
) -> None:
    await recognition.publish(policy_text("praise", PRAISE))
    await teams(recognition)
    people = [EMP, *(f"emp_{n}" for n in range(10, 16))]
    for person in people:
        await recognition.feed(praise(ORG, person, TEAMMATE, day_at(date(2026, 4, 3))))
    # Each one's second and third arrive on two partitions and are decided at the same time.
    await asyncio.gather(
        *(
            recognition.feed(praise(ORG, person, giver, day_at(date(2026, 4, day))))
            for person in people
            for giver, day in ((COLLEAGUE, 4), (MGR, 5))
        )
    )
    await recognition.feed(praise(ORG, EMP, "emp_8", day_at(date(2026, 4, 6)), kind="constructive"))
    for person in people:
        rows = await recognition.triggers(employee_id=person)
        assert [(r["outcome_kind"], r["rule_id"]) for r in rows] == [("recognition", "three-praises")], person

    seen_by = {
        caller: [
            e["visibility"]
            for e in (
                await recognition.http.get(f"/employees/{EMP}/recognition", headers=bearer(caller))
            ).json()
        ]
        for caller in (EMP, TEAMMATE, COLLEAGUE)
    }
    assert seen_by == {EMP: ["team"], TEAMMATE: ["team"], COLLEAGUE: []}


async def test_colleagues_recognise_each_other_within_the_policy_and_retries_answer_once(
    recognition: Recognition,
) -> None:
    await teams(recognition)
    body = {"recognition_id": "kudos_1", "recipient_id": EMP, "visibility": "public", "message": "Thanks!"}
    none_yet = await recognition.http.post("/recognitions", json=body, headers=bearer(TEAMMATE))
    assert none_yet.status_code == 422, "no policy allows it yet"
    await recognition.publish(policy_text("praise", PRAISE, extra=PEERS))

    given = await recognition.http.post("/recognitions", json=body, headers=bearer(TEAMMATE))
    assert given.status_code == 201, given.text
    assert given.json() == {
        "stream_id": f"peer-{ORG}/{TEAMMATE}",
        "version": 1,
        "events": ["dev.trellis.recognition.PeerRecognitionGiven.v2"],
    }
    assert (
        await recognition.http.post("/recognitions", json=body, headers=bearer(TEAMMATE))
    ).json() == given.json()
    changed = await recognition.http.post(
        "/recognitions", json={**body, "message": "Other"}, headers=bearer(TEAMMATE)
    )
    assert changed.status_code == 409
    assert "other content" in changed.json()["detail"]
    taken = await recognition.http.post("/recognitions", json=body, headers=bearer(COLLEAGUE))
    assert taken.status_code == 409, "another giver's id"

    twice = await recognition.http.post(
        "/recognitions", json={**body, "recognition_id": "kudos_2"}, headers=bearer(TEAMMATE)
    )
    assert twice.status_code == 422, "one per recipient and week"
    assert twice.json()["detail"][0]["field"] == "recipient_id"
    private = await recognition.http.post(
        "/recognitions",
        json={**body, "recognition_id": "kudos_3", "recipient_id": COLLEAGUE, "visibility": "private"},
        headers=bearer(TEAMMATE),
    )
    assert private.status_code == 422
    oneself = await recognition.http.post(
        "/recognitions",
        json={**body, "recognition_id": "kudos_4", "recipient_id": TEAMMATE},
        headers=bearer(TEAMMATE),
    )
    assert oneself.status_code == 403
    unknown_goal = await recognition.http.post(
        "/recognitions",
        json={**body, "recognition_id": "kudos_5", "recipient_id": COLLEAGUE, "goal_id": "goal_x"},
        headers=bearer(TEAMMATE),
    )
    assert unknown_goal.status_code == 422

    wall = (await recognition.http.get("/recognition", headers=bearer(COLLEAGUE))).json()
    assert [(e["entry_id"], e["given_by"], e["message"], e["source"]) for e in wall] == [
        ("kudos_1", TEAMMATE, "Thanks!", "peer")
    ]
