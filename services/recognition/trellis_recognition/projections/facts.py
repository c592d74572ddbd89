"""Facts kept from the goals and feedback topics, for deciding and for backtests.

These projections fold events of other services. The consumer applies them in the transaction
that claims each consumed event (as a StoredEvent built from the CloudEvent), so a redelivery
changes nothing; a rebuild replays the topics into fresh tables.

- ``goal_facts``: each goal's employee, career track, template and milestones;
- ``team_members``: who reports to whom now (teams are named by their manager's id);
- ``trigger_history``: every event a policy can react to, without its personal free text,
  for windowed counts and backtests.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from functools import cache
from typing import Any, Final

from trellis_contracts import goals as g
from trellis_contracts.catalogue import CATALOGUE
from trellis_kernel.store import Connection, StoredEvent
from trellis_recognition.domain.backtest import HistoricalTrigger
from trellis_recognition.domain.evaluation import CountQuery, GoalFacts
from trellis_recognition.domain.triggers import EventName, TriggeringEvent, base_name, triggering_event

_GOAL_DEFINED: Final = {g.GoalProposed.event_type(), g.GoalCreated.event_type()}
_GOAL_CLOSED: Final = {g.GoalCompleted.event_type(): "completed", g.GoalAbandoned.event_type(): "abandoned"}


class GoalFactsTable:
    name = "recognition.goal_facts"
    tables: Sequence[str] = ("goal_facts",)
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.goal_facts (
            organisation_id text NOT NULL,
            goal_id         text NOT NULL,
            employee_id     text NOT NULL,
            career_track_id text,
            template_id     text,
            milestone_ids   text[] NOT NULL DEFAULT '{{}}',
            status          text NOT NULL,
            PRIMARY KEY (organisation_id, goal_id)
        )
        """,
    )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        p = event.payload
        if event.event_type in _GOAL_DEFINED:
            status = "active" if event.event_type == g.GoalCreated.event_type() else "proposed"
            await connection.execute(
                f"""
                INSERT INTO {schema}.goal_facts (organisation_id, goal_id, employee_id, career_track_id,
                    template_id, milestone_ids, status)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (organisation_id, goal_id) DO UPDATE SET
                    career_track_id = excluded.career_track_id, template_id = excluded.template_id,
                    milestone_ids = excluded.milestone_ids, status = excluded.status
                """,
                p["organisation_id"],
                p["goal_id"],
                p["employee_id"],
                p.get("career_track_id"),
                p.get("template_id"),
                [m["milestone_id"] for m in p.get("milestones", ())],
                status,
            )
        elif event.event_type == g.MilestoneAdded.event_type():
            await connection.execute(
                f"""
                UPDATE {schema}.goal_facts SET milestone_ids = array_append(milestone_ids, $3)
                WHERE organisation_id = $1 AND goal_id = $2 AND NOT ($3 = ANY(milestone_ids))
                """,
                p["organisation_id"],
                p["goal_id"],
                p["milestone_id"],
            )
        elif event.event_type in _GOAL_CLOSED:
            await connection.execute(
                f"UPDATE {schema}.goal_facts SET status = $3 WHERE organisation_id = $1 AND goal_id = $2",
                p["organisation_id"],
                p["goal_id"],
                _GOAL_CLOSED[event.event_type],
            )


class TeamMembers:
    """Who each employee reports to now: their team. A goal's manager stands in until the
    reporting line itself is known."""

    name = "recognition.team_members"
    tables: Sequence[str] = ("team_members",)
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.team_members (
            organisation_id text NOT NULL,
            employee_id     text NOT NULL,
            manager_id      text,
            from_reporting_line boolean NOT NULL,
            PRIMARY KEY (organisation_id, employee_id)
        )
        """,
        "CREATE INDEX ON {schema}.team_members (organisation_id, manager_id)",
    )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        p = event.payload
        if event.event_type == g.ReportingLineChanged.event_type():
            await connection.execute(
                f"""
                INSERT INTO {schema}.team_members (organisation_id, employee_id, manager_id, from_reporting_line)
                VALUES ($1, $2, $3, true)
                ON CONFLICT (organisation_id, employee_id) DO UPDATE
                SET manager_id = excluded.manager_id, from_reporting_line = true
                """,
                p["organisation_id"],
                p["employee_id"],
                p["manager_id"],
            )
        elif event.event_type in (g.GoalCreated.event_type(), g.GoalManagerChanged.event_type()):
            await connection.execute(
                f"""
                INSERT INTO {schema}.team_members (organisation_id, employee_id, manager_id, from_reporting_line)
                VALUES ($1, $2, $3, false)
                ON CONFLICT (organisation_id, employee_id) DO UPDATE SET manager_id = excluded.manager_id
                WHERE NOT {schema}.team_members.from_reporting_line
                """,
                p["organisation_id"],
                p["employee_id"],
                p["manager_id"],
            )


@cache
def personal_fields(event_type: str) -> frozenset[str] | None:
    """The top-level fields the contract marks as personal data. For a major version newer
    than this service's contracts, those of the newest version it knows of the same event
    (fields that version adds are kept until the contracts are updated); None for an event
    it knows nothing of."""
    name = EventName.of_type(event_type)
    if name is None:
        return None
    contract = CATALOGUE.get(event_type)
    if contract is None:
        same = [
            c for t, c in CATALOGUE.items() if (n := EventName.of_type(t)) is not None and n.base == name.base
        ]
        if not same:
            return None
        contract = max(same, key=lambda c: c.major)
    properties = contract.model_json_schema().get("properties", {})
    return frozenset(field for field, schema in properties.items() if schema.get("x-personal-data"))


def without_personal_data(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload without the fields its contract marks as personal data."""
    personal = personal_fields(event_type)
    if personal is None:
        return {}
    return {field: value for field, value in payload.items() if field not in personal}


