"""The views people read, from the stored read models (never by folding streams): an
employee's progress, a manager's team, and the organisation's goals for HR admins, filtered and
in pages. Each reads only its own organisation's rows."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from trellis_goals.application.common import Services, require
from trellis_goals.domain.authorization import Actor, Subject
from trellis_goals.projections.goal_views import GOAL_COLUMNS, columns_of
from trellis_goals.projections.progress import (
    OPEN_ACTIVITY,
    EmployeeProgress,
    employee_progress_of,
    progress_of,
)
from trellis_kernel.http import Forbidden

_SELECT: Final = ", ".join(GOAL_COLUMNS)

MEAN_PERCENT_SQL: Final = (
    "(CASE WHEN {count} = 0 THEN 0 ELSE {total} / {count} + CASE"
    " WHEN 2 * ({total} % {count}) > {count} THEN 1"
    " WHEN 2 * ({total} % {count}) = {count} THEN ({total} / {count}) % 2 ELSE 0 END END)"
)
"""The rounded mean of ``count`` percentages adding up to ``total`` (0 for none), half to even
as Python rounds, in SQL (``total`` and ``count`` are non-negative integer expressions)."""

UTC_TIMESTAMP_SQL: Final = (
    "(to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
    " || CASE WHEN date_part('microseconds', {value})::integer % 1000000 = 0 THEN ''"
    " ELSE to_char({value} AT TIME ZONE 'UTC', '.US') END || 'Z')"
)
"""A timestamptz as the API prints every moment: RFC 3339 in UTC with ``Z``, microseconds only
when there are some."""

TEAM_DOCUMENT: Final = f"""
WITH team AS (
    SELECT organisation_id, employee_id FROM reporting_lines
     WHERE organisation_id = $1 AND manager_id = $2
), awaiting AS (
    SELECT g.employee_id, count(*) AS goals,
           string_agg(coalesce(g.team_entry, json_build_object('goal_id', g.goal_id, 'title', g.title,
                                                               'due_date', g.due_date, 'version', g.version)::text),
                      ',' ORDER BY g.due_date, g.goal_id) AS items
      FROM team t
      JOIN goal_views g ON g.organisation_id = t.organisation_id AND g.employee_id = t.employee_id
     WHERE g.status = 'proposed' AND g.proposer_role = 'employee'
     GROUP BY g.employee_id
), overdue AS (
    SELECT d.employee_id, count(*) AS items_due,
           string_agg(coalesce(d.team_entry, json_build_object('goal_id', d.goal_id, 'goal_title', d.goal_title,
                                                               'kind', d.item_kind, 'item_id', d.item_id,
                                                               'title', d.title, 'due_date', d.due_date)::text),
                      ',' ORDER BY d.due_date, d.goal_id, d.item_kind, d.item_id) AS items
      FROM team t
      JOIN goal_deadlines d ON d.organisation_id = t.organisation_id AND d.employee_id = t.employee_id
     WHERE d.due_date < $3
     GROUP BY d.employee_id
)
SELECT '{{"manager_id":' || to_json($2::text)::text
       || ',"awaiting_manager":' || coalesce(sum(a.goals), 0)
       || ',"members":[' || coalesce(string_agg(
              '{{"employee_id":' || to_json(t.employee_id)::text
              || ',"active_goals":' || coalesce(p.active_goals, 0)
              || ',"completed_goals":' || coalesce(p.completed_goals, 0)
              || ',"average_percent_complete":'
              || coalesce({MEAN_PERCENT_SQL.format(total="p.active_percent_sum", count="p.active_goals")}, 0)
              || ',"overdue_items":' || coalesce(o.items_due, 0)
              || ',"last_check_in_at":' || coalesce(
                  '"' || {UTC_TIMESTAMP_SQL.format(value="p.last_check_in_at")} || '"', 'null')
              || ',"awaiting_manager":[' || coalesce(a.items, '')
              || '],"overdue":[' || coalesce(o.items, '') || ']}}',
              ',' ORDER BY t.employee_id), '')
       || ']}}'
  FROM team t
  LEFT JOIN goal_people p ON p.organisation_id = t.organisation_id AND p.employee_id = t.employee_id
  LEFT JOIN awaiting a ON a.employee_id = t.employee_id
  LEFT JOIN overdue o ON o.employee_id = t.employee_id
