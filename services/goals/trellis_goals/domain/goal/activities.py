"""Development activities planned toward a goal: training, mentoring, shadowing and more."""

from __future__ import annotations

from trellis_contracts.goals import (
    DevelopmentActivityCancelledV2,
    DevelopmentActivityCompletedV2,
    DevelopmentActivityPlannedV2,
    DevelopmentActivityStarted,
    GoalEvent,
)
from trellis_goals.domain.goal.commands import (
    CancelDevelopmentActivity,
    CompleteDevelopmentActivity,
    PlanDevelopmentActivity,
    StartDevelopmentActivity,
)
from trellis_goals.domain.goal.guards import require_active
from trellis_goals.domain.goal.state import Activity, Goal
from trellis_goals.domain.rules import require_future, require_text, today
from trellis_kernel.decider import DomainError

MENTORED_KINDS = frozenset({"mentoring", "shadowing"})


def _activity(goal: Goal, activity_id: str) -> Activity:
    activity = goal.activity(activity_id)
    if activity is None:
        raise DomainError(f"The goal has no activity {activity_id!r}", field="activity_id")
    return activity


def plan_activity(command: PlanDevelopmentActivity, goal: Goal) -> list[GoalEvent]:
    require_active(goal)
    if goal.activity(command.activity_id) is not None:
        raise DomainError(f"Activity {command.activity_id!r} already exists", field="activity_id")
    require_text(command.title, "title", "The activity's title")
    require_future(command.due_date, command.now, "due_date", "The activity's due date")
    if command.kind in MENTORED_KINDS and command.mentor_id is None:
        raise DomainError(
            f"A {command.kind} activity names the person who mentors or is shadowed",
            field="mentor_id",
        )
    if command.mentor_id == goal.employee_id:
        raise DomainError("An employee cannot mentor themselves", field="mentor_id")
    return [
        DevelopmentActivityPlannedV2(
            activity_id=command.activity_id,
            goal_id=goal.goal_id,
            organisation_id=goal.organisation_id,
            employee_id=goal.employee_id,
            kind=command.kind,
            title=command.title,
            description=command.description,
            mentor_id=command.mentor_id,
            due_date=command.due_date,
            planned_by=command.planned_by,
            occurred_at=command.now,
        )
    ]


def _require_activity_status(activity: Activity, allowed: frozenset[str], verb: str) -> None:
    if activity.status not in allowed:
        raise DomainError(
            f"Activity {activity.activity_id!r} is {activity.status.replace('_', ' ')} and cannot be {verb}",
            field="activity_id",
        )


def start_activity(command: StartDevelopmentActivity, goal: Goal) -> list[GoalEvent]:
    require_active(goal)
    activity = _activity(goal, command.activity_id)
    _require_activity_status(activity, frozenset({"planned"}), "started")
    return [
        DevelopmentActivityStarted(
            activity_id=activity.activity_id,
            goal_id=goal.goal_id,
            organisation_id=goal.organisation_id,
            employee_id=goal.employee_id,
            kind=activity.kind,
            started_by=command.started_by,
            occurred_at=command.now,
        )
    ]


def complete_activity(command: CompleteDevelopmentActivity, goal: Goal) -> list[GoalEvent]:
    require_active(goal)
    activity = _activity(goal, command.activity_id)
    _require_activity_status(activity, frozenset({"planned", "in_progress"}), "completed")
    return [
        DevelopmentActivityCompletedV2(
            activity_id=activity.activity_id,
            goal_id=goal.goal_id,
            organisation_id=goal.organisation_id,
            employee_id=goal.employee_id,
            kind=activity.kind,
            title=activity.title,
            completed_on=today(command.now),
            reflection=command.reflection,
            completed_by=command.completed_by,
            occurred_at=command.now,
        )
    ]


def cancel_activity(command: CancelDevelopmentActivity, goal: Goal) -> list[GoalEvent]:
    require_active(goal)
    activity = _activity(goal, command.activity_id)
    _require_activity_status(activity, frozenset({"planned", "in_progress"}), "cancelled")
    require_text(command.reason, "reason", "The reason for cancelling")
    return [
        DevelopmentActivityCancelledV2(
            activity_id=activity.activity_id,
            goal_id=goal.goal_id,
            organisation_id=goal.organisation_id,
            employee_id=goal.employee_id,
            kind=activity.kind,
            reason=command.reason,
            cancelled_by=command.cancelled_by,
            occurred_at=command.now,
        )
    ]
