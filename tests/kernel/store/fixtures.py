"""Fixtures every kernel suite that needs an event store can inherit (store, relay, consumers).

Subclass PostgresEventStoreFixtures in a test class to get `pool` (an asyncpg pool on a fresh
database), `store` (an EventStore set up in it) and `backend` (transactions for the store
contract); override `upcasters` to register some. InMemoryEventStoreFixtures gives `store` and
`backend` for the in-memory store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from trellis_kernel.store import EventStore, InMemoryEventStore, Pool, Upcasters, create_pool
from trellis_kernel.testing.store_contract import InMemoryBackend, PostgresBackend


async def open_pool(dsn: str, *, max_size: int = 10) -> Pool:
    return await create_pool(dsn, min_size=1, max_size=max_size)


class PostgresEventStoreFixtures:
    @pytest.fixture
    def upcasters(self) -> Upcasters:
        return Upcasters()

    @pytest.fixture
    async def pool(self, database_dsn: str) -> AsyncIterator[Pool]:
        pool = await open_pool(database_dsn)
        try:
            yield pool
        finally:
            await pool.close()

    @pytest.fixture
    async def store(self, pool: Pool, upcasters: Upcasters) -> EventStore:
        store = EventStore(pool, upcasters=upcasters)
        await store.setup()
        return store

    @pytest.fixture
    async def backend(self, store: EventStore, database_dsn: str) -> AsyncIterator[PostgresBackend]:
        backend = PostgresBackend(database_dsn)
        yield backend
        await backend.close()


class InMemoryEventStoreFixtures:
    @pytest.fixture
    def upcasters(self) -> Upcasters:
        return Upcasters()

    @pytest.fixture
    def store(self, upcasters: Upcasters) -> InMemoryEventStore:
        return InMemoryEventStore(upcasters=upcasters)

    @pytest.fixture
    async def backend(self, store: InMemoryEventStore) -> AsyncIterator[InMemoryBackend]:
        backend = InMemoryBackend(store)
        yield backend
        await backend.close()
