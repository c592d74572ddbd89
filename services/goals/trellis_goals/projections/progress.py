"""An employee's progress view: each goal's % complete, next milestone, overdue items and
last check-in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from trellis_goals.domain.goal.state import Goal, GoalStatus, Milestone
from trellis_goals.projections.goal_record import GoalRecord

MilestoneStatus = Literal["open", "overdue", "reached"]


@dataclass(frozen=True)
class MilestoneLine:
    milestone_id: str
    title: str
    owner_id: str
    due_date: date
    progress_percent: int
    status: MilestoneStatus
    reached_on: date | None


@dataclass(frozen=True)
class GoalProgress:
    goal_id: str
    organisation_id: str
    employee_id: str
    manager_id: str
    title: str
    status: GoalStatus
    due_date: date
    percent_complete: int
    goal_overdue: bool
    next_milestone: MilestoneLine | None
    overdue_milestones: tuple[MilestoneLine, ...]
    overdue_activity_ids: tuple[str, ...]
    last_check_in_at: datetime | None
    career_track_id: str | None
    aligned_to: str | None
    version: int

    @property
    def overdue_items(self) -> int:
        return int(self.goal_overdue) + len(self.overdue_milestones) + len(self.overdue_activity_ids)

    def as_row(self) -> dict[str, object]:
        """Flat columns for a ``goal_progress`` table."""
        nxt = self.next_milestone
        return {
            "goal_id": self.goal_id,
            "organisation_id": self.organisation_id,
            "employee_id": self.employee_id,
            "manager_id": self.manager_id,
            "title": self.title,
            "status": self.status,
            "due_date": self.due_date,
            "percent_complete": self.percent_complete,
            "goal_overdue": self.goal_overdue,
            "next_milestone_id": nxt.milestone_id if nxt else None,
            "next_milestone_title": nxt.title if nxt else None,
            "next_milestone_due_date": nxt.due_date if nxt else None,
            "overdue_milestone_ids": [m.milestone_id for m in self.overdue_milestones],
            "overdue_activity_ids": list(self.overdue_activity_ids),
            "overdue_items": self.overdue_items,
            "last_check_in_at": self.last_check_in_at,
            "career_track_id": self.career_track_id,
            "aligned_to": self.aligned_to,
            "version": self.version,
        }


def milestone_line(milestone: Milestone, today: date) -> MilestoneLine:
    status: MilestoneStatus
    if milestone.reached:
        status = "reached"
    elif milestone.due_date < today:
        status = "overdue"
    else:
        status = "open"
    return MilestoneLine(
        milestone.milestone_id,
        milestone.title,
        milestone.owner_id,
        milestone.due_date,
        milestone.progress_percent,
        status,
        milestone.reached_on,
    )


def percent_complete(goal: Goal) -> int:
    """100 for a completed goal; otherwise the mean progress of its milestones (a reached one
    counts 100), or 0 for a goal measured by its metric alone."""
    if goal.status == "completed":
        return 100
    if not goal.milestones:
        return 0
    return round(sum(m.progress_percent for m in goal.milestones) / len(goal.milestones))


def goal_progress(record: GoalRecord, today: date) -> GoalProgress:
    goal = record.goal
    lines = [milestone_line(m, today) for m in goal.milestones]
    working = goal.status == "active"
    upcoming = sorted((m for m in lines if m.status == "open"), key=lambda m: m.due_date)
    overdue = tuple(m for m in lines if m.status == "overdue") if working else ()
    overdue_activities = tuple(
        a.activity_id
        for a in goal.activities
        if working and a.status in ("planned", "in_progress") and a.due_date < today
    )
    alignment = goal.alignment
    return GoalProgress(
        goal_id=goal.goal_id,
        organisation_id=goal.organisation_id,
        employee_id=goal.employee_id,
        manager_id=goal.manager_id,
        title=goal.terms.title,
        status=goal.status,
        due_date=goal.terms.due_date,
        percent_complete=percent_complete(goal),
        goal_overdue=working and goal.terms.due_date < today,
        next_milestone=upcoming[0] if upcoming and working else None,
        overdue_milestones=overdue,
        overdue_activity_ids=overdue_activities,
        last_check_in_at=record.last_check_in_at,
        career_track_id=goal.career_track_id,
        aligned_to=f"{alignment.kind}:{alignment.target_id}" if alignment else None,
        version=record.version,
    )


_STATUS_ORDER: dict[GoalStatus, int] = {
    "active": 0,
    "proposed": 1,
    "changes_requested": 1,
    "completed": 2,
    "abandoned": 3,
}


@dataclass(frozen=True)
class EmployeeProgress:
    employee_id: str
    goals: tuple[GoalProgress, ...]

    @property
    def active_goals(self) -> int:
        return sum(1 for g in self.goals if g.status == "active")

    @property
    def completed_goals(self) -> int:
        return sum(1 for g in self.goals if g.status == "completed")

    @property
    def overdue_items(self) -> int:
        return sum(g.overdue_items for g in self.goals)

    @property
    def last_check_in_at(self) -> datetime | None:
        times = [g.last_check_in_at for g in self.goals if g.last_check_in_at is not None]
        return max(times, default=None)


def employee_progress(records: Iterable[GoalRecord], employee_id: str, today: date) -> EmployeeProgress:
    """The employee's goals, active first and soonest due first."""
    goals = [goal_progress(r, today) for r in records if r.goal.employee_id == employee_id]
    goals.sort(key=lambda g: (_STATUS_ORDER[g.status], g.due_date, g.goal_id))
    return EmployeeProgress(employee_id, tuple(goals))
