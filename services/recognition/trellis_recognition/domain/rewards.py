"""Rewards decided by a policy: points, or money charged to the recipient's team budget.

A monetary reward that fits its budget (or whose team has none) is granted at once; one that
does not is held, and only an HR admin who is not the recipient turns it into a grant (charged
beyond the budget) or rejects it. One stream per reward id, so each is decided once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from trellis_contracts.recognition import (
    RewardGrantedV2,
    RewardHeldForApproval,
    RewardRejected,
    RewardRejectedV2,
)
from trellis_contracts.reward_policy import BonusOutcome, PointsOutcome
from trellis_kernel.decider import Decider, DomainError
from trellis_recognition.domain.budgets import BudgetVerdict, Exceeded
from trellis_recognition.domain.evaluation import PlannedOutcome, due_after
from trellis_recognition.domain.rules import Approver, require_approver, require_aware

RewardEvent = RewardGrantedV2 | RewardHeldForApproval | RewardRejected


@dataclass(frozen=True, kw_only=True)
class GrantReward:
    """Record a policy's reward; ``verdict`` is the team budget's say on a monetary one."""

    planned: PlannedOutcome
    verdict: BudgetVerdict | None
    now: datetime


@dataclass(frozen=True, kw_only=True)
class ApproveHeldReward:
    reward_id: str
    approver: Approver
    now: datetime


@dataclass(frozen=True, kw_only=True)
class RejectHeldReward:
    reward_id: str
    approver: Approver
    reason: str | None
    now: datetime


RewardCommand = GrantReward | ApproveHeldReward | RejectHeldReward


@dataclass(frozen=True)
class Reward:
    status: Literal["granted", "held", "rejected"]
    recipient_id: str
    held: RewardHeldForApproval | None = None
    decided_by: str | None = None


RewardState = Reward | None


def _grant(command: GrantReward) -> RewardEvent:
    planned, detail = command.planned, command.planned.detail
    cause = planned.cause
    common = {
        "reward_id": planned.outcome_id,
        "organisation_id": planned.organisation_id,
        "recipient_id": planned.employee_id,
        "triggering_event_id": cause.triggering_event_id,
        "triggering_event_type": cause.triggering_event_type,
        "policy_id": cause.policy_id,
        "policy_version": cause.policy_version,
        "rule_id": cause.rule_id,
    }
    if isinstance(detail, PointsOutcome):
        return RewardGrantedV2(
            kind="points",
            points=detail.amount,
            effective_on=planned.decided_on,
            granted_at=command.now,
            **common,
        )
    if not isinstance(detail, BonusOutcome):
        raise DomainError(f"a {planned.kind} outcome is not a reward", field="kind")
    effective_on = due_after(planned, detail.pay_after_days)
    verdict = command.verdict
    if planned.team_id is not None and verdict is None:
        raise DomainError("A monetary reward for a team member needs its budget's verdict", field="verdict")
    if isinstance(verdict, Exceeded) and planned.team_id is not None:
        return RewardHeldForApproval(
            kind=detail.kind,
            amount=detail.money(),
            effective_on=effective_on,
            team_id=planned.team_id,
            reason=verdict.reason,
            budget_period=verdict.period,
            budget=verdict.budget,
            budget_used=verdict.used,
            held_at=command.now,
            **common,
        )
    return RewardGrantedV2(
        kind=detail.kind,
        amount=detail.money(),
        effective_on=effective_on,
        team_id=planned.team_id,
        granted_at=command.now,
        **common,
    )


def _held(command: ApproveHeldReward | RejectHeldReward, state: RewardState) -> RewardHeldForApproval:
    if state is None:
        raise DomainError(f"There is no reward {command.reward_id!r}", field="reward_id")
    require_approver(command.approver, state.recipient_id, "a reward")
    if state.held is None:
        raise DomainError(f"The reward is {state.status}, not held for approval", field="reward_id")
    return state.held


def decide_reward(command: RewardCommand, state: RewardState) -> Sequence[RewardEvent]:
    require_aware(command.now)
    if isinstance(command, GrantReward):
        return [] if state is not None else [_grant(command)]
    # Only a decided reward has a decider (a held one has none).
    if state is not None and state.decided_by == command.approver.user_id:
        wanted = "granted" if isinstance(command, ApproveHeldReward) else "rejected"
        if state.status == wanted:
            return []  # the same decision again: a retried request
    held = _held(command, state)
    if isinstance(command, RejectHeldReward):
        return [
            RewardRejectedV2(
                reward_id=held.reward_id,
                organisation_id=held.organisation_id,
                recipient_id=held.recipient_id,
                rejected_by_id=command.approver.user_id,
                reason=command.reason,
                rejected_at=command.now,
            )
        ]
    return [
        RewardGrantedV2(
            reward_id=held.reward_id,
            organisation_id=held.organisation_id,
            recipient_id=held.recipient_id,
            kind=held.kind,
            amount=held.amount,
            effective_on=held.effective_on,
            team_id=held.team_id,
            approved_by_id=command.approver.user_id,
            triggering_event_id=held.triggering_event_id,
            triggering_event_type=held.triggering_event_type,
            policy_id=held.policy_id,
            policy_version=held.policy_version,
            rule_id=held.rule_id,
            granted_at=command.now,
        )
    ]


def evolve_reward(state: RewardState, event: RewardEvent) -> RewardState:
    match event:
        case RewardHeldForApproval():
            return Reward("held", event.recipient_id, held=event)
        case RewardGrantedV2():
            # A decided reward keeps who decided it (a retried decision is answered with nothing),
            # not the hold: a reward is held exactly while it keeps its hold.
            return Reward("granted", event.recipient_id, decided_by=event.approved_by_id)
        case RewardRejected():
            return Reward("rejected", event.recipient_id, decided_by=event.rejected_by_id)


def _no_reward() -> RewardState:
    return None


reward_decider: Decider[RewardCommand, RewardState, RewardEvent] = Decider(
    decide=decide_reward, evolve=evolve_reward, initial_state=_no_reward
)
