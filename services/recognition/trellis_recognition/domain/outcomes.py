"""Outcomes that are final as soon as they are recorded: recognition, a learning assignment,
a proposal to lead an initiative. One stream per outcome id, so each is recorded once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from trellis_contracts.recognition import (
    InitiativeLeadProposed,
    InitiativeLeadProposedV2,
    LearningAssignmentRequestedV2,
    RecognitionAwardedV2,
    RecognitionAwardedV3,
)
from trellis_contracts.reward_policy import InitiativeOutcome, LearningOutcome, RecognitionOutcome
from trellis_kernel.decider import Decider, DomainError
from trellis_recognition.domain.evaluation import PlannedOutcome, due_after
from trellis_recognition.domain.rules import require_aware

OutcomeEvent = RecognitionAwardedV2 | LearningAssignmentRequestedV2 | InitiativeLeadProposed
OutcomeState = OutcomeEvent | None


@dataclass(frozen=True, kw_only=True)
class RecordOutcome:
    planned: PlannedOutcome
    now: datetime


def decide_outcome(command: RecordOutcome, state: OutcomeState) -> Sequence[OutcomeEvent]:
    require_aware(command.now)
    if state is not None:
        return []  # recorded already: a redelivered or concurrently decided trigger
    planned, now = command.planned, command.now
    cause = planned.cause
    common = {
        "organisation_id": planned.organisation_id,
        "goal_id": planned.goal_id,
        "milestone_id": planned.milestone_id,
        "triggering_event_id": cause.triggering_event_id,
        "triggering_event_type": cause.triggering_event_type,
        "policy_id": cause.policy_id,
        "policy_version": cause.policy_version,
        "rule_id": cause.rule_id,
    }
    detail = planned.detail
    if isinstance(detail, RecognitionOutcome):
        return [
            RecognitionAwardedV3(
                recognition_id=planned.outcome_id,
                recipient_id=planned.employee_id,
                kind=detail.kind,
                visibility=detail.visibility,
                message=detail.message,
                awarded_at=now,
                **common,
            )
        ]
    if isinstance(detail, LearningOutcome):
        return [
            LearningAssignmentRequestedV2(
                assignment_id=planned.outcome_id,
                learner_id=planned.employee_id,
                activity_id=detail.activity_id,
                activity_kind=detail.activity_kind,
                due_on=due_after(planned, detail.due_in_days) if detail.due_in_days else None,
                requested_at=now,
                **common,
            )
        ]
    if isinstance(detail, InitiativeOutcome):
        return [
            InitiativeLeadProposedV2(
                proposal_id=planned.outcome_id,
                employee_id=planned.employee_id,
                initiative=detail.initiative,
                proposed_at=now,
                **common,
            )
        ]
    raise DomainError(f"a {planned.kind} outcome is not recorded here", field="kind")


def evolve_outcome(state: OutcomeState, event: OutcomeEvent) -> OutcomeState:
    return state if state is not None else event


def _nothing() -> OutcomeState:
    return None


outcome_decider: Decider[RecordOutcome, OutcomeState, OutcomeEvent] = Decider(
    decide=decide_outcome, evolve=evolve_outcome, initial_state=_nothing
)
