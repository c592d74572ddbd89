"""Who reports to whom now, folded from ReportingLineChanged events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from trellis_contracts.goals import ReportingLineChanged

ReportingLines = Mapping[str, str | None]
"""Employee id -> current manager id (None: no manager)."""


def apply_reporting_line(lines: ReportingLines, event: ReportingLineChanged) -> dict[str, str | None]:
    return {**lines, event.employee_id: event.manager_id}


def reporting_lines(events: Iterable[ReportingLineChanged]) -> dict[str, str | None]:
    lines: dict[str, str | None] = {}
    for event in events:
        lines = apply_reporting_line(lines, event)
    return lines


def direct_reports(lines: ReportingLines, manager_id: str) -> tuple[str, ...]:
    return tuple(sorted(employee for employee, manager in lines.items() if manager == manager_id))
