"""Outcomes recorded once in their own streams, and pay changes only an HR admin who is not
the employee concerned approves or rejects."""

from __future__ import annotations

from datetime import date

import pytest

from tests.recognition.domain.builders import (
    EMPLOYEE,
    HR,
    MANAGER,
    ORG,
    at,
    event_id,
    example,
    facts_for,
    goal_completed,
    goal_facts,
    milestone_reached,
    published,
)
from trellis_contracts.fields import Money
from trellis_contracts.recognition import (
    CompensationAdjustmentApprovedV2,
    CompensationAdjustmentProposedV2,
    CompensationAdjustmentRejectedV2,
    InitiativeLeadProposed,
    LearningAssignmentRequestedV2,
    RecognitionAwardedV2,
)
from trellis_contracts.reward_policy import CompensationOutcome, RewardPolicy
from trellis_kernel.testing import given
from trellis_recognition.domain.compensation import (
    ApproveAdjustment,
    ProposeAdjustment,
    RejectAdjustment,
    adjustment_decider,
)
from trellis_recognition.domain.evaluation import Cause, PlannedOutcome, evaluate
from trellis_recognition.domain.outcomes import RecordOutcome, outcome_decider
from trellis_recognition.domain.rules import Approver

NOW = at(date(2026, 3, 10), 15)
HR_ADMIN = Approver(HR, hr_admin=True)


def test_a_leadership_milestone_records_a_public_recognition_and_an_initiative_once_each() -> None:
    versions = [published(example("leadership-milestones.yaml"))]
    trigger = milestone_reached("m1", at(date(2026, 3, 10)), track="leadership")
    recognition, initiative = evaluate(trigger, facts_for(trigger, versions), versions)
    [awarded] = given(outcome_decider).when(RecordOutcome(planned=recognition, now=NOW))
    assert isinstance(awarded, RecognitionAwardedV2)
    assert (awarded.recognition_id, awarded.recipient_id, awarded.visibility, awarded.kind) == (
        recognition.outcome_id,
        EMPLOYEE,
        "public",
        "milestone_celebration",
    )
    assert (awarded.goal_id, awarded.milestone_id, awarded.triggering_event_id, awarded.awarded_at) == (
        "goal_1",
        "ms_1",
        trigger.event_id,
        NOW,
    )
    assert given(outcome_decider, awarded).when(RecordOutcome(planned=recognition, now=NOW)) == []
    [proposed] = given(outcome_decider).when(RecordOutcome(planned=initiative, now=NOW))
    assert isinstance(proposed, InitiativeLeadProposed)
    assert proposed.initiative == "Lead a cross-team initiative next quarter"


def test_the_next_course_is_due_counted_from_the_triggering_day() -> None:
    versions = [published(example("certification-bonus.json"))]
    trigger = goal_completed("g1", at(date(2026, 3, 10)))
    _, course = evaluate(
        trigger,
        facts_for(trigger, versions, goal=goal_facts(template="aws-associate-certification")),
        versions,
    )
    [requested] = given(outcome_decider).when(RecordOutcome(planned=course, now=NOW))
    assert isinstance(requested, LearningAssignmentRequestedV2)
    assert (requested.learner_id, requested.due_on, requested.assignment_id) == (
        EMPLOYEE,
        date(2026, 9, 6),
        course.outcome_id,
    )


def test_a_reward_is_not_recorded_as_a_plain_outcome() -> None:
    versions = [published(example("certification-bonus.json"))]
    trigger = goal_completed("g1", at(date(2026, 3, 10)))
    bonus, _ = evaluate(
        trigger,
        facts_for(trigger, versions, goal=goal_facts(template="aws-associate-certification")),
        versions,
    )
    given(outcome_decider).when_rejected(RecordOutcome(planned=bonus, now=NOW), field="kind")


# --- pay changes ----------------------------------------------------------------------------


def proposal(employee: str = EMPLOYEE) -> PlannedOutcome:
    document = RewardPolicy.model_validate(
        {
            "format": "trellis.reward-policy.v1",
            "policy_id": "pol-pay",
            "title": "Pay",
            "effective_on": "2026-01-01",
            "rules": [
                {
                    "id": "lead",
                    "when": {"event": "goals.MilestoneReached"},
                    "then": [
                        {
                            "compensation_adjustment": {
                                "kind": "merit_increase",
                                "change": {"amount": "2400.00", "currency": "EUR"},
                                "pay_period": "annual",
                                "effective_after_days": 30,
                            }
                        }
                    ],
                }
            ],
        }
    )
    detail = document.rules[0].then[0].compensation_adjustment
    assert isinstance(detail, CompensationOutcome)
    return PlannedOutcome(
        outcome_id="adj-1",
        organisation_id=ORG,
        employee_id=employee,
        cause=Cause(event_id("m1"), "dev.trellis.goals.MilestoneReached.v1", "pol-pay", 1, "lead"),
        detail=detail,
        decided_on=date(2026, 3, 10),
        goal_id="goal_1",
        milestone_id="ms_1",
    )


