"""The event store contract on PostgreSQL."""

from __future__ import annotations

from tests.kernel.store.contract import EventStoreContract, UpcastingContract
from tests.kernel.store.fixtures import PostgresEventStoreFixtures


class TestPostgresEventStore(EventStoreContract, PostgresEventStoreFixtures):
    pass


class TestPostgresUpcasting(UpcastingContract, PostgresEventStoreFixtures):
    pass
