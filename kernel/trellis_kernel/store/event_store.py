"""The PostgreSQL event store: append with optimistic concurrency, read a stream, read all.

See schema.py for how global order stays gap-safe while writers run in parallel.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

import asyncpg

from trellis_kernel.store import schema
from trellis_kernel.store.connections import Connection, Pool
from trellis_kernel.store.notifier import DEFAULT_INTERVAL, NOTIFY, BackgroundNotifier
from trellis_kernel.store.records import EventMetadata, NewEvent, Position, StoredEvent
from trellis_kernel.store.upcasting import Upcasters


class ExpectedVersion(enum.Enum):
    """What a writer expects of a stream besides an exact version number.

    append(expected=...) takes an int (the stream's current version, 0 for a new stream),
    ExpectedVersion.NO_STREAM (same as 0) or ExpectedVersion.ANY (no check).
    """

    ANY = "any"
    NO_STREAM = "no_stream"


Expected = int | ExpectedVersion


class ConcurrencyConflict(Exception):
    """The stream was not at the version the writer expected; nothing was stored."""

    def __init__(self, stream_id: str, expected: Expected, current_version: int) -> None:
        shown = expected.value if isinstance(expected, ExpectedVersion) else expected
        super().__init__(f"stream {stream_id!r} is at version {current_version}, the writer expected {shown}")
        self.stream_id = stream_id
        self.expected = expected
        self.current_version = current_version


class DuplicateEvent(Exception):
    """An event with this id is stored already (a retried command?); nothing was stored."""

    def __init__(self, stream_id: str, detail: str | None) -> None:
        super().__init__(f"duplicate event id appending to {stream_id!r}: {detail}")
        self.stream_id = stream_id


_ANY_RETRIES: Final = 20

_COLUMNS: Final = """
    event_id, stream_id, version, transaction_id::text::bigint AS transaction_id,
    global_position, event_type, schema_version, payload::text AS payload, occurred_at,
    recorded_at, correlation_id, causation_id, principal, traceparent
"""

_INSERT_INTO_EVENTS: Final = """
INSERT INTO events (event_id, stream_id, version, event_type, schema_version, payload,
                    occurred_at, correlation_id, causation_id, principal, traceparent)
"""
_RETURNING: Final = """
RETURNING version, global_position, transaction_id::text::bigint AS transaction_id, recorded_at
"""
_UNNEST_EVENTS: Final = """
unnest($3::uuid[], $4::text[], $5::integer[], $6::text[], $7::timestamptz[])
    WITH ORDINALITY AS e(event_id, event_type, schema_version, payload, occurred_at, ordinal)
"""

# Each append is one statement, so one round trip for a whole batch, committed on its own unless
# it joins the caller's transaction. With an exact expected version ($2) the unique key
# (stream_id, version) rejects a stale expectation, concurrent writers included, and the EXISTS
# rejects one beyond the end of the stream (which would otherwise leave a gap); both cost an
# index probe. No rows inserted means the stream was not at $2.
_STREAM_IS_AT_EXPECTED: Final = (
    "($2::integer = 0 OR EXISTS (SELECT FROM events WHERE stream_id = $1 AND version = $2::integer))"
)

_APPEND_ONE: Final = f"""
{_INSERT_INTO_EVENTS}
SELECT $3::uuid, $1::text, $2::integer + 1, $4::text, $5::integer, $6::text::jsonb,
       $7::timestamptz, $8::uuid, $9::uuid, $10::text, $11::text
WHERE {_STREAM_IS_AT_EXPECTED}
{_RETURNING}
"""

_APPEND_MANY: Final = f"""
{_INSERT_INTO_EVENTS}
SELECT e.event_id, $1::text, $2::integer + e.ordinal::integer, e.event_type, e.schema_version,
       e.payload::jsonb, e.occurred_at, $8::uuid, $9::uuid, $10::text, $11::text
FROM {_UNNEST_EVENTS}
WHERE {_STREAM_IS_AT_EXPECTED}
ORDER BY e.ordinal
{_RETURNING}
"""

# ExpectedVersion.ANY: append after whatever the stream holds; a concurrent writer taking the
# same version makes the unique key fail and the store retries. ($2 is always NULL here.)
_APPEND_ANY: Final = f"""
{_INSERT_INTO_EVENTS}
SELECT e.event_id, $1::text, current.version + e.ordinal::integer, e.event_type,
       e.schema_version, e.payload::jsonb, e.occurred_at, $8::uuid, $9::uuid, $10::text, $11::text
FROM (SELECT coalesce(max(version), 0) AS version FROM events WHERE stream_id = $1) AS current,
     {_UNNEST_EVENTS}
WHERE $2::integer IS NULL
ORDER BY e.ordinal
{_RETURNING}
"""

_READ_STREAM: Final = f"""
SELECT {_COLUMNS} FROM events WHERE stream_id = $1 AND version >= $2 ORDER BY version
"""

_STREAM_VERSION: Final = "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1"

_READ_ALL: Final = f"""
SELECT {_COLUMNS} FROM events
WHERE (transaction_id, global_position) > ($1::bigint::text::xid8, $2::bigint)
  AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY events.transaction_id, events.global_position  -- the columns, not the aliases
LIMIT $3
"""

# Not gap-safe: rows of transactions still running may later appear below what this returns.
_READ_ALL_VISIBLE: Final = f"""
SELECT {_COLUMNS} FROM events
WHERE (transaction_id, global_position) > ($1::bigint::text::xid8, $2::bigint)
ORDER BY events.transaction_id, events.global_position  -- the columns, not the aliases
LIMIT $3
"""

_SETUP_LOCK: Final = "SELECT pg_advisory_xact_lock(hashtext('trellis_kernel.store.setup'))"


class EventStore:
    """Streams of events in one PostgreSQL database (one per service)."""

    def __init__(
        self,
        pool: Pool,
        *,
        upcasters: Upcasters | None = None,
        notify_interval: float = DEFAULT_INTERVAL,
    ) -> None:
        """`pool`: ideally from trellis_kernel.store.create_pool (no reset query per release).

        `notify_interval`: the shortest time between two NOTIFYs this store sends (seconds).
        """
        self._pool = pool
        self._upcasters = upcasters or Upcasters()
        self._notifier = BackgroundNotifier(pool, interval=notify_interval)

    @property
    def pool(self) -> Pool:
        return self._pool

    async def setup(self) -> None:
        """Create the tables and indexes if missing; safe to call from many processes."""
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(_SETUP_LOCK)
            for statement in schema.STATEMENTS:
                await connection.execute(statement)

    async def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected: Expected,
        metadata: EventMetadata,
        connection: Connection | None = None,
        notify: bool = True,
    ) -> int:
        """Append events to a stream atomically and return the stream's new version.

        Raises ConcurrencyConflict (nothing stored) when the stream is not at `expected`.
        With `connection`, the append joins that connection's transaction, if one is open;
        then listeners are notified when it commits, unless `notify` is False, in which case
        the caller calls request_notification() once it has committed (cheaper under load).
        """
        stored = await self.append_stored(
            stream_id,
            events,
            expected=expected,
            metadata=metadata,
            connection=connection,
            notify=notify,
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
        connection: Connection | None = None,
        notify: bool = True,
    ) -> list[StoredEvent]:
        """Like append(), but returns the events as stored (for inline projections)."""
        expected_version = _expected_version(expected)
        if not events:
            if expected_version is not None:
                current = await self.stream_version(stream_id, connection=connection)
                if current != expected_version:
                    raise ConcurrencyConflict(stream_id, expected, current)
            return []
        now = datetime.now(UTC)
        occurred = [event.occurred_at or now for event in events]
        payloads = [json.dumps(event.payload, separators=(",", ":")) for event in events]
        if expected_version is None:
            statement = _APPEND_ANY
        elif len(events) == 1:
            statement = _APPEND_ONE
        else:
            statement = _APPEND_MANY
        if statement is _APPEND_ONE:
            (event,) = events
            per_event: tuple[Any, ...] = (
                event.event_id,
                event.event_type,
                event.schema_version,
                payloads[0],
                occurred[0],
            )
        else:
            per_event = (
                [event.event_id for event in events],
                [event.event_type for event in events],
                [event.schema_version for event in events],
                payloads,
                occurred,
            )
        arguments = (
            stream_id,
            expected_version,
            *per_event,
            metadata.correlation_id,
            metadata.causation_id,
            metadata.principal,
            metadata.traceparent,
        )
        if connection is None:
            async with self._pool.acquire() as own_connection:
                rows = await self._insert(own_connection, statement, stream_id, expected, arguments)
            self._notifier.request()
        elif connection.is_in_transaction():
            rows = await self._insert(connection, statement, stream_id, expected, arguments)
            if notify:
                # Delivered when the caller commits; holds the notify lock through that commit.
                await connection.execute(NOTIFY)
        else:
            rows = await self._insert(connection, statement, stream_id, expected, arguments)
            self._notifier.request()
        return [
            StoredEvent(
                event_id=event.event_id,
                stream_id=stream_id,
                version=row["version"],
                position=Position(row["transaction_id"], row["global_position"]),
                event_type=event.event_type,
                schema_version=event.schema_version,
                payload=event.payload,
                occurred_at=occurred_at,
                recorded_at=row["recorded_at"],
                correlation_id=metadata.correlation_id,
                causation_id=metadata.causation_id,
                principal=metadata.principal,
                traceparent=metadata.traceparent,
            )
            for event, occurred_at, row in zip(events, occurred, rows, strict=True)
        ]

    async def _insert(
        self,
        connection: Connection,
        statement: str,
        stream_id: str,
        expected: Expected,
        arguments: tuple[Any, ...],
    ) -> list[asyncpg.Record]:
        """Run an append statement; retry unique races only when the writer expects ANY."""
        for _ in range(_ANY_RETRIES):
            try:
                if expected is ExpectedVersion.ANY and connection.is_in_transaction():
                    # A savepoint, so that losing a race does not abort the caller's transaction.
                    async with connection.transaction():
                        rows = await connection.fetch(statement, *arguments)
                else:
                    rows = await connection.fetch(statement, *arguments)
            except asyncpg.UniqueViolationError as error:
                if error.constraint_name == schema.EVENT_ID_CONSTRAINT:
                    raise DuplicateEvent(stream_id, error.detail) from error
                if expected is ExpectedVersion.ANY:
                    continue
                # The caller's transaction may be aborted now: ask on another connection.
                current = await self.stream_version(stream_id)
                raise ConcurrencyConflict(stream_id, expected, current) from error
            if not rows:  # the stream is short of the expected version
                current = await self.stream_version(stream_id, connection=connection)
                raise ConcurrencyConflict(stream_id, expected, current)
            return sorted(rows, key=lambda row: row["version"]) if len(rows) > 1 else rows
        raise ConcurrencyConflict(
            stream_id, expected, await self.stream_version(stream_id, connection=connection)
        )

    async def stream_version(self, stream_id: str, *, connection: Connection | None = None) -> int:
        """The stream's current version; 0 when it has no events."""
        version: int
        if connection is None:
            version = await self._pool.fetchval(_STREAM_VERSION, stream_id)
        else:
            version = await connection.fetchval(_STREAM_VERSION, stream_id)
        return version

    async def read_stream(
        self,
        stream_id: str,
        from_version: int = 1,
        *,
        connection: Connection | None = None,
    ) -> list[StoredEvent]:
        """The stream's events from `from_version` on, in version order."""
        if connection is None:
            rows = await self._pool.fetch(_READ_STREAM, stream_id, from_version)
        else:
            rows = await connection.fetch(_READ_STREAM, stream_id, from_version)
        return [self._decode(row) for row in rows]

    async def read_all(
        self,
        after: Position,
        limit: int,
        *,
        connection: Connection | None = None,
    ) -> list[StoredEvent]:
        """Up to `limit` events after `after` in global order, never skipping one.

        Only events of transactions older than every transaction still running are returned,
        so an event that commits late can never land behind a checkpoint taken from this.
        """
        return await self._read(_READ_ALL, after, limit, connection)

    async def read_all_visible(
        self,
        after: Position,
        limit: int,
        *,
        connection: Connection,
    ) -> list[StoredEvent]:
        """Every committed event after `after` that the connection can see. NOT gap-safe.

        Only for a caller that has made sure no transaction still running can add an event it
        cares about below the result (projection rebuild, holding the projection's tables).
        """
        return await self._read(_READ_ALL_VISIBLE, after, limit, connection)

    async def _read(
        self,
        query: str,
        after: Position,
        limit: int,
        connection: Connection | None,
    ) -> list[StoredEvent]:
        arguments = (after.transaction_id, after.global_position, limit)
        if connection is None:
            rows = await self._pool.fetch(query, *arguments)
        else:
            rows = await connection.fetch(query, *arguments)
        return [self._decode(row) for row in rows]

    def request_notification(self) -> None:
        """Notify listeners soon, in the background (after committing an append made with
        notify=False)."""
        self._notifier.request()

    async def flush_notifications(self) -> None:
        """Wait until the notifications of finished appends have been sent (before closing)."""
        await self._notifier.flush()

    def _decode(self, row: asyncpg.Record) -> StoredEvent:
        # Positional, in _COLUMNS order: reads whole streams, so this runs for every row.
        (
            event_id,
            stream,
            version,
            transaction_id,
            global_position,
            event_type,
            schema_version,
            payload_json,
            occurred_at,
            recorded_at,
            correlation_id,
            causation_id,
            principal,
            traceparent,
        ) = row
        payload = json.loads(payload_json)
        if self._upcasters:
            schema_version, payload = self._upcasters.upcast(event_type, schema_version, payload)
        return StoredEvent(
            event_id,
            stream,
            version,
            Position(transaction_id, global_position),
            event_type,
            schema_version,
            payload,
            occurred_at,
            recorded_at,
            correlation_id,
            causation_id,
            principal,
            traceparent,
        )


def _expected_version(expected: Expected) -> int | None:
    if expected is ExpectedVersion.ANY:
        return None
    if expected is ExpectedVersion.NO_STREAM:
        return 0
    if isinstance(expected, bool) or not isinstance(expected, int) or expected < 0:
        raise ValueError(f"expected version must be ANY, NO_STREAM or an int >= 0: {expected!r}")
    return expected
