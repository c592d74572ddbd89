"""The team view's document is printed by PostgreSQL: its averages round and its moments read
exactly as the rest of the API prints them from Python."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from pydantic import TypeAdapter

from tests.conftest import PostgresServer
from trellis_goals.application.views import MEAN_PERCENT_SQL, UTC_TIMESTAMP_SQL

pytestmark = pytest.mark.infra


async def test_the_average_rounds_half_to_even_as_python_does(postgres: PostgresServer) -> None:
    pairs = [(total, count) for count in range(0, 9) for total in range(0, 100 * count + 1, 1 if count < 4 else 7)]
    connection = await asyncpg.connect(postgres.admin_dsn)
    try:
        rows = await connection.fetch(
            f"SELECT t, c, {MEAN_PERCENT_SQL.format(total='t', count='c')} AS mean"
            " FROM unnest($1::integer[], $2::integer[]) AS pairs(t, c)",
            [t for t, _ in pairs],
            [c for _, c in pairs],
        )
    finally:
        await connection.close()
    assert {(r["t"], r["c"]): r["mean"] for r in rows} == {
        (t, c): round(t / c) if c else 0 for t, c in pairs
    }
    assert {(r["t"], r["c"]): r["mean"] for r in rows}[(125, 2)] == 62


async def test_a_moment_reads_as_the_api_prints_it(postgres: PostgresServer) -> None:
    moments = [
        datetime(2026, 1, 20, 9, 0, tzinfo=UTC),
        datetime(2026, 1, 20, 9, 0, 0, 120000, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 6, 1, 12, 30, tzinfo=UTC) + timedelta(microseconds=1),
    ]
    connection = await asyncpg.connect(postgres.admin_dsn)
    try:
        await connection.execute("SET TIME ZONE 'Europe/Amsterdam'")  # the server's zone does not matter
        printed = await connection.fetch(
            f"SELECT {UTC_TIMESTAMP_SQL.format(value='m')} AS text FROM unnest($1::timestamptz[]) AS m", moments
        )
    finally:
        await connection.close()
    moment = TypeAdapter(datetime)
    assert [row["text"] for row in printed] == [moment.dump_json(m).decode().strip('"') for m in moments]
