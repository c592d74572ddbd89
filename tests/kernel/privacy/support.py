"""A small service on the protecting codec: goals and praise (the test contracts), a decider, an
inline read model, and the scan of every text and JSON column of a database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from tests.contracts.protected_contracts import (
    PRIVACY_TEST_EVENTS,
    GoalPlanned,
    GoalPlannedV2,
    PlannedStep,
    PraiseGiven,
)
from trellis_kernel.codec import ContractCodec
from trellis_kernel.decider import Decider
from trellis_kernel.privacy import ProtectingCodec
from trellis_kernel.store import Connection, Pool, StoredEvent

ORG = "org_7f3a"
WHEN = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)

PrivacyEvent = GoalPlanned | GoalPlannedV2 | PraiseGiven
CONTRACTS: ContractCodec[PrivacyEvent] = ContractCodec(PRIVACY_TEST_EVENTS)


@dataclass(frozen=True)
class PlanGoal:
    goal_id: str
    employee_id: str
    title: str
    steps: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    notes: str | None = None
    organisation_id: str = ORG


@dataclass(frozen=True)
class Praise:
    praise_id: str
    giver_id: str
    recipient_id: str
    message: str
    organisation_id: str = ORG


@dataclass(frozen=True)
class Timeline:
    events: tuple[PrivacyEvent, ...] = field(default=())


def decide(command: PlanGoal | Praise, state: Timeline) -> Sequence[PrivacyEvent]:
    if isinstance(command, Praise):
        return [
            PraiseGiven(
                praise_id=command.praise_id,
                organisation_id=command.organisation_id,
                giver_id=command.giver_id,
                recipient_id=command.recipient_id,
                message=command.message,
                occurred_at=WHEN,
            )
        ]
    return [
        GoalPlannedV2(
            goal_id=command.goal_id,
            organisation_id=command.organisation_id,
            employee_id=command.employee_id,
            manager_id="mgr_1",
            title=command.title,
            notes=command.notes,
            resources=command.resources,
            steps=tuple(
                PlannedStep(step_id=f"ms_{n}", title=title, due_date=date(2026, 2, n + 1))
                for n, title in enumerate(command.steps)
            ),
            occurred_at=WHEN,
        )
    ]


def evolve(state: Timeline, event: PrivacyEvent) -> Timeline:
    return Timeline((*state.events, event))


timeline = Decider(decide, evolve, Timeline)


class Board:
    """An inline read model: each goal's title, step titles and step count; each praise."""

    name = "privacytests.board"
    tables = ("goal_board", "praise_wall")
    ddl = (
        "CREATE TABLE {schema}.goal_board (goal_id text PRIMARY KEY, employee_id text NOT NULL,"
        " title text NOT NULL, step_titles jsonb NOT NULL, steps integer NOT NULL)",
        "CREATE TABLE {schema}.praise_wall (praise_id text PRIMARY KEY, recipient_id text NOT NULL,"
        " message text NOT NULL)",
    )

    def __init__(self, codec: ProtectingCodec[PrivacyEvent]) -> None:
        self.codec = codec

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        [decoded] = await self.codec.decode_all([event], connection=connection)
        if isinstance(decoded, GoalPlannedV2):
            await connection.execute(
                f"INSERT INTO {schema}.goal_board VALUES ($1, $2, $3, $4::jsonb, $5)"
                " ON CONFLICT (goal_id) DO UPDATE SET title = excluded.title,"
                " step_titles = excluded.step_titles, steps = excluded.steps",
                decoded.goal_id,
                decoded.employee_id,
                decoded.title,
                _json([step.title for step in decoded.steps]),
                len(decoded.steps),
            )
        elif isinstance(decoded, PraiseGiven):
            await connection.execute(
                f"INSERT INTO {schema}.praise_wall VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                decoded.praise_id,
                decoded.recipient_id,
                decoded.message,
            )


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


async def text_everywhere(pool: Pool) -> str:
    """Every value of every text, character, JSON and text-array column of every table of the
    database (every schema but PostgreSQL's own), as one string to search."""
    async with pool.acquire() as connection:
        columns = await connection.fetch(
            "SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c"
            " JOIN information_schema.tables t USING (table_schema, table_name)"
            " WHERE t.table_type = 'BASE TABLE'"
            " AND c.table_schema NOT IN ('pg_catalog', 'information_schema')"
            " AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')"
            "      OR (c.data_type = 'ARRAY' AND c.udt_name IN ('_text', '_varchar', '_jsonb', '_json')))"
        )
        assert columns, "no text columns found: the scan would prove nothing"
        parts: list[str] = []
        for column in columns:
            values = await connection.fetch(
                f'SELECT "{column["column_name"]}"::text AS value'
                f' FROM "{column["table_schema"]}"."{column["table_name"]}"'
            )
            parts.extend(row["value"] for row in values if row["value"] is not None)
        return "\n".join(parts)
