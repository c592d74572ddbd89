"""The event store contract on the in-memory store."""

from __future__ import annotations

from tests.kernel.store.fixtures import InMemoryEventStoreFixtures
from trellis_kernel.testing.store_contract import EventStoreContract, UpcastingContract


class TestInMemoryEventStore(EventStoreContract, InMemoryEventStoreFixtures):
    pass


class TestInMemoryUpcasting(UpcastingContract, InMemoryEventStoreFixtures):
    pass
