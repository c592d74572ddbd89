"""A read model whose tables an earlier version made differently is rebuilt from the events when
the service starts; tables that are current are left as they are."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from uuid import uuid4

from tests.kernel.projections.goal_titles import (
    ACTOR,
    GoalTitles,
    created,
    expected_rows,
    renamed,
    table_rows,
)
from tests.kernel.store.fixtures import PostgresEventStoreFixtures
from trellis_kernel.projections import rebuild, setup_or_rebuild, setup_projection
from trellis_kernel.projections.tables import differences_from_ddl
from trellis_kernel.store import Connection, EventStore, Pool, StoredEvent, stream_id

EARLIER_GOAL_TITLES = GoalTitles(
    ddl=(
        "CREATE TABLE {schema}.goal_titles ("
        " stream_id text PRIMARY KEY, title text NOT NULL, last_version integer NOT NULL)",
    )
)
"""The same projection as an earlier version had it: no rename count, no index on the title."""


@dataclass
class Ledger:
    """A projection with what the catalog prints with its schema in it: a sequence, defaults and
    a partial index."""

    name: str = "test.ledger"
    tables: tuple[str, ...] = ("ledger",)
    ddl: tuple[str, ...] = (
        "CREATE TABLE {schema}.ledger (entry bigserial PRIMARY KEY, stream_id text NOT NULL,"
        " at timestamptz NOT NULL DEFAULT now(), open boolean NOT NULL DEFAULT true)",
        "CREATE INDEX ON {schema}.ledger (stream_id) WHERE open",
    )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        await connection.execute(f"INSERT INTO {schema}.ledger (stream_id) VALUES ($1)", event.stream_id)


async def goals_written_by_an_earlier_version(store: EventStore, pool: Pool) -> list[str]:
    streams = [stream_id("goal", uuid4()) for _ in range(3)]
    for stream in streams:
        await store.append(stream, [created("a"), renamed("b"), renamed("c")], expected=0, metadata=ACTOR)
    await setup_projection(pool, EARLIER_GOAL_TITLES, checkpoint=False)
    await pool.executemany(
        "INSERT INTO goal_titles (stream_id, title, last_version) VALUES ($1, 'as it was', 3)",
        [(stream,) for stream in streams],
    )
    return streams


class TestReadModelUpgrades(PostgresEventStoreFixtures):
    async def test_tables_an_earlier_version_made_are_rebuilt_from_the_events(
        self, store: EventStore, pool: Pool
    ) -> None:
        streams = await goals_written_by_an_earlier_version(store, pool)
        async with pool.acquire() as connection:
            differences = await differences_from_ddl(connection, GoalTitles(), "public")
        assert any("goal_titles.renames integer not null default 0" in d for d in differences)
        assert any(d.startswith("expected index") and "(title)" in d for d in differences)

        assert await setup_or_rebuild(store, GoalTitles(), inline=True) is True

        assert await table_rows(pool) == await expected_rows(store, streams)
        async with pool.acquire() as connection:
            assert await differences_from_ddl(connection, GoalTitles(), "public") == []

    async def test_current_tables_are_left_as_they_are(self, store: EventStore, pool: Pool) -> None:
        stream = stream_id("goal", uuid4())
        await store.append(stream, [created("a")], expected=0, metadata=ACTOR)
        assert await setup_or_rebuild(store, GoalTitles(), inline=True) is False
        # Not what the events say: a rebuild would replace it.
        await pool.execute("INSERT INTO goal_titles VALUES ($1, 'kept as written', 5, 1)", stream)

        assert await setup_or_rebuild(store, GoalTitles(), inline=True) is False

        assert await table_rows(pool) == {stream: ("kept as written", 5, 1)}

    async def test_services_starting_together_rebuild_once(self, store: EventStore, pool: Pool) -> None:
        streams = await goals_written_by_an_earlier_version(store, pool)

        rebuilt = await asyncio.gather(
            *(setup_or_rebuild(store, GoalTitles(), inline=True) for _ in range(3))
        )

        assert sorted(rebuilt) == [False, False, True]
        assert await table_rows(pool) == await expected_rows(store, streams)

    async def test_tables_made_directly_or_by_a_rebuild_read_as_current(
        self, store: EventStore, pool: Pool
    ) -> None:
        await store.append(stream_id("goal", uuid4()), [created("a")], expected=0, metadata=ACTOR)
        ledger = Ledger()
        assert await setup_or_rebuild(store, ledger, inline=True) is False
        await rebuild(store, ledger, inline=True)  # the tables come from a staging schema
        assert await setup_or_rebuild(store, ledger, inline=True) is False
        assert await pool.fetchval("SELECT count(*) FROM ledger") == 1
