"""Milestones: added, rescheduled, progressed, reached, and missed once their date passed."""

from __future__ import annotations

from datetime import date, datetime

from trellis_contracts.goals import (
    GoalEvent,
    MilestoneAddedV2,
    MilestoneMissed,
    MilestonePlan,
    MilestoneProgressUpdated,
    MilestoneReachedV2,
    MilestoneRescheduledV2,
)
from trellis_goals.domain.goal.commands import (
    MarkOverdueMilestones,
    ReachMilestone,
    RescheduleMilestone,
    UpdateMilestoneProgress,
)
from trellis_goals.domain.goal.guards import goal_ref, require_active
from trellis_goals.domain.goal.smart import check_milestone_date, check_milestone_plan
from trellis_goals.domain.goal.state import Goal, Milestone
from trellis_goals.domain.rules import require_text, today
from trellis_kernel.decider import DomainError


def milestone_of(goal: Goal, milestone_id: str, field: str = "milestone_id") -> Milestone:
    milestone = goal.milestone(milestone_id)
    if milestone is None:
        raise DomainError(f"The goal has no milestone {milestone_id!r}", field=field)
    return milestone


def require_not_reached(milestone: Milestone, field: str = "milestone_id") -> None:
    if milestone.reached_on is not None:
        raise DomainError(
            f"Milestone {milestone.milestone_id!r} was already reached on {milestone.reached_on.isoformat()}",
            field=field,
        )


def add_milestone(
    goal: Goal, actor_id: str, plan: MilestonePlan, now: datetime, field: str = "milestone"
) -> list[GoalEvent]:
    require_active(goal)
    if goal.milestone(plan.milestone_id) is not None:
        raise DomainError(f"Milestone {plan.milestone_id!r} already exists", field=f"{field}.milestone_id")
    check_milestone_plan(plan, goal.terms.due_date, now, field)
    return [
        MilestoneAddedV2(
            **goal_ref(goal),
            milestone_id=plan.milestone_id,
            owner_id=plan.owner_id,
            due_date=plan.due_date,
            title=plan.title,
            added_by=actor_id,
            occurred_at=now,
        )
    ]


def reschedule(command: RescheduleMilestone, goal: Goal) -> list[GoalEvent]:
    require_active(goal)
    return reschedule_milestone(
        goal,
        command.milestone_id,
        command.due_date,
        command.reason,
        command.rescheduled_by,
        command.now,
        field="due_date",
    )


def reschedule_milestone(
    goal: Goal,
    milestone_id: str,
    due_date: date,
    reason: str,
    actor_id: str,
    now: datetime,
    field: str,
    id_field: str = "milestone_id",
) -> list[GoalEvent]:
    milestone = milestone_of(goal, milestone_id, id_field)
    require_not_reached(milestone, id_field)
    require_text(reason, "reason", "The reason for rescheduling")
    if due_date == milestone.due_date:
        raise DomainError("The milestone is already due on that date", field=field)
    check_milestone_date(due_date, goal.terms.due_date, now, field)
    return [
        MilestoneRescheduledV2(
            **goal_ref(goal),
            milestone_id=milestone.milestone_id,
            owner_id=milestone.owner_id,
            due_date=due_date,
            previous_due_date=milestone.due_date,
            reason=reason,
            rescheduled_by=actor_id,
            occurred_at=now,
        )
    ]


def progress_event(
    goal: Goal,
    milestone: Milestone,
    progress: int,
    actor_id: str,
    now: datetime,
    check_in_id: str | None = None,
) -> MilestoneProgressUpdated:
    return MilestoneProgressUpdated(
        **goal_ref(goal),
        milestone_id=milestone.milestone_id,
        owner_id=milestone.owner_id,
        due_date=milestone.due_date,
        previous_progress_percent=milestone.progress_percent,
        progress_percent=progress,
        updated_by=actor_id,
        check_in_id=check_in_id,
        occurred_at=now,
    )


def _require_percent(value: int, field: str) -> None:
    if not 0 <= value <= 100:
        raise DomainError("Progress is a percentage from 0 to 100", field=field)


def update_progress(command: UpdateMilestoneProgress, goal: Goal) -> list[GoalEvent]:
    require_active(goal)
    milestone = milestone_of(goal, command.milestone_id)
    require_not_reached(milestone)
    _require_percent(command.progress_percent, "progress_percent")
    if command.progress_percent == milestone.progress_percent:
        return []
    return [progress_event(goal, milestone, command.progress_percent, command.updated_by, command.now)]


def reach(command: ReachMilestone, goal: Goal) -> list[GoalEvent]:
    require_active(goal)
    milestone = milestone_of(goal, command.milestone_id)
    require_not_reached(milestone)
    reached_on = today(command.now)
    return [
        MilestoneReachedV2(
            **goal_ref(goal),
            milestone_id=milestone.milestone_id,
            owner_id=milestone.owner_id,
            due_date=milestone.due_date,
            title=milestone.title,
            goal_title=goal.terms.title,
            reached_on=reached_on,
            on_time=reached_on <= milestone.due_date,
            career_track_id=goal.career_track_id,
            recorded_by=command.recorded_by,
            occurred_at=command.now,
        )
    ]


def mark_overdue(command: MarkOverdueMilestones, goal: Goal) -> list[GoalEvent]:
    if goal.status != "active":
        return []
    day = today(command.now)
    return [
        MilestoneMissed(
            **goal_ref(goal),
            milestone_id=m.milestone_id,
            owner_id=m.owner_id,
            due_date=m.due_date,
            progress_percent=m.progress_percent,
            occurred_at=command.now,
        )
        for m in goal.milestones
        if m.overdue_on(day) and not m.missed
    ]
