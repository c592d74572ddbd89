"""The event store contract on PostgreSQL."""

from __future__ import annotations

from tests.kernel.store.contract import EventStoreContract, UpcastingContract
from tests.kernel.store.fixtures import PostgresEventStoreFixtures
from trellis_kernel.store import EventMetadata, EventStore, NewEvent, Pool, event_store


class TestPostgresEventStore(EventStoreContract, PostgresEventStoreFixtures):
    pass


class TestPostgresUpcasting(UpcastingContract, PostgresEventStoreFixtures):
    pass


class TestPostgresReadAllAtScale(PostgresEventStoreFixtures):
    async def test_read_all_walks_the_global_order_index_instead_of_sorting_the_table(
        self, store: EventStore, pool: Pool
    ) -> None:
        """A relay reads a page at a time from tables of millions of events."""
        metadata = EventMetadata(principal="load")
        for batch in range(40):
            await store.append(
                f"load-{batch}",
                [NewEvent("t", {"n": n}) for n in range(500)],
                expected=0,
                metadata=metadata,
            )
        await pool.execute("ANALYZE events")
        query = event_store._READ_ALL
        async with pool.acquire() as connection:
            plan = "\n".join(row[0] for row in await connection.fetch(f"EXPLAIN {query}", 0, 0, 500))
        assert "Index Scan using events_global_order_idx" in plan, plan
        assert "Sort" not in plan, plan
