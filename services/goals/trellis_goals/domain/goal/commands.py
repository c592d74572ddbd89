"""What people ask of a goal. Every command carries ``now``: the domain never reads a clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from trellis_contracts.goals import (
    AgreedAction,
    Alignment,
    DevelopmentActivityKind,
    GoalMetric,
    GoalTerms,
    MilestonePlan,
    MilestoneProgress,
    MilestoneTemplate,
)

# --- agreeing on a goal ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ProposeGoal:
    """Propose a new SMART goal. Either side proposes: ``proposed_by`` must be the employee or
    ``manager_id``, the manager the employee's reporting line names (which the caller does not
    choose)."""

    goal_id: str
    organisation_id: str
    employee_id: str
    manager_id: str
    proposed_by: str
    terms: GoalTerms
    now: datetime
    milestones: tuple[MilestonePlan, ...] = ()
    career_track_id: str | None = None
    template_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class ProposeGoalFromTemplate:
    """Propose a new goal from a career track's growth milestone: its title and outcome, due
    ``duration_days`` after today, one milestone per suggested step, owned by the employee."""

    goal_id: str
    organisation_id: str
    employee_id: str
    manager_id: str
    proposed_by: str
    track_id: str
    template: MilestoneTemplate
    now: datetime
    metric: GoalMetric | None = None


@dataclass(frozen=True, kw_only=True)
class ReproposeGoal:
    """Propose a new version of a goal after changes were asked for (or before an answer).

    The employee, manager, career track and template stay those of the goal."""

    goal_id: str
    proposed_by: str
    terms: GoalTerms
    now: datetime
    milestones: tuple[MilestonePlan, ...] = ()


@dataclass(frozen=True, kw_only=True)
class WithdrawProposal:
    """The proposer takes the proposal back before the other side agrees: the goal closes."""

    goal_id: str
    withdrawn_by: str
    now: datetime
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class AgreeToGoal:
    """The side that did not propose agrees: the goal is achievable and realistic for both."""

    goal_id: str
    agreed_by: str
    now: datetime


@dataclass(frozen=True, kw_only=True)
class RequestGoalChanges:
    """The side that did not propose asks for changes before agreeing."""

    goal_id: str
    requested_by: str
    comment: str
    now: datetime


@dataclass(frozen=True, kw_only=True)
class HandOverGoal:
    """The employee's reporting line now names ``manager_id``: the goal follows it."""

    goal_id: str
    manager_id: str
    now: datetime


# --- alignment -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AlignGoal:
    """Align (or re-align) a goal to an organisational objective or a parent goal."""

    goal_id: str
    aligned_by: str
    alignment: Alignment
    now: datetime


@dataclass(frozen=True, kw_only=True)
class UnalignGoal:
    goal_id: str
    unaligned_by: str
    now: datetime
    reason: str = ""


# --- changing an active goal -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TermChanges:
    """New values for some terms of a goal; ``None`` leaves a term as it is."""

    title: str | None = None
    description: str | None = None
    metric: GoalMetric | None = None
    due_date: date | None = None
    resources_needed: tuple[str, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class AdjustGoal:
    goal_id: str
    adjusted_by: str
    reason: str
    changes: TermChanges
    now: datetime


# --- milestones --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AddMilestone:
    goal_id: str
    added_by: str
    milestone: MilestonePlan
    now: datetime


@dataclass(frozen=True, kw_only=True)
class RescheduleMilestone:
    goal_id: str
    milestone_id: str
    due_date: date
    reason: str
    rescheduled_by: str
    now: datetime


@dataclass(frozen=True, kw_only=True)
class UpdateMilestoneProgress:
    goal_id: str
    milestone_id: str
    progress_percent: int
    updated_by: str
    now: datetime


@dataclass(frozen=True, kw_only=True)
class ReachMilestone:
    goal_id: str
    milestone_id: str
    recorded_by: str
    now: datetime


@dataclass(frozen=True, kw_only=True)
class MarkOverdueMilestones:
    """Sent by a scheduler: every open milestone whose due date has passed is missed, once."""

    goal_id: str
    now: datetime


# --- conversations -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RecordCheckIn:
    """A short check-in: "what progress have you made toward your milestones since we last spoke?"."""

    goal_id: str
    check_in_id: str
    recorded_by: str
    progress_summary: str
    now: datetime
    milestone_progress: tuple[MilestoneProgress, ...] = ()
    blockers: tuple[str, ...] = ()
    resources_needed: tuple[str, ...] = ()
    agreed_actions: tuple[AgreedAction, ...] = ()


@dataclass(frozen=True, kw_only=True)
class NewMilestoneDate:
    milestone_id: str
    due_date: date


@dataclass(frozen=True, kw_only=True)
class KeepGoal:
    """Review outcome: the goal stays as it is."""


@dataclass(frozen=True, kw_only=True)
class ReviseGoal:
    """Review outcome: change terms, add milestones or move their dates, for a reason."""

    reason: str
    changes: TermChanges = TermChanges()
    add_milestones: tuple[MilestonePlan, ...] = ()
    reschedule_milestones: tuple[NewMilestoneDate, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CompleteGoal:
    """Review outcome: the goal was achieved."""

    achieved_value: float | None = None


@dataclass(frozen=True, kw_only=True)
class AbandonGoal:
    """Review outcome: the goal is given up; the lesson learned feeds the revised plan."""

    reason: str
    lesson_learned: str
    revised_goal_id: str | None = None


ReviewOutcomeDecision = KeepGoal | ReviseGoal | CompleteGoal | AbandonGoal


@dataclass(frozen=True, kw_only=True)
class ReviewGoal:
    goal_id: str
    review_id: str
    reviewed_by: str
    summary: str
    outcome: ReviewOutcomeDecision
    now: datetime


# --- development activities ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PlanDevelopmentActivity:
    goal_id: str
    activity_id: str
    kind: DevelopmentActivityKind
    title: str
    due_date: date
    planned_by: str
    now: datetime
    description: str = ""
    mentor_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class StartDevelopmentActivity:
    goal_id: str
    activity_id: str
    started_by: str
    now: datetime


@dataclass(frozen=True, kw_only=True)
class CompleteDevelopmentActivity:
    goal_id: str
    activity_id: str
    completed_by: str
    now: datetime
    reflection: str = ""


@dataclass(frozen=True, kw_only=True)
class CancelDevelopmentActivity:
    goal_id: str
    activity_id: str
    cancelled_by: str
    reason: str
    now: datetime


GoalCommand = (
    ProposeGoal
    | ProposeGoalFromTemplate
    | ReproposeGoal
    | WithdrawProposal
    | AgreeToGoal
    | RequestGoalChanges
    | HandOverGoal
    | AlignGoal
    | UnalignGoal
    | AdjustGoal
    | AddMilestone
    | RescheduleMilestone
    | UpdateMilestoneProgress
    | ReachMilestone
    | MarkOverdueMilestones
    | RecordCheckIn
    | ReviewGoal
    | PlanDevelopmentActivity
    | StartDevelopmentActivity
    | CompleteDevelopmentActivity
    | CancelDevelopmentActivity
)
