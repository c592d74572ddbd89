"""The few lookup tables the API needs besides the streams, kept in the same transaction as
the events that change them (so they are never behind the streams)."""

from __future__ import annotations

from collections.abc import Sequence

from trellis_contracts.goals import ReportingLineChanged
from trellis_goals.domain.goal.state import Goal
from trellis_kernel.store import Connection, Pool

SCHEMA: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS goals_goal_index (
        goal_id         text PRIMARY KEY,
        organisation_id text NOT NULL,
        employee_id     text NOT NULL,
        status          text NOT NULL,
        version         integer NOT NULL
    )
    """,
    """
    CREATE INDEX IF NOT EXISTS goals_goal_index_employee_idx
        ON goals_goal_index (organisation_id, employee_id)
    """,
    """
    CREATE TABLE IF NOT EXISTS goals_reporting_lines (
        organisation_id text NOT NULL,
        employee_id     text NOT NULL,
        manager_id      text,
        PRIMARY KEY (organisation_id, employee_id)
    )
    """,
    """
    CREATE INDEX IF NOT EXISTS goals_reporting_lines_manager_idx
        ON goals_reporting_lines (organisation_id, manager_id)
    """,
)

_SETUP_LOCK = "SELECT pg_advisory_xact_lock(hashtext('trellis_goals.read_tables'))"

_UPSERT_GOAL = """
INSERT INTO goals_goal_index (goal_id, organisation_id, employee_id, status, version)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (goal_id) DO UPDATE
SET status = excluded.status, version = excluded.version
WHERE goals_goal_index.version < excluded.version
"""

_UPSERT_LINE = """
INSERT INTO goals_reporting_lines (organisation_id, employee_id, manager_id)
VALUES ($1, $2, $3)
ON CONFLICT (organisation_id, employee_id) DO UPDATE SET manager_id = excluded.manager_id
"""


async def setup(pool: Pool) -> None:
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute(_SETUP_LOCK)
        for statement in SCHEMA:
            await connection.execute(statement)


async def record_goal(connection: Connection, goal: Goal, version: int) -> None:
    await connection.execute(
        _UPSERT_GOAL, goal.goal_id, goal.organisation_id, goal.employee_id, goal.status, version
    )


async def record_reporting_line(connection: Connection, event: ReportingLineChanged) -> None:
    await connection.execute(_UPSERT_LINE, event.organisation_id, event.employee_id, event.manager_id)


async def manager_of(pool: Pool, organisation_id: str, employee_id: str) -> str | None:
    manager: str | None = await pool.fetchval(
        "SELECT manager_id FROM goals_reporting_lines WHERE organisation_id = $1 AND employee_id = $2",
        organisation_id,
        employee_id,
    )
    return manager


async def reporting_lines_of(pool: Pool, organisation_id: str, manager_id: str) -> dict[str, str | None]:
    rows = await pool.fetch(
        "SELECT employee_id, manager_id FROM goals_reporting_lines "
        "WHERE organisation_id = $1 AND manager_id = $2",
        organisation_id,
        manager_id,
    )
    return {row["employee_id"]: row["manager_id"] for row in rows}


async def goal_ids_of(pool: Pool, organisation_id: str, employee_ids: Sequence[str]) -> list[str]:
    rows = await pool.fetch(
        "SELECT goal_id FROM goals_goal_index "
        "WHERE organisation_id = $1 AND employee_id = ANY($2::text[]) ORDER BY goal_id",
        organisation_id,
        list(employee_ids),
    )
    return [row["goal_id"] for row in rows]


async def active_goal_ids(pool: Pool) -> list[str]:
    rows = await pool.fetch("SELECT goal_id FROM goals_goal_index WHERE status = 'active' ORDER BY goal_id")
    return [row["goal_id"] for row in rows]
