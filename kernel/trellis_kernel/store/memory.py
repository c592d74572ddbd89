"""An event store in the process's memory, for tests where I/O is not the point.

It keeps the PostgreSQL store's promises (the same contract suite runs against both, see
trellis_kernel.testing.store_contract): optimistic concurrency, atomic batches, the same
refusals (InvalidValue, DuplicateEvent, StaleTransaction), transactions a caller opens on a
MemoryConnection and appends join, and a gap-safe global order. Like PostgreSQL, a transaction
takes its id at its first write, readers of the global order see only events of transactions
older than every transaction still open, and a writer waits for an open transaction that wrote
to the same stream to end before deciding whether it conflicts. It does not detect deadlocks
(two transactions each waiting for a stream the other wrote), and inline projections, which
are SQL, need PostgreSQL.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import math
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from uuid import UUID

from trellis_kernel.metadata import EventMetadata
from trellis_kernel.store.errors import (
    ConcurrencyConflict,
    DuplicateEvent,
    Expected,
    StaleTransaction,
)
from trellis_kernel.store.records import NewEvent, Position, StoredEvent
from trellis_kernel.store.upcasting import Upcasters
from trellis_kernel.store.validation import (
    DEFAULT_LIMITS,
    StoreLimits,
    check_append,
    check_readable_stream_id,
    check_version,
)


@dataclass(frozen=True)
class _Row:
    event: StoredEvent  # as written: schema version and payload before upcasting
    payload_json: str

    @property
    def order(self) -> tuple[int, int]:
        return (self.event.position.transaction_id, self.event.position.global_position)


class _Transaction:
    def __init__(self) -> None:
        self.transaction_id: int | None = None
        self.rows: list[_Row] = []
        self.streams: set[str] = set()
        self.ended = asyncio.Event()


class MemoryConnection:
    """What InMemoryEventStore takes as ``connection``: like an asyncpg connection, it has
    ``transaction()`` and ``is_in_transaction()``, and store calls given it join its transaction."""

    def __init__(self, store: InMemoryEventStore) -> None:
        self._store = store
        self._transaction: _Transaction | None = None
        self._savepoints: list[int] = []

    def is_in_transaction(self) -> bool:
        return self._transaction is not None

    def transaction(self) -> MemoryTransaction:
        """A transaction (or, inside one, a savepoint): ``async with``, or start/commit/rollback."""
        return MemoryTransaction(self)

    async def take_transaction_id(self) -> int:
        """What a first write does: give the open transaction its id (a consumer's claim, say)."""
        if self._transaction is None:
            raise RuntimeError("no transaction is open on this connection")
        return self._store._take_id(self._transaction)


class MemoryTransaction:
    def __init__(self, connection: MemoryConnection) -> None:
        self._connection = connection
        self._nested = False
        self._started = False
        self._ended = False

    async def start(self) -> None:
        connection = self._connection
        if self._started:
            raise RuntimeError("this transaction was started already")
        self._started = True
        if connection._transaction is None:
            connection._transaction = _Transaction()
        else:
            self._nested = True
            connection._savepoints.append(len(connection._transaction.rows))

    def is_open(self) -> bool:
        return self._started and not self._ended

    async def commit(self) -> None:
        self._end(commit=True)

    async def rollback(self) -> None:
        self._end(commit=False)

    def _end(self, *, commit: bool) -> None:
        self._ended = True
        connection = self._connection
        transaction = connection._transaction
        if transaction is None:
            raise RuntimeError("no transaction is open on this connection")
        if self._nested:
            kept = connection._savepoints.pop()
            if not commit:
                del transaction.rows[kept:]
            return
        connection._transaction = None
        connection._savepoints.clear()
        connection._store._end(transaction, commit=commit)

    async def __aenter__(self) -> MemoryTransaction:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._end(commit=exc_type is None)


class InMemoryEventStore:
    """Streams of events in memory; the same methods as EventStore (see EventStoreProtocol)."""

    def __init__(self, *, upcasters: Upcasters | None = None, limits: StoreLimits = DEFAULT_LIMITS) -> None:
        self._upcasters = upcasters or Upcasters()
        self.limits = limits
        self._streams: dict[str, list[_Row]] = {}
        self._log: list[_Row] = []  # committed rows in global order
        self._event_ids: set[UUID] = set()
        self._running: dict[int, _Transaction] = {}  # open transactions that took an id
        self._writers: dict[str, _Transaction] = {}  # open transaction that wrote each stream
        self._next_transaction_id = 1
        self._next_position = 1

    def connection(self) -> AbstractAsyncContextManager[MemoryConnection]:
        return self._connection()

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[MemoryConnection]:
        connection = MemoryConnection(self)
        try:
            yield connection
        finally:
            if connection._transaction is not None:  # like a connection released mid-transaction
                transaction, connection._transaction = connection._transaction, None
                self._end(transaction, commit=False)

    async def setup(self) -> None:
        """Nothing to create; here so that callers need not know which store they have."""

    async def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected: Expected,
        metadata: EventMetadata,
        connection: MemoryConnection | None = None,
        notify: bool = True,
    ) -> int:
        stored = await self.append_stored(
            stream_id, events, expected=expected, metadata=metadata, connection=connection
        )
        if stored:
            return stored[-1].version
        return await self.stream_version(stream_id, connection=connection)

    async def append_stored(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected: Expected,
        metadata: EventMetadata,
        connection: MemoryConnection | None = None,
        notify: bool = True,
    ) -> list[StoredEvent]:
        checked = check_append(stream_id, events, expected, metadata, self.limits)
        joined = connection._transaction if connection is not None else None
        transaction = joined or _Transaction()
        try:
            rows = await self._append(
                transaction, stream_id, events, expected, checked.expected_version, checked.payloads, metadata
            )
        except BaseException:
            if joined is None:
                self._end(transaction, commit=False)
            raise
        if joined is None:
            self._end(transaction, commit=True)
        return [self._read_row(row, upcast=False) for row in rows]

    async def _append(
        self,
        transaction: _Transaction,
        stream_id: str,
        events: Sequence[NewEvent],
        expected: Expected,
        expected_version: int | None,
        payloads: list[str],
        metadata: EventMetadata,
    ) -> list[_Row]:
        # Like PostgreSQL's unique key (or the stream's lock for ANY): wait for an open
        # transaction that wrote this stream to end, then decide on what it left.
        while (writer := self._writers.get(stream_id)) is not None and writer is not transaction:
            await writer.ended.wait()
        visible = self._visible_rows(stream_id, transaction)
        current = visible[-1].event.version if visible else 0
        if not events:
            if expected_version is not None and expected_version != current:
                raise ConcurrencyConflict(stream_id, expected, current)
            return []
        own_ids = {row.event.event_id for row in transaction.rows}
        stored_ids = [e.event_id for e in events if e.event_id in self._event_ids or e.event_id in own_ids]
        if stored_ids or len({e.event_id for e in events}) < len(events):
            raise DuplicateEvent(stream_id, stored_ids or [e.event_id for e in events])
        if expected_version is not None and expected_version != current:
            raise ConcurrencyConflict(stream_id, expected, current)
        transaction_id = self._take_id(transaction)
        if visible and visible[-1].event.position.transaction_id > transaction_id:
            raise StaleTransaction(stream_id, current)
        now = datetime.now(UTC)
        rows = []
        for offset, (event, payload_json) in enumerate(zip(events, payloads, strict=True), start=1):
            position = Position(transaction_id, self._next_position)
            self._next_position += 1
            stored = StoredEvent(
                event_id=event.event_id,
                stream_id=stream_id,
                version=current + offset,
                position=position,
                event_type=event.event_type,
                schema_version=event.schema_version,
                payload={},
                occurred_at=event.occurred_at or now,
                recorded_at=now,
                correlation_id=metadata.correlation_id,
                causation_id=metadata.causation_id,
                principal=metadata.principal,
                traceparent=metadata.traceparent,
            )
            rows.append(_Row(stored, payload_json))
        transaction.rows.extend(rows)
        transaction.streams.add(stream_id)
        self._writers[stream_id] = transaction
        return rows

    def _take_id(self, transaction: _Transaction) -> int:
        if transaction.transaction_id is None:
            transaction.transaction_id = self._next_transaction_id
            self._next_transaction_id += 1
            self._running[transaction.transaction_id] = transaction
        return transaction.transaction_id

    def _end(self, transaction: _Transaction, *, commit: bool) -> None:
        if commit:
            for row in transaction.rows:
                self._streams.setdefault(row.event.stream_id, []).append(row)
                bisect.insort(self._log, row, key=lambda r: r.order)
                self._event_ids.add(row.event.event_id)
        if transaction.transaction_id is not None:
            self._running.pop(transaction.transaction_id, None)
        for stream in transaction.streams:
            if self._writers.get(stream) is transaction:
                del self._writers[stream]
        transaction.rows = []
        transaction.ended.set()

    def _visible_rows(self, stream_id: str, transaction: _Transaction | None) -> list[_Row]:
        committed = self._streams.get(stream_id, [])
        if transaction is None or stream_id not in transaction.streams:
            return committed
        return committed + [row for row in transaction.rows if row.event.stream_id == stream_id]

    def _read_row(self, row: _Row, *, upcast: bool = True) -> StoredEvent:
        event = row.event
        payload = json.loads(row.payload_json)
        schema_version = event.schema_version
        if upcast and self._upcasters:
            schema_version, payload = self._upcasters.upcast(event.event_type, schema_version, payload)
        return replace(event, schema_version=schema_version, payload=payload)

    async def stream_version(self, stream_id: str, *, connection: MemoryConnection | None = None) -> int:
        check_readable_stream_id(stream_id)
        rows = self._visible_rows(stream_id, self._transaction_of(connection))
        return rows[-1].event.version if rows else 0

    async def read_stream(
        self, stream_id: str, from_version: int = 1, *, connection: MemoryConnection | None = None
    ) -> list[StoredEvent]:
        check_readable_stream_id(stream_id)
        check_version("from_version", from_version)
        rows = self._visible_rows(stream_id, self._transaction_of(connection))
        return [self._read_row(row) for row in rows if row.event.version >= from_version]

    async def read_all(
        self, after: Position, limit: int, *, connection: MemoryConnection | None = None
    ) -> list[StoredEvent]:
        """Like EventStore.read_all: only events of transactions older than every open one."""
        horizon = min(self._running, default=math.inf)
        return self._read_log(after, limit, lambda row: row.event.position.transaction_id < horizon)

    async def read_all_visible(
        self, after: Position, limit: int, *, connection: MemoryConnection | None = None
    ) -> list[StoredEvent]:
        """Every committed event after ``after``; NOT gap-safe (see EventStore.read_all_visible)."""
        return self._read_log(after, limit, lambda row: True)

    def _read_log(self, after: Position, limit: int, readable: Any) -> list[StoredEvent]:
        start = bisect.bisect_right(
            self._log, (after.transaction_id, after.global_position), key=lambda r: r.order
        )
        found: list[StoredEvent] = []
        for row in self._log[start:]:
            if len(found) >= limit or not readable(row):
                break
            found.append(self._read_row(row))
        return found

    def request_notification(self) -> None:
        """Nothing listens to an in-memory store."""

    async def flush_notifications(self) -> None:
        """Nothing to flush."""

    @staticmethod
    def _transaction_of(connection: MemoryConnection | None) -> _Transaction | None:
        return None if connection is None else connection._transaction
