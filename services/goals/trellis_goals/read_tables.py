"""The lookup tables the API needs besides the streams, as kernel projections applied inline
(in the transaction that appends the events, so they are never behind) and rebuildable from
the store with ``trellis_kernel.projections.rebuild(store, projection, inline=True)``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from trellis_contracts.goals import (
    GoalAbandoned,
    GoalChangesRequested,
    GoalCompleted,
    GoalCreated,
    GoalProposed,
    ReportingLineChanged,
)
from trellis_goals.event_codec import GOALS_CODEC
from trellis_kernel.projections import Projection, setup_projection
from trellis_kernel.store import Connection, Pool, StoredEvent

_STATUS_AFTER: Final[dict[str, str]] = {
    GoalProposed.event_type(): "proposed",
    GoalChangesRequested.event_type(): "changes_requested",
    GoalCreated.event_type(): "active",
    GoalCompleted.event_type(): "completed",
    GoalAbandoned.event_type(): "abandoned",
}


class GoalIndex:
    """Each goal's organisation, employee and status: which goals to read for a view."""

    name = "goals.goal_index"
    tables: Sequence[str] = ("goal_index",)
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.goal_index (
            goal_id         text PRIMARY KEY,
            organisation_id text NOT NULL,
            employee_id     text NOT NULL,
            status          text NOT NULL,
            version         integer NOT NULL
        )
        """,
        "CREATE INDEX ON {schema}.goal_index (organisation_id, employee_id)",
        "CREATE INDEX ON {schema}.goal_index (status)",
    )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        status = _STATUS_AFTER.get(event.event_type)
        if status is None:
            return
        goal = GOALS_CODEC.decode(event)
        await connection.execute(
            f"""
            INSERT INTO {schema}.goal_index (goal_id, organisation_id, employee_id, status, version)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (goal_id) DO UPDATE SET status = excluded.status, version = excluded.version
            WHERE {schema}.goal_index.version < excluded.version
            """,
            goal.goal_id,
            goal.organisation_id,
            goal.employee_id,
            status,
            event.version,
        )


class ReportingLines:
    """Who each employee reports to now."""

    name = "goals.reporting_lines"
    tables: Sequence[str] = ("reporting_lines",)
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.reporting_lines (
            organisation_id text NOT NULL,
            employee_id     text NOT NULL,
            manager_id      text,
            PRIMARY KEY (organisation_id, employee_id)
        )
        """,
        "CREATE INDEX ON {schema}.reporting_lines (organisation_id, manager_id)",
    )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        if event.event_type != ReportingLineChanged.event_type():
            return
        line = GOALS_CODEC.decode(event)
        await connection.execute(
            f"""
            INSERT INTO {schema}.reporting_lines (organisation_id, employee_id, manager_id)
            VALUES ($1, $2, $3)
            ON CONFLICT (organisation_id, employee_id) DO UPDATE SET manager_id = excluded.manager_id
            """,
            line.organisation_id,
            line.employee_id,
            line.manager_id,
        )


PROJECTIONS: tuple[Projection, ...] = (GoalIndex(), ReportingLines())


async def setup(pool: Pool) -> None:
    for projection in PROJECTIONS:
        await setup_projection(pool, projection, checkpoint=False)


async def manager_of(pool: Pool, organisation_id: str, employee_id: str) -> str | None:
    manager: str | None = await pool.fetchval(
        "SELECT manager_id FROM reporting_lines WHERE organisation_id = $1 AND employee_id = $2",
        organisation_id,
        employee_id,
    )
    return manager


async def reporting_lines_of(pool: Pool, organisation_id: str, manager_id: str) -> dict[str, str | None]:
    rows = await pool.fetch(
        "SELECT employee_id, manager_id FROM reporting_lines WHERE organisation_id = $1 AND manager_id = $2",
        organisation_id,
        manager_id,
    )
    return {row["employee_id"]: row["manager_id"] for row in rows}


async def goal_ids_of(pool: Pool, organisation_id: str, employee_ids: Sequence[str] | None) -> list[str]:
    """The goals of these employees, or of everyone in the organisation for None."""
    rows = await pool.fetch(
        "SELECT goal_id FROM goal_index WHERE organisation_id = $1 "
        "AND ($2::text[] IS NULL OR employee_id = ANY($2::text[])) ORDER BY goal_id",
        organisation_id,
        None if employee_ids is None else list(employee_ids),
    )
    return [row["goal_id"] for row in rows]


async def active_goal_ids(pool: Pool) -> list[str]:
    rows = await pool.fetch("SELECT goal_id FROM goal_index WHERE status = 'active' ORDER BY goal_id")
    return [row["goal_id"] for row in rows]
