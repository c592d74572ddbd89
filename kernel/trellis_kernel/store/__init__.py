"""The event store: streams with optimistic concurrency and a gap-safe global order.

EventStore keeps them in PostgreSQL; InMemoryEventStore keeps them in the process, for tests
where I/O is not the point. Both pass the same contract (trellis_kernel.testing.store_contract).
"""

from trellis_kernel.metadata import EventMetadata
from trellis_kernel.store.connections import Connection, Pool, create_pool
from trellis_kernel.store.errors import (
    ConcurrencyConflict,
    DuplicateEvent,
    EventStoreError,
    Expected,
    ExpectedVersion,
    InvalidValue,
    StaleTransaction,
)
from trellis_kernel.store.event_store import EventStore, HistoryFilter
from trellis_kernel.store.memory import InMemoryEventStore, MemoryConnection
from trellis_kernel.store.protocol import EventStoreProtocol
from trellis_kernel.store.records import (
    NewEvent,
    Position,
    StoredEvent,
    organisation_stream_id,
    stream_category,
    stream_id,
    stream_subject,
)
from trellis_kernel.store.schema import NOTIFY_CHANNEL
from trellis_kernel.store.upcasting import Upcaster, Upcasters
from trellis_kernel.store.validation import StoreLimits

__all__ = [
    "NOTIFY_CHANNEL",
    "ConcurrencyConflict",
    "Connection",
    "DuplicateEvent",
    "EventMetadata",
    "EventStore",
    "EventStoreError",
    "EventStoreProtocol",
    "Expected",
    "ExpectedVersion",
    "HistoryFilter",
    "InMemoryEventStore",
    "InvalidValue",
    "MemoryConnection",
    "NewEvent",
    "Pool",
    "Position",
    "StaleTransaction",
    "StoreLimits",
    "StoredEvent",
    "Upcaster",
    "Upcasters",
    "create_pool",
    "organisation_stream_id",
    "stream_category",
    "stream_id",
    "stream_subject",
]
