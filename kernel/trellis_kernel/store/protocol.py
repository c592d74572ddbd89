"""What every event store offers (EventStore on PostgreSQL, InMemoryEventStore in the process).

Code that only appends and reads (a command handler, a test of one) takes an EventStoreProtocol.
``connection`` arguments are the store's own kind: an asyncpg connection for EventStore, a
MemoryConnection for InMemoryEventStore; take one with ``async with store.connection()``. Both
kinds have ``transaction()`` (an async context manager; nested, a savepoint) and
``is_in_transaction()``, and a store method given a connection inside a transaction joins it.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from trellis_kernel.metadata import EventMetadata
from trellis_kernel.store.errors import Expected
from trellis_kernel.store.records import NewEvent, Position, StoredEvent


class EventStoreProtocol(Protocol):
    def connection(self) -> AbstractAsyncContextManager[Any]:
        """A connection for the duration of an ``async with``."""
        ...

    async def setup(self) -> None: ...

    async def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected: Expected,
        metadata: EventMetadata,
        connection: Any = None,
        notify: bool = True,
    ) -> int: ...

    async def append_stored(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected: Expected,
        metadata: EventMetadata,
        connection: Any = None,
        notify: bool = True,
    ) -> list[StoredEvent]: ...

    async def stream_version(self, stream_id: str, *, connection: Any = None) -> int: ...

    async def read_stream(
        self, stream_id: str, from_version: int = 1, *, connection: Any = None
    ) -> list[StoredEvent]: ...

    async def read_all(self, after: Position, limit: int, *, connection: Any = None) -> list[StoredEvent]: ...

    def request_notification(self) -> None: ...

    async def flush_notifications(self) -> None: ...
