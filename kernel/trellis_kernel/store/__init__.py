"""The event store: streams with optimistic concurrency and a gap-safe global order."""

from trellis_kernel.store.connections import Connection, Pool, create_pool
from trellis_kernel.store.event_store import (
    ConcurrencyConflict,
    DuplicateEvent,
    EventStore,
    Expected,
    ExpectedVersion,
)
from trellis_kernel.store.records import (
    EventMetadata,
    NewEvent,
    Position,
    StoredEvent,
    stream_category,
    stream_id,
)
from trellis_kernel.store.schema import NOTIFY_CHANNEL
from trellis_kernel.store.upcasting import Upcaster, Upcasters

__all__ = [
    "NOTIFY_CHANNEL",
    "ConcurrencyConflict",
    "Connection",
    "DuplicateEvent",
    "EventMetadata",
    "EventStore",
    "Expected",
    "ExpectedVersion",
    "NewEvent",
    "Pool",
    "Position",
    "StoredEvent",
    "Upcaster",
    "Upcasters",
    "create_pool",
    "stream_category",
    "stream_id",
]
