"""The record of every run of the retention job: which organisation, under which rule, which
years of keys it shredded, how many keys and read-model texts went, and when. Not a projection:
it records what the job did, which no event says."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from trellis_kernel.store import Connection, Pool

DDL: Sequence[str] = (
    """
    CREATE TABLE IF NOT EXISTS privacy_retention_runs (
        run_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        organisation_id text NOT NULL,
        years           integer NOT NULL,
        erased_before   timestamptz NOT NULL,
        scopes          text[] NOT NULL,
        keys_shredded   integer NOT NULL,
        texts_forgotten integer NOT NULL,
        ran_on          date NOT NULL,
        ran_at          timestamptz NOT NULL,
        UNIQUE (organisation_id, ran_on)
    )
    """,
)


@dataclass(frozen=True)
class RetentionRun:
    organisation_id: str
    years: int
    erased_before: datetime
    scopes: tuple[str, ...]
    keys_shredded: int
    texts_forgotten: int
    ran_at: datetime


async def setup(pool: Pool) -> None:
    async with pool.acquire() as connection, connection.transaction():
        for statement in DDL:
            await connection.execute(statement)


async def ran_on(connection: Connection, organisation_id: str, day: date) -> bool:
    found = await connection.fetchval(
        "SELECT 1 FROM privacy_retention_runs WHERE organisation_id = $1 AND ran_on = $2",
        organisation_id,
        day,
    )
    return found is not None


async def record(connection: Connection, run: RetentionRun) -> None:
    await connection.execute(
        """
        INSERT INTO privacy_retention_runs (
            organisation_id, years, erased_before, scopes, keys_shredded, texts_forgotten, ran_on, ran_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        """,
        run.organisation_id,
        run.years,
        run.erased_before,
        list(run.scopes),
        run.keys_shredded,
        run.texts_forgotten,
        run.ran_at.astimezone(UTC).date(),
        run.ran_at,
    )


async def runs(pool: Pool, organisation_id: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """The organisation's latest runs, newest first."""
    rows = await pool.fetch(
        "SELECT organisation_id, years, erased_before, scopes, keys_shredded, texts_forgotten, ran_at"
        " FROM privacy_retention_runs WHERE organisation_id = $1 ORDER BY ran_at DESC, run_id DESC LIMIT $2",
        organisation_id,
        limit,
    )
    return [dict(row) for row in rows]
