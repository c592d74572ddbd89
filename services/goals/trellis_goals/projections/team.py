"""A manager's team view: how each direct report's goals stand, and what waits for them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from trellis_goals.projections.goal_record import GoalRecord
from trellis_goals.projections.progress import EmployeeProgress, employee_progress
from trellis_goals.projections.reporting_lines import ReportingLines, direct_reports


@dataclass(frozen=True)
class TeamMember:
    progress: EmployeeProgress
    average_percent_complete: int
    awaiting_manager: tuple[str, ...]
    """Goals proposed by the employee that wait for the manager to agree or ask for changes."""

    @property
    def employee_id(self) -> str:
        return self.progress.employee_id

    @property
    def last_check_in_at(self) -> datetime | None:
        return self.progress.last_check_in_at

    @property
    def overdue_items(self) -> int:
        return self.progress.overdue_items


@dataclass(frozen=True)
class TeamView:
    manager_id: str
    members: tuple[TeamMember, ...]

    @property
    def awaiting_manager(self) -> int:
        return sum(len(m.awaiting_manager) for m in self.members)


def team_view(records: Iterable[GoalRecord], lines: ReportingLines, manager_id: str, today: date) -> TeamView:
    """The direct reports the reporting lines give ``manager_id`` now, in id order."""
    reports = direct_reports(lines, manager_id)
    by_employee: dict[str, list[GoalRecord]] = {employee: [] for employee in reports}
    for record in records:
        if record.goal.employee_id in by_employee:
            by_employee[record.goal.employee_id].append(record)
    members = []
    for employee in reports:
        own = by_employee[employee]
        progress = employee_progress(own, employee, today)
        active = [g.percent_complete for g in progress.goals if g.status == "active"]
        waiting = tuple(
            r.goal.goal_id
            for r in own
            if r.goal.status == "proposed" and r.goal.proposal.proposer_role == "employee"
        )
        average = round(sum(active) / len(active)) if active else 0
        members.append(TeamMember(progress, average, waiting))
    return TeamView(manager_id, tuple(members))
