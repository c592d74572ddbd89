"""A goal's progress: % complete, next milestone, overdue items and last check-in.

Two steps, so that the stored read model and the views share one logic: ``goal_columns``
turns a goal record into the columns the ``goal_views`` table keeps (nothing in them depends
on the day), and ``progress_of`` reads those columns as of a day (what is next, what is
overdue). ``goal_progress`` is both at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from trellis_goals.domain.goal.state import Goal, GoalStatus
from trellis_goals.projections.goal_record import GoalRecord

MilestoneStatus = Literal["open", "overdue", "reached"]
OPEN_ACTIVITY = ("planned", "in_progress")


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
    overdue_items: int = 0
    """The goal itself if overdue, plus its overdue milestones and activities."""


def percent_complete(goal: Goal) -> int:
    """100 for a completed goal; otherwise the mean progress of its milestones (a reached one
    counts 100), or 0 for a goal measured by its metric alone."""
    if goal.status == "completed":
        return 100
    if not goal.milestones:
        return 0
    return round(sum(m.progress_percent for m in goal.milestones) / len(goal.milestones))


def person_share(record: GoalRecord) -> tuple[int, int, int, datetime | None]:
    """What one goal adds to its employee's summary: (active, completed, % complete if active,
    last check-in)."""
    goal = record.goal
    active = goal.status == "active"
    return (
        int(active),
        int(goal.status == "completed"),
        percent_complete(goal) if active else 0,
        record.last_check_in_at,
    )


def open_deadlines(goal: Goal) -> list[tuple[str, str, date, bool, str]]:
    """What an active goal still has to meet, each (kind, id, due date, missed, title): the goal
    itself, its milestones not reached, its activities not done. Nothing for any other status."""
    if goal.status != "active":
        return []
    deadlines = [("goal", goal.goal_id, goal.terms.due_date, False, goal.terms.title)]
    deadlines += [
        ("milestone", m.milestone_id, m.due_date, m.missed, m.title) for m in goal.milestones if not m.reached
    ]
    deadlines += [
        ("activity", a.activity_id, a.due_date, False, a.title)
        for a in goal.activities
        if a.status in OPEN_ACTIVITY
    ]
    return deadlines


def goal_columns(record: GoalRecord) -> dict[str, Any]:
    """The day-independent columns of a goal's row in the goal_views table."""
    goal = record.goal
    alignment = goal.alignment
    deadlines = open_deadlines(goal)
    return {
        "organisation_id": goal.organisation_id,
        "goal_id": goal.goal_id,
        "employee_id": goal.employee_id,
        "manager_id": goal.manager_id,
        "title": goal.terms.title,
        "status": goal.status,
        "due_date": goal.terms.due_date,
        "percent_complete": percent_complete(goal),
        "proposer_role": goal.proposal.proposer_role,
        "career_track_id": goal.career_track_id,
        "aligned_to": f"{alignment.kind}:{alignment.target_id}" if alignment else None,
        "last_check_in_at": record.last_check_in_at,
        "version": record.version,
        "proposed_at": record.proposed_at,
        "updated_at": record.updated_at,
        "earliest_open_due": min((d[2] for d in deadlines), default=None),
        "milestones": [
            {
                "milestone_id": m.milestone_id,
                "title": m.title,
                "owner_id": m.owner_id,
                "due_date": m.due_date.isoformat(),
                "progress_percent": m.progress_percent,
                "reached_on": m.reached_on.isoformat() if m.reached_on else None,
            }
            for m in goal.milestones
        ],
        "activities": [
            {"activity_id": a.activity_id, "due_date": a.due_date.isoformat(), "status": a.status}
            for a in goal.activities
        ],
    }


def _day(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _line(stored: Mapping[str, Any], today: date) -> MilestoneLine:
    reached_on = _day(stored["reached_on"])
    due_date = _day(stored["due_date"])
    assert due_date is not None
    status: MilestoneStatus = "reached" if reached_on else ("overdue" if due_date < today else "open")
    return MilestoneLine(
        stored["milestone_id"],
        stored["title"],
        stored["owner_id"],
        due_date,
        stored["progress_percent"],
        status,
        reached_on,
    )


def progress_of(columns: Mapping[str, Any], today: date) -> GoalProgress:
    """A goal's progress as of ``today``, from its goal_views columns."""
    lines = [_line(m, today) for m in columns["milestones"]]
    working = columns["status"] == "active"
    upcoming = sorted((m for m in lines if m.status == "open"), key=lambda m: m.due_date)
    overdue = tuple(m for m in lines if m.status == "overdue") if working else ()
    overdue_activities = tuple(
        a["activity_id"]
        for a in columns["activities"]
        if working and a["status"] in OPEN_ACTIVITY and (_day(a["due_date"]) or today) < today
    )
    goal_overdue = working and columns["due_date"] < today
    return GoalProgress(
        goal_id=columns["goal_id"],
        organisation_id=columns["organisation_id"],
        employee_id=columns["employee_id"],
        manager_id=columns["manager_id"],
        title=columns["title"],
        status=columns["status"],
        due_date=columns["due_date"],
        percent_complete=columns["percent_complete"],
        goal_overdue=goal_overdue,
        next_milestone=upcoming[0] if upcoming and working else None,
        overdue_milestones=overdue,
        overdue_activity_ids=overdue_activities,
        last_check_in_at=columns["last_check_in_at"],
        career_track_id=columns["career_track_id"],
        aligned_to=columns["aligned_to"],
        version=columns["version"],
        overdue_items=int(goal_overdue) + len(overdue) + len(overdue_activities),
    )


def goal_progress(record: GoalRecord, today: date) -> GoalProgress:
    return progress_of(goal_columns(record), today)


STATUS_ORDER: dict[str, int] = {
    "active": 0,
    "proposed": 1,
    "changes_requested": 1,
    "completed": 2,
    "abandoned": 3,
    "withdrawn": 4,
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


def employee_progress_of(employee_id: str, goals: Iterable[GoalProgress]) -> EmployeeProgress:
    """The employee's goals, active first and soonest due first."""
    ordered = sorted(goals, key=lambda g: (STATUS_ORDER[g.status], g.due_date, g.goal_id))
    return EmployeeProgress(employee_id, tuple(ordered))


def employee_progress(records: Iterable[GoalRecord], employee_id: str, today: date) -> EmployeeProgress:
    return employee_progress_of(
        employee_id, (goal_progress(r, today) for r in records if r.goal.employee_id == employee_id)
    )
