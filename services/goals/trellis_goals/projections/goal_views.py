"""The stored read models of goals: one row per goal with what the views show, and the open
deadlines of active goals (what the overdue counts and the overdue-milestone sweep read).

Kept by a kernel projection applied inline (in the transaction that appends the events, so a
view never lags behind a command) and rebuildable from the store with ``trellis projections
rebuild goals goals.goal_views``. Every row is keyed by organisation.

Each goal event is folded into the goal's record (the domain's evolve, through
``apply_goal_event``), which the row keeps in ``record`` for the next event; the other columns
are ``goal_columns(record)``. Reads never fold events: a view costs the same however long a
goal's history is.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any, Final

from pydantic import TypeAdapter

from trellis_contracts.goals import PersonErased
from trellis_goals.domain.goal.state import Goal, GoalEvent
from trellis_goals.event_codec import GOAL_EVENT_TYPES, GoalsCodec
from trellis_goals.projections.goal_record import GoalRecord, apply_goal_event, forgotten
from trellis_goals.projections.progress import goal_columns, open_deadlines, person_share
from trellis_kernel.store import Connection, StoredEvent

_RECORD: Final = TypeAdapter(GoalRecord)

GOAL_COLUMNS: Final = (
    "organisation_id",
    "goal_id",
    "employee_id",
    "manager_id",
    "title",
    "status",
    "due_date",
    "percent_complete",
    "proposer_role",
    "career_track_id",
    "aligned_to",
    "last_check_in_at",
    "version",
    "proposed_at",
    "updated_at",
    "earliest_open_due",
    "milestones",
    "activities",
)
_JSON_COLUMNS: Final = frozenset({"milestones", "activities"})
PERSON_ERASED: Final = PersonErased.event_type()


class GoalViews:
    name = "goals.goal_views"
    tables: Sequence[str] = ("goal_views", "goal_deadlines", "goal_people")
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.goal_views (
            organisation_id   text NOT NULL,
            goal_id           text NOT NULL,
            employee_id       text NOT NULL,
            manager_id        text NOT NULL,
            title             text NOT NULL,
            status            text NOT NULL,
            due_date          date NOT NULL,
            percent_complete  integer NOT NULL,
            proposer_role     text NOT NULL,
            career_track_id   text,
            aligned_to        text,
            last_check_in_at  timestamptz,
            version           integer NOT NULL,
            proposed_at       timestamptz NOT NULL,
            updated_at        timestamptz NOT NULL,
            earliest_open_due date,
            milestones        jsonb NOT NULL,
            activities        jsonb NOT NULL,
            team_entry        text,
            record            jsonb NOT NULL,
            PRIMARY KEY (organisation_id, goal_id)
        )
        """,
        # An employee's goals, and the organisation's in pages (by employee, due date, goal).
        "CREATE INDEX ON {schema}.goal_views (organisation_id, employee_id, due_date, goal_id)",
        "CREATE INDEX ON {schema}.goal_views (organisation_id, status, employee_id, due_date, goal_id)",
        "CREATE INDEX ON {schema}.goal_views (organisation_id, earliest_open_due)",
        # The organisation's counts by status and overdue, read from the index alone.
        "CREATE INDEX ON {schema}.goal_views (organisation_id, status, earliest_open_due)",
        # Proposals waiting for the manager's answer, for the team view.
        "CREATE INDEX ON {schema}.goal_views (organisation_id, employee_id)"
        " WHERE status = 'proposed' AND proposer_role = 'employee'",
        """
        CREATE TABLE {schema}.goal_deadlines (
            organisation_id text NOT NULL,
            goal_id         text NOT NULL,
            item_kind       text NOT NULL,
            item_id         text NOT NULL,
            employee_id     text NOT NULL,
            due_date        date NOT NULL,
            missed          boolean NOT NULL,
            title           text NOT NULL,
            goal_title      text NOT NULL,
            team_entry      text,
            PRIMARY KEY (organisation_id, goal_id, item_kind, item_id)
        )
        """,
        "CREATE INDEX ON {schema}.goal_deadlines (organisation_id, employee_id, due_date)",
        # The sweep: milestones of active goals not reached nor yet missed, by due date.
        "CREATE INDEX ON {schema}.goal_deadlines (due_date) WHERE item_kind = 'milestone' AND NOT missed",
        # Each person's goals summed up (the team view reads one row per report).
        """
        CREATE TABLE {schema}.goal_people (
            organisation_id    text NOT NULL,
            employee_id        text NOT NULL,
            active_goals       integer NOT NULL,
            completed_goals    integer NOT NULL,
            active_percent_sum integer NOT NULL,
            last_check_in_at   timestamptz,
            PRIMARY KEY (organisation_id, employee_id)
        )
        """,
    )

    def __init__(self, codec: GoalsCodec) -> None:
        self.codec = codec

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        await self.apply_batch(connection, [event], schema)

    async def apply_batch(self, connection: Connection, events: Sequence[StoredEvent], schema: str) -> None:
        """The events in order (a command's one, or a rebuild's batch): each goal's events folded
        in memory and its rows written once, the events decoded and the records read in one query
        each. An erasure is applied in its place in the order, after what came before it is
        written."""
        goal_events: list[StoredEvent] = []
        for event in events:
            if event.event_type == PERSON_ERASED:
                await self._apply_goal_events(connection, goal_events, schema)
                goal_events = []
                await self._forget(connection, event, schema)
            elif event.event_type in GOAL_EVENT_TYPES:
                goal_events.append(event)
        await self._apply_goal_events(connection, goal_events, schema)

    async def _apply_goal_events(self, connection: Connection, events: Sequence[StoredEvent], schema: str) -> None:
        if not events:
            return
        by_goal: dict[tuple[str, str], list[GoalEvent]] = {}
        for decoded in await self.codec.decode_all(events, connection=connection):
            by_goal.setdefault((decoded.organisation_id, decoded.goal_id), []).append(decoded)
        rows = await connection.fetch(
            f"SELECT organisation_id, goal_id, record FROM {schema}.goal_views"
            " WHERE (organisation_id, goal_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))"
            " ORDER BY organisation_id, goal_id FOR UPDATE",
            [organisation_id for organisation_id, _ in by_goal],
            [goal_id for _, goal_id in by_goal],
        )
        stored = {(row["organisation_id"], row["goal_id"]): _RECORD.validate_json(row["record"]) for row in rows}
        changes: list[_Change] = []
        for key, goal_events in by_goal.items():
            before = stored.get(key)
            record = before
            for decoded in goal_events:
                record = apply_goal_event(record, decoded) or record
            if record is not None and record is not before:
                changes.append((record, before))
        await _write_all(connection, schema, changes)

    async def _forget(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        """The erased person's goals keep their statuses, dates and counts; their texts read as
        erased, as a rebuild (decoding with the key gone) gives them."""
        [erased] = await self.codec.decode_all([event], connection=connection)
        rows = await connection.fetch(
            f"SELECT record FROM {schema}.goal_views WHERE organisation_id = $1 AND employee_id = $2"
            " ORDER BY goal_id FOR UPDATE",
            erased.organisation_id,
            erased.employee_id,
        )
        befores = [_RECORD.validate_json(row["record"]) for row in rows]
        await _write_all(connection, schema, [(forgotten(before), before) for before in befores])


_Change = tuple[GoalRecord, GoalRecord | None]
"""A goal's record now, and as its rows hold it (None for a goal they do not have yet)."""


async def _write_all(connection: Connection, schema: str, changes: Sequence[_Change]) -> None:
    """The goals' rows of the three tables, one statement each, sent together for many goals."""
    await _each(connection, _GOAL_UPSERT.format(schema=schema), [_goal_row(record) for record, _ in changes])
    deadlines = [row for record, before in changes if (row := _deadline_change(record, before)) is not None]
    await _each(connection, _DEADLINES_CHANGE.format(schema=schema), deadlines)
    shares = [row for record, before in changes if (row := _share_change(record, before)) is not None]
    await _each(connection, _PERSON_SHARE.format(schema=schema), shares)


async def _each(connection: Connection, statement: str, rows: Sequence[Sequence[Any]]) -> None:
    if len(rows) == 1:
        await connection.execute(statement, *rows[0])
    elif rows:
        await connection.executemany(statement, rows)  # pipelined: one round trip for them all


_GOAL_UPSERT: Final = (
    f"INSERT INTO {{schema}}.goal_views ({', '.join((*GOAL_COLUMNS, 'team_entry', 'record'))})"
    f" VALUES ({', '.join(f'${n}' for n in range(1, len(GOAL_COLUMNS) + 3))})"
    " ON CONFLICT (organisation_id, goal_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in (*GOAL_COLUMNS[2:], "team_entry", "record"))
)


def _goal_row(record: GoalRecord) -> list[Any]:
    columns = goal_columns(record)
    values = [json.dumps(columns[c]) if c in _JSON_COLUMNS else columns[c] for c in GOAL_COLUMNS]
    return [*values, _awaiting_entry(columns), _RECORD.dump_json(record).decode()]


def _entry(fields: dict[str, Any]) -> str:
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def _awaiting_entry(columns: dict[str, Any]) -> str:
    """The goal as the team view lists it while it waits for the manager (``AwaitingGoalOut``),
    printed once here rather than on every read of the team."""
    return _entry(
        {
            "goal_id": columns["goal_id"],
            "title": columns["title"],
            "due_date": columns["due_date"].isoformat(),
            "version": columns["version"],
        }
    )


# Deletes the goal's rows that are no longer open deadlines and upserts the changed ones (the two
# sets are apart, so no row is touched twice).
_DEADLINES_CHANGE: Final = """
    WITH gone AS (
        DELETE FROM {schema}.goal_deadlines
        WHERE organisation_id = $1 AND goal_id = $2
          AND (item_kind, item_id) NOT IN (SELECT * FROM unnest($3::text[], $4::text[]))
    )
    INSERT INTO {schema}.goal_deadlines (organisation_id, goal_id, item_kind, item_id,
                                         employee_id, due_date, missed, title, goal_title, team_entry)
    SELECT $1, $2, c.item_kind, c.item_id, c.employee_id, c.due_date, c.missed, c.title, c.goal_title,
           c.team_entry
    FROM unnest($5::text[], $6::text[], $7::text[], $8::date[], $9::boolean[], $10::text[], $11::text[],
                $12::text[])
        AS c(item_kind, item_id, employee_id, due_date, missed, title, goal_title, team_entry)
    ON CONFLICT (organisation_id, goal_id, item_kind, item_id) DO UPDATE SET
        employee_id = excluded.employee_id, due_date = excluded.due_date, missed = excluded.missed,
        title = excluded.title, goal_title = excluded.goal_title, team_entry = excluded.team_entry
"""


def _deadline_change(record: GoalRecord, before: GoalRecord | None) -> list[Any] | None:
    """The arguments that change the goal's rows of goal_deadlines where they differ from the
    record before (a milestone reached deletes its row and leaves the goal's other deadlines
    alone); None when nothing differs."""
    goal = record.goal
    now = _deadline_rows(goal)
    then = _deadline_rows(before.goal) if before is not None else {}
    if before is not None and then == now:
        return None
    changed = [row for key, row in now.items() if then.get(key) != row]
    return [
        goal.organisation_id,
        goal.goal_id,
        [kind for kind, _ in now],
        [item_id for _, item_id in now],
        *([row[n] for row in changed] for n in range(7)),
        [_overdue_entry(goal.goal_id, row) for row in changed],
    ]


_DeadlineRow = tuple[str, str, str, date, bool, str, str]


def _deadline_rows(goal: Goal) -> dict[tuple[str, str], _DeadlineRow]:
    """The goal_deadlines rows of a goal, by (kind, id): kind, id, employee, due date, missed,
    title and the goal's title."""
    return {
        (kind, item_id): (kind, item_id, goal.employee_id, due, missed, title, goal.terms.title)
        for kind, item_id, due, missed, title in open_deadlines(goal)
    }


def _overdue_entry(goal_id: str, row: _DeadlineRow) -> str:
    """The deadline as the team view lists it once it has passed (``OverdueItemOut``)."""
    kind, item_id, _, due, _, title, goal_title = row
    return _entry(
        {
            "goal_id": goal_id,
            "goal_title": goal_title,
            "kind": kind,
            "item_id": item_id,
            "title": title,
            "due_date": due.isoformat(),
        }
    )


_PERSON_SHARE: Final = """
    INSERT INTO {schema}.goal_people AS p (organisation_id, employee_id, active_goals, completed_goals,
                                           active_percent_sum, last_check_in_at)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (organisation_id, employee_id) DO UPDATE SET
        active_goals = p.active_goals + excluded.active_goals,
        completed_goals = p.completed_goals + excluded.completed_goals,
        active_percent_sum = p.active_percent_sum + excluded.active_percent_sum,
        last_check_in_at = GREATEST(p.last_check_in_at, excluded.last_check_in_at)
"""


def _share_change(record: GoalRecord, before: GoalRecord | None) -> list[Any] | None:
    """What the goal adds to its employee's row of goal_people; None when nothing changes."""
    now = person_share(record)
    then = person_share(before) if before is not None else (0, 0, 0, None)
    if now == then:
        return None
    goal = record.goal
    return [goal.organisation_id, goal.employee_id, now[0] - then[0], now[1] - then[1], now[2] - then[2], now[3]]


def columns_of(row: Any) -> dict[str, Any]:
    """A goal_views row as progress_of reads it (its JSON columns parsed)."""
    columns = dict(row)
    for name in _JSON_COLUMNS:
        if isinstance(columns.get(name), str):
            columns[name] = json.loads(columns[name])
    return columns