"""
"""The manager's team (``TeamOut``) as one JSON text. Each goal waiting for the manager and each
deadline is stored already printed (``team_entry``, by the projection): PostgreSQL joins those
texts and prints only the members' counts, a third cheaper than building every object here. A
row an earlier version of the service wrote, during a rolling update, has no entry and is
printed here."""


_OPEN_ACTIVITY: Final = ", ".join(f"'{status}'" for status in OPEN_ACTIVITY)

_MILESTONE_LINE: Final = (
    "json_build_object('milestone_id', m.item->'milestone_id', 'title', m.item->'title',"
    " 'owner_id', m.item->'owner_id', 'due_date', m.item->'due_date',"
    " 'progress_percent', m.item->'progress_percent', 'status', '{status}', 'reached_on', m.item->'reached_on')"
)

PAGE_OF_GOALS: Final = f"""
SELECT g.employee_id, g.due_date, g.goal_id, json_build_object(
           'goal_id', g.goal_id, 'employee_id', g.employee_id, 'manager_id', g.manager_id,
           'title', g.title, 'status', g.status, 'due_date', g.due_date,
           'percent_complete', g.percent_complete, 'goal_overdue', g.goal_overdue,
           'next_milestone', upcoming.line,
           'overdue_milestones', coalesce(missed.lines, '[]'::json),
           'overdue_activity_ids', coalesce(late.ids, '[]'::json),
           'overdue_items', g.goal_overdue::integer + coalesce(missed.n, 0) + coalesce(late.n, 0),
           'last_check_in_at', {UTC_TIMESTAMP_SQL.format(value="g.last_check_in_at")},
           'career_track_id', g.career_track_id, 'aligned_to', g.aligned_to, 'version', g.version
       )::text AS document
  FROM (SELECT *, status = 'active' AND due_date < $DAY AS goal_overdue FROM goal_views
         WHERE {{where}} ORDER BY employee_id, due_date, goal_id LIMIT $LIMIT) g
  LEFT JOIN LATERAL (
      SELECT {_MILESTONE_LINE.format(status="open")} AS line
        FROM jsonb_array_elements(g.milestones) WITH ORDINALITY AS m(item, n)
       WHERE m.item->>'reached_on' IS NULL AND (m.item->>'due_date')::date >= $DAY
       ORDER BY (m.item->>'due_date')::date, m.n LIMIT 1
  ) upcoming ON g.status = 'active'
  LEFT JOIN LATERAL (
      SELECT json_agg({_MILESTONE_LINE.format(status="overdue")} ORDER BY m.n) AS lines, count(*) AS n
        FROM jsonb_array_elements(g.milestones) WITH ORDINALITY AS m(item, n)
       WHERE m.item->>'reached_on' IS NULL AND (m.item->>'due_date')::date < $DAY
  ) missed ON g.status = 'active'
  LEFT JOIN LATERAL (
      SELECT json_agg(a.item->'activity_id' ORDER BY a.n) AS ids, count(*) AS n
        FROM jsonb_array_elements(g.activities) WITH ORDINALITY AS a(item, n)
       WHERE a.item->>'status' IN ({_OPEN_ACTIVITY}) AND (a.item->>'due_date')::date < $DAY
  ) late ON g.status = 'active'
 ORDER BY g.employee_id, g.due_date, g.goal_id
"""
"""A page of the organisation's goals, each printed by PostgreSQL as ``progress_of`` reads it
(``GoalProgressOut``) as of the day ``$DAY``: the page is read often and is as long as HR asks,
and building a hundred goals in Python cost more than the rest of the request. A test holds it
to ``progress_of``."""


@dataclass(frozen=True)
class GoalFilters:
    status: tuple[str, ...] = ()
    career_track_id: str | None = None
    manager_id: str | None = None
    """The team: goals of the people who report to this manager now."""
    overdue: bool | None = None


@dataclass(frozen=True)
class GoalPage:
    document: str
    """The page as its JSON document (``GoalPageOut``)."""


class InvalidCursor(ValueError):
    pass


def _cursor(employee_id: str, due_date: date, goal_id: str) -> str:
    key = [employee_id, due_date.isoformat(), goal_id]
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

    async def team(self, actor: Actor, manager_id: str, today: date) -> str:
        """The manager's team view as its JSON document (``TeamOut``), built by PostgreSQL in one
        statement: the view is read far more often than goals change, and parsing rows into
        objects only to print them again cost more than the query."""
        if actor.user_id != manager_id and not actor.hr_admin:
            raise Forbidden("only the manager or an HR admin sees a manager's team")
        document: str = await self._services.pool.fetchval(
            TEAM_DOCUMENT, actor.organisation_id, manager_id, today
        )
        return document

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
        arguments.extend((limit + 1, today))
        statement = (
            PAGE_OF_GOALS.replace("{where}", " AND ".join(where))
            .replace("$LIMIT", f"${len(arguments) - 1}")
            .replace("$DAY", f"${len(arguments)}::date")
        )
        rows = await self._services.pool.fetch(statement, *arguments)
        page = rows[:limit]
        cursor = _cursor(*page[-1][:3]) if len(rows) > limit and page else None
        goals = ",".join(row["document"] for row in page)
        return GoalPage(f'{{"goals":[{goals}],"next_cursor":{json.dumps(cursor)}}}')

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
