"""Who an employee reports to, as the goals service learns it (from HR or an admin)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from trellis_contracts.goals import ReportingLineChanged
from trellis_goals.domain.rules import require_aware
from trellis_kernel.decider import Decider, DomainError


@dataclass(frozen=True, kw_only=True)
class ChangeReportingLine:
    """Set the employee's manager; ``manager_id=None`` records that they have none."""

    organisation_id: str
    employee_id: str
    manager_id: str | None
    changed_by: str
    now: datetime


@dataclass(frozen=True)
class ReportingLine:
    organisation_id: str
    employee_id: str
    manager_id: str | None


ReportingLineState = ReportingLine | None


def decide_reporting_line(
    command: ChangeReportingLine, state: ReportingLineState
) -> Sequence[ReportingLineChanged]:
    require_aware(command.now)
    if command.manager_id == command.employee_id:
        raise DomainError("An employee cannot report to themselves", field="manager_id")
    previous = state.manager_id if state is not None else None
    if state is not None and previous == command.manager_id:
        # Reporting lines are synchronised from HR systems that resend what they know.
        return []
    return [
        ReportingLineChanged(
            organisation_id=command.organisation_id,
            employee_id=command.employee_id,
            manager_id=command.manager_id,
            previous_manager_id=previous,
            changed_by=command.changed_by,
            occurred_at=command.now,
        )
    ]


def evolve_reporting_line(state: ReportingLineState, event: ReportingLineChanged) -> ReportingLineState:
    return ReportingLine(event.organisation_id, event.employee_id, event.manager_id)


def _no_line() -> ReportingLineState:
    return None


reporting_line_decider: Decider[ChangeReportingLine, ReportingLineState, ReportingLineChanged] = Decider(
    decide=decide_reporting_line, evolve=evolve_reporting_line, initial_state=_no_line
)
