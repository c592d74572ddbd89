"""Agreeing on a goal: proposals, the other side's answer, withdrawal, and following the
employee's reporting line to a new manager."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from trellis_contracts.goals import (
    GoalAgreed,
    GoalChangesRequestedV2,
    GoalCreatedV2,
    GoalEvent,
    GoalManagerChanged,
    GoalProposalWithdrawnV2,
    GoalProposedV2,
    GoalTerms,
    MilestonePlan,
    ProposerRole,
)
from trellis_goals.domain.goal.commands import (
    AgreeToGoal,
    HandOverGoal,
    ProposeGoal,
    ProposeGoalFromTemplate,
    ReproposeGoal,
    RequestGoalChanges,
    WithdrawProposal,
)
from trellis_goals.domain.goal.guards import goal_ref
from trellis_goals.domain.goal.smart import check_milestone_plans, check_terms
from trellis_goals.domain.goal.state import Goal, GoalState
from trellis_goals.domain.rules import require_text, today
from trellis_kernel.decider import DomainError


def _proposer_role(proposed_by: str, employee_id: str, manager_id: str) -> ProposerRole:
    if proposed_by == employee_id:
        return "employee"
    if proposed_by == manager_id:
        return "manager"
    raise DomainError(
        "Only the employee or their manager can propose the employee's goal",
        field="proposed_by",
    )


def propose(command: ProposeGoal, state: GoalState) -> Sequence[GoalEvent]:
    if state is not None:
        raise DomainError(f"The goal {command.goal_id!r} already exists", field="goal_id")
    if command.employee_id == command.manager_id:
        raise DomainError("An employee cannot be their own manager", field="manager_id")
    role = _proposer_role(command.proposed_by, command.employee_id, command.manager_id)
    check_terms(command.terms, len(command.milestones), command.now)
    check_milestone_plans(command.milestones, command.terms.due_date, command.now)
    return [
        GoalProposedV2(
            goal_id=command.goal_id,
            organisation_id=command.organisation_id,
            employee_id=command.employee_id,
            manager_id=command.manager_id,
            proposed_by=command.proposed_by,
            proposer_role=role,
            proposal_revision=1,
            terms=command.terms,
            milestones=command.milestones,
            career_track_id=command.career_track_id,
            template_id=command.template_id,
            occurred_at=command.now,
        )
    ]


def from_template(command: ProposeGoalFromTemplate) -> ProposeGoal:
    """The proposal a track's template makes: dates counted from the day of ``now``."""
    template = command.template
    start = today(command.now)
    milestones = tuple(
        MilestonePlan(
            milestone_id=f"ms_{index}",
            title=step.title,
            owner_id=command.employee_id,
            due_date=start + timedelta(days=step.offset_days),
        )
        for index, step in enumerate(template.steps, start=1)
    )
    return ProposeGoal(
        goal_id=command.goal_id,
        organisation_id=command.organisation_id,
        employee_id=command.employee_id,
        manager_id=command.manager_id,
        proposed_by=command.proposed_by,
        terms=GoalTerms(
            title=template.title,
            description=template.description,
            metric=command.metric,
            due_date=start + timedelta(days=template.duration_days),
        ),
        milestones=milestones,
        career_track_id=command.track_id,
        template_id=template.template_id,
        now=command.now,
    )


def repropose(command: ReproposeGoal, goal: Goal) -> Sequence[GoalEvent]:
    role = _proposer_role(command.proposed_by, goal.employee_id, goal.manager_id)
    check_terms(command.terms, len(command.milestones), command.now)
    check_milestone_plans(command.milestones, command.terms.due_date, command.now)
    if not goal.awaiting_agreement:
        raise DomainError(
            f"The goal is already {goal.status}; change it through an adjustment or review",
            field="goal_id",
        )
    return [
        GoalProposedV2(
            **goal_ref(goal),
            proposed_by=command.proposed_by,
            proposer_role=role,
            proposal_revision=goal.proposal.revision + 1,
            terms=command.terms,
            milestones=command.milestones,
            career_track_id=goal.career_track_id,
            template_id=goal.template_id,
            occurred_at=command.now,
        )
    ]


