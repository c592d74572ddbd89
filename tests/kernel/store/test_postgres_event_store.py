"""The event store contract on PostgreSQL, and what only PostgreSQL can show."""

from __future__ import annotations

import asyncio

from tests.kernel.store.fixtures import PostgresEventStoreFixtures
from trellis_kernel.store import NOTIFY_CHANNEL, EventMetadata, EventStore, NewEvent, Pool, event_store
from trellis_kernel.testing.store_contract import (
    ACTOR,
    EventStoreContract,
    UpcastingContract,
    event,
    goal_stream,
)


class TestPostgresEventStore(EventStoreContract, PostgresEventStoreFixtures):
    pass


class TestPostgresUpcasting(UpcastingContract, PostgresEventStoreFixtures):
    async def test_the_stored_row_is_left_as_written(self, store: EventStore, pool: Pool) -> None:
        stream = goal_stream()
        await store.append(stream, [event("old")], expected=0, metadata=ACTOR)
        row = await pool.fetchrow(
            "select schema_version, payload::text from events where stream_id = $1", stream
        )
        assert row is not None
        assert row["schema_version"] == 1
        assert row["payload"] == '{"title": "old"}'


class TestPostgresOnly(PostgresEventStoreFixtures):
    async def test_listeners_are_notified_after_an_append_commits(
        self, store: EventStore, pool: Pool
    ) -> None:
        notified = asyncio.Event()

        def wake(*_: object) -> None:
            notified.set()

        async with pool.acquire() as listener:
            await listener.add_listener(NOTIFY_CHANNEL, wake)
            try:
                await store.append(goal_stream(), [event()], expected=0, metadata=ACTOR)
                await asyncio.wait_for(notified.wait(), timeout=5)

                notified.clear()
                async with pool.acquire() as writer, writer.transaction():
                    await store.append(
                        goal_stream(), [event()], expected=0, metadata=ACTOR, connection=writer
                    )
                    await asyncio.sleep(0.05)
                    assert not notified.is_set()
                await asyncio.wait_for(notified.wait(), timeout=5)
            finally:
                await listener.remove_listener(NOTIFY_CHANNEL, wake)

    async def test_read_all_walks_the_global_order_index_instead_of_sorting_the_table(
        self, store: EventStore, pool: Pool
    ) -> None:
        """A relay reads a page at a time from tables of millions of events."""
        metadata = EventMetadata(principal="load")
        for batch in range(40):
            await store.append(
                f"load-{batch}",
                [NewEvent("dev.trellis.load.Loaded.v1", {"n": n}) for n in range(500)],
                expected=0,
                metadata=metadata,
            )
        await pool.execute("ANALYZE events")
        query = event_store._READ_ALL
        async with pool.acquire() as connection:
            plan = "\n".join(row[0] for row in await connection.fetch(f"EXPLAIN {query}", 0, 0, 500))
        assert "Index Scan using events_global_order_idx" in plan, plan
        assert "Sort" not in plan, plan