def proposed() -> list[CompensationAdjustmentProposedV2]:
    events = given(adjustment_decider).when(ProposeAdjustment(planned=proposal(), now=NOW))
    assert all(isinstance(e, CompensationAdjustmentProposedV2) for e in events)
    return events  # type: ignore[return-value]


def approve(approver: Approver = HR_ADMIN) -> ApproveAdjustment:
    return ApproveAdjustment(adjustment_id="adj-1", approver=approver, now=NOW)


def reject(approver: Approver = HR_ADMIN) -> RejectAdjustment:
    return RejectAdjustment(adjustment_id="adj-1", approver=approver, reason="Next cycle", now=NOW)


def test_a_policy_proposes_a_pay_change_that_is_not_final() -> None:
    [event] = proposed()
    assert (event.adjustment_id, event.employee_id, event.change, event.effective_on) == (
        "adj-1",
        EMPLOYEE,
        Money(amount="2400.00", currency="EUR"),
        date(2026, 4, 9),
    )
    assert (event.policy_id, event.policy_version, event.rule_id, event.triggering_event_id) == (
        "pol-pay",
        1,
        "lead",
        event_id("m1"),
    )
    state = given(adjustment_decider, event).then_state()
    assert state is not None and not state.final
    assert given(adjustment_decider, event).when(ProposeAdjustment(planned=proposal(), now=NOW)) == []


def test_an_hr_admin_approves_it_and_only_then_it_is_final() -> None:
    history = proposed()
    [approved] = given(adjustment_decider, *history).when(approve())
    assert isinstance(approved, CompensationAdjustmentApprovedV2)
    assert (approved.approved_by_id, approved.change, approved.pay_period, approved.effective_on) == (
        HR,
        Money(amount="2400.00", currency="EUR"),
        "annual",
        date(2026, 4, 9),
    )
    assert (approved.triggering_event_id, approved.policy_id, approved.policy_version) == (
        event_id("m1"),
        "pol-pay",
        1,
    )
    state = given(adjustment_decider, *history, approved).then_state()
    assert state is not None and state.final


def test_an_hr_admin_rejects_it_and_it_never_becomes_final() -> None:
    history = proposed()
    [rejected] = given(adjustment_decider, *history).when(reject())
    assert isinstance(rejected, CompensationAdjustmentRejectedV2) and rejected.reason == "Next cycle"
    state = given(adjustment_decider, *history, rejected).then_state()
    assert state is not None and not state.final
    given(adjustment_decider, *history, rejected).when_rejected(
        approve(), field="adjustment_id", match="rejected already"
    )


@pytest.mark.parametrize(
    ("approver", "match"),
    [
        (Approver(MANAGER, hr_admin=False), "only an hr admin"),
        (Approver(EMPLOYEE, hr_admin=False), "only an hr admin"),
        (Approver(EMPLOYEE, hr_admin=True), "of their own"),
    ],
)
def test_nobody_else_decides_on_a_pay_change(approver: Approver, match: str) -> None:
    history = proposed()
    given(adjustment_decider, *history).when_rejected(approve(approver), field="approver", match=match)
    given(adjustment_decider, *history).when_rejected(reject(approver), field="approver", match=match)


def test_a_decision_repeated_by_its_maker_changes_nothing_and_another_is_refused() -> None:
    history = proposed()
    [approved] = given(adjustment_decider, *history).when(approve())
    assert given(adjustment_decider, *history, approved).when(approve()) == []
    given(adjustment_decider, *history, approved).when_rejected(
        reject(), field="adjustment_id", match="approved already"
    )
    other = Approver("hr_2", hr_admin=True)
    given(adjustment_decider, *history, approved).when_rejected(
        approve(other), field="adjustment_id", match="approved already"
    )


def test_an_unknown_pay_change_cannot_be_decided() -> None:
    given(adjustment_decider).when_rejected(approve(), field="adjustment_id", match="no proposed pay change")