def _the_other_side(goal: Goal) -> tuple[str, str]:
    """Who must answer the current proposal, and what to call them."""
    if goal.proposal.proposer_role == "employee":
        return goal.manager_id, "manager"
    return goal.employee_id, "employee"


def _require_answer_from_other_side(goal: Goal, actor_id: str, field: str, verb: str) -> None:
    if goal.status == "changes_requested":
        raise DomainError("Changes were asked for: the goal needs a new proposal first", field="goal_id")
    if goal.status != "proposed":
        raise DomainError(f"The goal is already {goal.status}", field="goal_id")
    if actor_id == goal.proposal.proposed_by:
        raise DomainError(f"The proposer cannot {verb} their own proposal", field=field)
    other_id, other_name = _the_other_side(goal)
    if actor_id != other_id:
        raise DomainError(f"Only the {other_name} can {verb} this proposal", field=field)


def _planned_milestones(goal: Goal) -> tuple[MilestonePlan, ...]:
    return tuple(
        MilestonePlan(milestone_id=m.milestone_id, title=m.title, owner_id=m.owner_id, due_date=m.due_date)
        for m in goal.milestones
    )


def agree(command: AgreeToGoal, goal: Goal) -> Sequence[GoalEvent]:
    _require_answer_from_other_side(goal, command.agreed_by, "agreed_by", "agree to")
    plans = _planned_milestones(goal)
    # Time may have passed since the proposal: it must still be time-bound when agreed.
    check_terms(goal.terms, len(plans), command.now)
    check_milestone_plans(plans, goal.terms.due_date, command.now)
    return [
        GoalAgreed(
            **goal_ref(goal),
            proposed_by=goal.proposal.proposed_by,
            agreed_by=command.agreed_by,
            proposal_revision=goal.proposal.revision,
            occurred_at=command.now,
        ),
        GoalCreatedV2(
            **goal_ref(goal),
            terms=goal.terms,
            milestones=plans,
            career_track_id=goal.career_track_id,
            template_id=goal.template_id,
            occurred_at=command.now,
        ),
    ]


def request_changes(command: RequestGoalChanges, goal: Goal) -> Sequence[GoalEvent]:
    _require_answer_from_other_side(goal, command.requested_by, "requested_by", "ask for changes to")
    require_text(command.comment, "comment", "What should change")
    return [
        GoalChangesRequestedV2(
            **goal_ref(goal),
            requested_by=command.requested_by,
            proposal_revision=goal.proposal.revision,
            comment=command.comment,
            occurred_at=command.now,
        )
    ]


def withdraw(command: WithdrawProposal, goal: Goal) -> Sequence[GoalEvent]:
    if not goal.awaiting_agreement:
        raise DomainError(
            f"The goal is already {goal.status}; only a proposal not yet agreed can be withdrawn",
            field="goal_id",
        )
    if command.withdrawn_by != goal.proposal.proposed_by:
        raise DomainError("Only the proposer can withdraw the proposal", field="withdrawn_by")
    return [
        GoalProposalWithdrawnV2(
            **goal_ref(goal),
            withdrawn_by=command.withdrawn_by,
            proposal_revision=goal.proposal.revision,
            reason=command.reason,
            occurred_at=command.now,
        )
    ]


def hand_over(command: HandOverGoal, goal: Goal) -> Sequence[GoalEvent]:
    if goal.closed or command.manager_id == goal.manager_id:
        return []
    if command.manager_id == goal.employee_id:
        raise DomainError("An employee cannot be their own manager", field="manager_id")
    return [
        GoalManagerChanged(
            goal_id=goal.goal_id,
            organisation_id=goal.organisation_id,
            employee_id=goal.employee_id,
            manager_id=command.manager_id,
            previous_manager_id=goal.manager_id,
            occurred_at=command.now,
        )
    ]
