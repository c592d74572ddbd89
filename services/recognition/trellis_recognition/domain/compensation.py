"""Pay changes a policy proposes: only an HR admin who is not the employee concerned approves
or rejects one, and only an approved one is final (payroll acts on the approval alone)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from trellis_contracts.recognition import (
    CompensationAdjustmentApprovedV2,
    CompensationAdjustmentProposedV2,
    CompensationAdjustmentProposedV3,
    CompensationAdjustmentRejectedV2,
    CompensationAdjustmentRejectedV3,
)
from trellis_contracts.reward_policy import CompensationOutcome
from trellis_kernel.decider import Decider, DomainError
from trellis_recognition.domain.evaluation import PlannedOutcome, due_after
from trellis_recognition.domain.rules import Approver, require_approver, require_aware

AdjustmentEvent = (
    CompensationAdjustmentProposedV2 | CompensationAdjustmentApprovedV2 | CompensationAdjustmentRejectedV2
)


@dataclass(frozen=True, kw_only=True)
class ProposeAdjustment:
    planned: PlannedOutcome
    now: datetime


@dataclass(frozen=True, kw_only=True)
class ApproveAdjustment:
    adjustment_id: str
    approver: Approver
    now: datetime


@dataclass(frozen=True, kw_only=True)
class RejectAdjustment:
    adjustment_id: str
    approver: Approver
    reason: str | None
    now: datetime


AdjustmentCommand = ProposeAdjustment | ApproveAdjustment | RejectAdjustment


@dataclass(frozen=True)
class Adjustment:
    proposal: CompensationAdjustmentProposedV2
    status: Literal["proposed", "approved", "rejected"] = "proposed"
    decided_by: str | None = None

    @property
    def final(self) -> bool:
        """Only an approved adjustment changes pay."""
        return self.status == "approved"


AdjustmentState = Adjustment | None


def _propose(command: ProposeAdjustment) -> CompensationAdjustmentProposedV2:
    planned, detail = command.planned, command.planned.detail
    if not isinstance(detail, CompensationOutcome):
        raise DomainError(f"a {planned.kind} outcome is not a pay change", field="kind")
    cause = planned.cause
    return CompensationAdjustmentProposedV3(
        adjustment_id=planned.outcome_id,
        organisation_id=planned.organisation_id,
        employee_id=planned.employee_id,
        kind=detail.kind,
        change=detail.change,
        pay_period=detail.pay_period,
        effective_on=due_after(planned, detail.effective_after_days),
        goal_id=planned.goal_id,
        milestone_id=planned.milestone_id,
        justification=detail.justification,
        triggering_event_id=cause.triggering_event_id,
        triggering_event_type=cause.triggering_event_type,
        policy_id=cause.policy_id,
        policy_version=cause.policy_version,
        rule_id=cause.rule_id,
        proposed_at=command.now,
    )


def decide_adjustment(command: AdjustmentCommand, state: AdjustmentState) -> Sequence[AdjustmentEvent]:
    require_aware(command.now)
    if isinstance(command, ProposeAdjustment):
        return [] if state is not None else [_propose(command)]
    if state is None:
        raise DomainError(f"There is no proposed pay change {command.adjustment_id!r}", field="adjustment_id")
    proposal = state.proposal
    require_approver(command.approver, proposal.employee_id, "a pay change")
    wanted = "approved" if isinstance(command, ApproveAdjustment) else "rejected"
    if state.status != "proposed":
        if state.status == wanted and state.decided_by == command.approver.user_id:
            return []  # the same decision again: a retried request
        raise DomainError(f"The pay change is {state.status} already", field="adjustment_id")
    if isinstance(command, RejectAdjustment):
        return [
            CompensationAdjustmentRejectedV3(
                adjustment_id=proposal.adjustment_id,
                organisation_id=proposal.organisation_id,
                employee_id=proposal.employee_id,
                rejected_by_id=command.approver.user_id,
                reason=command.reason,
                rejected_at=command.now,
            )
        ]
    return [
        CompensationAdjustmentApprovedV2(
            adjustment_id=proposal.adjustment_id,
            organisation_id=proposal.organisation_id,
            employee_id=proposal.employee_id,
            approved_by_id=command.approver.user_id,
            kind=proposal.kind,
            change=proposal.change,
            pay_period=proposal.pay_period,
            effective_on=proposal.effective_on,
            triggering_event_id=proposal.triggering_event_id,
            policy_id=proposal.policy_id,
            policy_version=proposal.policy_version,
            approved_at=command.now,
        )
    ]


def evolve_adjustment(state: AdjustmentState, event: AdjustmentEvent) -> AdjustmentState:
    match event:
        case CompensationAdjustmentProposedV2():
            return Adjustment(event)
        case CompensationAdjustmentApprovedV2() if state is not None:
            return Adjustment(state.proposal, "approved", event.approved_by_id)
        case CompensationAdjustmentRejectedV2() if state is not None:
            return Adjustment(state.proposal, "rejected", event.rejected_by_id)
    return state


def _no_adjustment() -> AdjustmentState:
    return None


adjustment_decider: Decider[AdjustmentCommand, AdjustmentState, AdjustmentEvent] = Decider(
    decide=decide_adjustment, evolve=evolve_adjustment, initial_state=_no_adjustment
)