class TriggerHistory:
    name = "recognition.trigger_history"
    tables: Sequence[str] = ("trigger_history",)
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.trigger_history (
            organisation_id text NOT NULL,
            event_id        text NOT NULL,
            event_type      text NOT NULL,
            event_name      text NOT NULL,
            employee_id     text NOT NULL,
            occurred_at     timestamptz NOT NULL,
            goal_id         text,
            payload         jsonb NOT NULL,
            PRIMARY KEY (organisation_id, event_id)
        )
        """,
        "CREATE INDEX ON {schema}.trigger_history (organisation_id, employee_id, event_name, occurred_at)",
        "CREATE INDEX ON {schema}.trigger_history (organisation_id, occurred_at)",
    )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        kept = without_personal_data(event.event_type, event.payload)
        found = triggering_event(str(event.event_id), event.event_type, kept)
        if found is None:
            return
        await connection.execute(
            f"""
            INSERT INTO {schema}.trigger_history (organisation_id, event_id, event_type, event_name,
                employee_id, occurred_at, goal_id, payload)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
            ON CONFLICT (organisation_id, event_id) DO NOTHING
            """,
            found.organisation_id,
            found.event_id,
            found.event_type,
            found.name.base,
            found.employee_id,
            found.occurred_at,
            found.goal_id,
            json.dumps(kept),
        )


# --- reading the facts ------------------------------------------------------------------------


def _facts_row(row: Any) -> GoalFacts:
    return GoalFacts(
        goal_id=row["goal_id"],
        organisation_id=row["organisation_id"],
        employee_id=row["employee_id"],
        career_track_id=row["career_track_id"],
        template_id=row["template_id"],
        milestone_ids=frozenset(row["milestone_ids"]),
    )


async def goal_facts(connection: Connection, organisation_id: str, goal_id: str) -> GoalFacts | None:
    row = await connection.fetchrow(
        "SELECT * FROM goal_facts WHERE organisation_id = $1 AND goal_id = $2", organisation_id, goal_id
    )
    return _facts_row(row) if row is not None else None


async def team_of(connection: Connection, organisation_id: str, employee_id: str) -> str | None:
    team: str | None = await connection.fetchval(
        "SELECT manager_id FROM team_members WHERE organisation_id = $1 AND employee_id = $2",
        organisation_id,
        employee_id,
    )
    return team


def _history_row(row: Any) -> TriggeringEvent | None:
    return triggering_event(row["event_id"], row["event_type"], json.loads(row["payload"]))


async def count(connection: Connection, query: CountQuery, trigger: TriggeringEvent) -> int:
    """The count the query asks for, from the history in its window (and the trigger)."""
    rows = await connection.fetch(
        """
        SELECT event_id, event_type, payload::text AS payload FROM trigger_history
        WHERE organisation_id = $1 AND employee_id = $2 AND event_name = $3
          AND occurred_at >= $4 AND occurred_at < $5
        """,
        query.organisation_id,
        query.employee_id,
        base_name(query.event),
        _utc_midnight(query.window.start),
        _utc_midnight(query.window.end),
    )
    known = [event for event in map(_history_row, rows) if event is not None]
    return query.count(trigger, known)


async def history(
    connection: Connection, organisation_id: str, start: datetime, end: datetime
) -> list[HistoricalTrigger]:
    """The triggering events of ``[start, end)`` with the facts the service holds about them
    now (goal and team), oldest first: what a backtest runs over."""
    rows = await connection.fetch(
        """
        SELECT h.event_id, h.event_type, h.payload::text AS payload, t.manager_id, f.*
        FROM trigger_history h
        LEFT JOIN team_members t ON t.organisation_id = h.organisation_id AND t.employee_id = h.employee_id
        LEFT JOIN goal_facts f ON f.organisation_id = h.organisation_id AND f.goal_id = h.goal_id
        WHERE h.organisation_id = $1 AND h.occurred_at >= $2 AND h.occurred_at < $3
        ORDER BY h.occurred_at, h.event_id
        """,
        organisation_id,
        start,
        end,
    )
    found: list[HistoricalTrigger] = []
    for row in rows:
        event = _history_row(row)
        if event is not None:
            goal = _facts_row(row) if row["goal_id"] is not None else None
            found.append(HistoricalTrigger(event, goal=goal, team_id=row["manager_id"]))
    return found


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)
