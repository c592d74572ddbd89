"""The views people read, from the stored read models (never by folding streams): an
employee's progress, a manager's team, and the organisation's goals for HR admins, filtered and
in pages. Each reads only its own organisation's rows."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from trellis_goals.application.common import Services, require
from trellis_goals.domain.authorization import Actor, Subject
from trellis_goals.projections.goal_views import GOAL_COLUMNS, columns_of
from trellis_goals.projections.progress import (
    EmployeeProgress,
    GoalProgress,
    employee_progress_of,
    mean_percent,
    progress_of,
)
from trellis_kernel.http import Forbidden

_SELECT: Final = ", ".join(GOAL_COLUMNS)


@dataclass(frozen=True)
class AwaitingGoal:
    goal_id: str
    title: str
    due_date: date
    version: int


@dataclass(frozen=True)
class OverdueItem:
    goal_id: str
    goal_title: str
    kind: str
    item_id: str
    title: str
    due_date: date


@dataclass(frozen=True)
class TeamMember:
    employee_id: str
    active_goals: int
    completed_goals: int
    average_percent_complete: int
    last_check_in_at: datetime | None
    awaiting_manager: tuple[AwaitingGoal, ...]
    overdue: tuple[OverdueItem, ...]
    overdue_items: int


@dataclass(frozen=True)
class TeamView:
    manager_id: str
    awaiting_manager: int
    members: tuple[TeamMember, ...]


@dataclass(frozen=True)
class GoalFilters:
    status: tuple[str, ...] = ()
    career_track_id: str | None = None
    manager_id: str | None = None
    """The team: goals of the people who report to this manager now."""
    overdue: bool | None = None


@dataclass(frozen=True)
class GoalPage:
    goals: tuple[GoalProgress, ...]
    next_cursor: str | None


class InvalidCursor(ValueError):
    pass


def _cursor(progress: GoalProgress) -> str:
    key = [progress.employee_id, progress.due_date.isoformat(), progress.goal_id]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _after(cursor: str) -> tuple[str, date, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        employee_id, due, goal_id = json.loads(base64.urlsafe_b64decode(padded))
        return str(employee_id), date.fromisoformat(due), str(goal_id)
    except (ValueError, TypeError) as error:
        raise InvalidCursor("not a cursor this API gave") from error


class Views:
    def __init__(self, services: Services) -> None:
        self._services = services

    async def employee_progress(self, actor: Actor, employee_id: str, today: date) -> EmployeeProgress:
        require(actor, "view_goals", await self._services.employee_subject(actor, employee_id))
        rows = await self._services.pool.fetch(
            f"SELECT {_SELECT} FROM goal_views WHERE organisation_id = $1 AND employee_id = $2",
            actor.organisation_id,
            employee_id,
        )
        return employee_progress_of(employee_id, (progress_of(columns_of(r), today) for r in rows))

    async def team(self, actor: Actor, manager_id: str, today: date) -> TeamView:
        if actor.user_id != manager_id and not actor.hr_admin:
            raise Forbidden("only the manager or an HR admin sees a manager's team")
        rows = await self._services.pool.fetch(
            """
            SELECT r.employee_id, coalesce(p.active_goals, 0) AS active,
                   coalesce(p.completed_goals, 0) AS completed,
                   coalesce(p.active_percent_sum, 0) AS percent_sum, p.last_check_in_at,
                   (SELECT json_agg(json_build_array(g.goal_id, g.title, g.due_date, g.version)
                                    ORDER BY g.due_date, g.goal_id)
                      FROM goal_views g
                     WHERE g.organisation_id = r.organisation_id AND g.employee_id = r.employee_id
                       AND g.status = 'proposed' AND g.proposer_role = 'employee') AS awaiting,
                   (SELECT json_agg(json_build_array(d.goal_id, d.goal_title, d.item_kind, d.item_id,
                                                     d.title, d.due_date)
                                    ORDER BY d.due_date, d.goal_id, d.item_kind, d.item_id)
                      FROM goal_deadlines d
                     WHERE d.organisation_id = r.organisation_id AND d.employee_id = r.employee_id
                       AND d.due_date < $3) AS overdue
            FROM reporting_lines r
            LEFT JOIN goal_people p ON p.organisation_id = r.organisation_id AND p.employee_id = r.employee_id
            WHERE r.organisation_id = $1 AND r.manager_id = $2
            ORDER BY r.employee_id
            """,
            actor.organisation_id,
            manager_id,
            today,
        )
        members = []
        for row in rows:
            overdue = tuple(
                OverdueItem(goal_id, goal_title, kind, item_id, title, date.fromisoformat(due))
                for goal_id, goal_title, kind, item_id, title, due in json.loads(row["overdue"] or "[]")
            )
            members.append(
                TeamMember(
                    employee_id=row["employee_id"],
                    active_goals=row["active"],
                    completed_goals=row["completed"],
                    average_percent_complete=mean_percent(row["percent_sum"], row["active"]),
                    last_check_in_at=row["last_check_in_at"],
                    awaiting_manager=tuple(
                        AwaitingGoal(goal_id, title, date.fromisoformat(due), version)
                        for goal_id, title, due, version in json.loads(row["awaiting"] or "[]")
                    ),
                    overdue=overdue,
                    overdue_items=len(overdue),
                )
            )
        return TeamView(manager_id, sum(len(m.awaiting_manager) for m in members), tuple(members))

    async def organisation_goals(
        self, actor: Actor, filters: GoalFilters, today: date, *, limit: int, after: str | None
    ) -> GoalPage:
        """A page of the organisation's goals, by employee, then due date, then goal."""
        require(actor, "view_goals", Subject(actor.organisation_id))
        where, arguments = self._filters(actor, filters, today)
        if after is not None:
            arguments.extend(_after(after))
            n = len(arguments)
            where.append(f"(employee_id, due_date, goal_id) > (${n - 2}, ${n - 1}, ${n})")
        arguments.append(limit + 1)
        rows = await self._services.pool.fetch(
            f"SELECT {_SELECT} FROM goal_views WHERE {' AND '.join(where)}"
            f" ORDER BY employee_id, due_date, goal_id LIMIT ${len(arguments)}",
            *arguments,
        )
        goals = tuple(progress_of(columns_of(r), today) for r in rows[:limit])
        more = len(rows) > limit
        return GoalPage(goals, _cursor(goals[-1]) if more and goals else None)

    async def organisation_counts(self, actor: Actor, filters: GoalFilters, today: date) -> dict[str, Any]:
        """How many of the organisation's goals there are, by status, and how many are overdue."""
        require(actor, "view_goals", Subject(actor.organisation_id))
        where, arguments = self._filters(actor, filters, today)
        arguments.append(today)
        rows = await self._services.pool.fetch(
            f"SELECT status, count(*) AS goals,"
            f" count(*) FILTER (WHERE earliest_open_due < ${len(arguments)}) AS overdue"
            f" FROM goal_views WHERE {' AND '.join(where)} GROUP BY status ORDER BY status",
            *arguments,
        )
        by_status = {row["status"]: row["goals"] for row in rows}
        return {
            "total": sum(by_status.values()),
            "by_status": by_status,
            "overdue": sum(row["overdue"] for row in rows),
        }

    @staticmethod
    def _filters(actor: Actor, filters: GoalFilters, today: date) -> tuple[list[str], list[Any]]:
        where = ["organisation_id = $1"]
        arguments: list[Any] = [actor.organisation_id]

        def add(condition: str, value: Any) -> None:
            arguments.append(value)
            where.append(condition.replace("$?", f"${len(arguments)}"))

        if filters.status:
            add("status = ANY($?::text[])", list(filters.status))
        if filters.career_track_id is not None:
            add("career_track_id = $?", filters.career_track_id)
        if filters.manager_id is not None:
            add(
                "employee_id IN (SELECT employee_id FROM reporting_lines"
                " WHERE organisation_id = $1 AND manager_id = $?)",
                filters.manager_id,
            )
        if filters.overdue is True:
            add("earliest_open_due < $?", today)
        elif filters.overdue is False:
            add("(earliest_open_due IS NULL OR earliest_open_due >= $?)", today)
        return where, arguments
