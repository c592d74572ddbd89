"""The PostgreSQL event store: append with optimistic concurrency, read a stream, read all.

See schema.py for how global order stays gap-safe while writers run in parallel, and
validation.py for what an append is refused with before it reaches PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import asyncpg

from trellis_kernel.metadata import EventMetadata
from trellis_kernel.store import schema
from trellis_kernel.store.connections import Connection, Pool
from trellis_kernel.store.errors import (
    ConcurrencyConflict,
    DuplicateEvent,
    Expected,
    ExpectedVersion,
    StaleTransaction,
)
from trellis_kernel.store.notifier import DEFAULT_INTERVAL, NOTIFY, BackgroundNotifier
from trellis_kernel.store.records import NewEvent, Position, StoredEvent
from trellis_kernel.store.upcasting import Upcasters
from trellis_kernel.store.validation import (
    DEFAULT_LIMITS,
    StoreLimits,
    check_append,
    check_readable_stream_id,
    check_version,
)

__all__ = [
    "ConcurrencyConflict",
    "DuplicateEvent",
    "EventStore",
    "Expected",
    "ExpectedVersion",
    "HistoryFilter",
    "StaleTransaction",
]

_ANY_RETRIES: Final = 100

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
# index probe. No rows inserted means the stream was not at $2, or (see StaleTransaction) the
# writing transaction took its id before the one that committed version $2: global order is by
# transaction id, so version $2 + 1 may only be written under an id at least as new as $2's.
_STREAM_IS_AT_EXPECTED: Final = """(
    $2::integer = 0 OR EXISTS (
        SELECT FROM events
        WHERE stream_id = $1 AND version = $2::integer AND transaction_id <= pg_current_xact_id()
    )
)"""

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

# ExpectedVersion.ANY: append after whatever the stream holds ($2 is always NULL here). Outside a
# transaction a concurrent writer taking the same version makes the unique key fail and the
# store retries; inside one, the stream's advisory lock (taken first) serialises ANY writers.
_APPEND_ANY: Final = f"""
WITH previous AS (
    SELECT version, transaction_id FROM events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1
)
{_INSERT_INTO_EVENTS}
SELECT e.event_id, $1::text, coalesce((SELECT version FROM previous), 0) + e.ordinal::integer,
       e.event_type, e.schema_version, e.payload::jsonb, e.occurred_at, $8::uuid, $9::uuid,
       $10::text, $11::text
FROM {_UNNEST_EVENTS}
WHERE $2::integer IS NULL
  AND NOT EXISTS (SELECT FROM previous WHERE transaction_id > pg_current_xact_id())
ORDER BY e.ordinal
{_RETURNING}
"""

# Why an append stored nothing: the stream's version, whether the version the append would
# follow ($2, else the last) was committed under a newer transaction id than the writer's, and
# which of the event ids ($3) are stored already. pg_current_xact_id_if_assigned() is NULL in a
# statement of its own, which can never be too early.
_DIAGNOSE: Final = """
SELECT
    (SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1) AS current_version,
    coalesce((
        SELECT transaction_id > pg_current_xact_id_if_assigned() FROM events
        WHERE stream_id = $1
          AND version = coalesce($2::integer, (SELECT max(version) FROM events WHERE stream_id = $1))
    ), false) AS written_too_early,
    ARRAY(SELECT event_id FROM events WHERE event_id = ANY($3::uuid[])) AS stored_ids
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

# A replay of history (backfill): events between two positions, optionally filtered. The upper
# bound is a position below the read horizon taken when the replay started, so every event
# below it has committed (or never will): the range is final and gap-free.
_READ_HISTORY: Final = f"""
SELECT {_COLUMNS} FROM events
WHERE (transaction_id, global_position) > ($1::bigint::text::xid8, $2::bigint)
  AND (transaction_id, global_position) < ($3::bigint::text::xid8, $4::bigint)
  AND ($5::timestamptz IS NULL OR occurred_at >= $5::timestamptz)
  AND ($6::text[] IS NULL OR event_type = ANY($6::text[]))
  AND ($7::text IS NULL OR payload->>'organisation_id' = $7::text)
ORDER BY events.transaction_id, events.global_position  -- the columns, not the aliases
LIMIT $8
"""

_COUNT_HISTORY: Final = """
SELECT count(*) FROM events
WHERE (transaction_id, global_position) > ($1::bigint::text::xid8, $2::bigint)
  AND (transaction_id, global_position) < ($3::bigint::text::xid8, $4::bigint)
  AND ($5::timestamptz IS NULL OR occurred_at >= $5::timestamptz)
  AND ($6::text[] IS NULL OR event_type = ANY($6::text[]))
  AND ($7::text IS NULL OR payload->>'organisation_id' = $7::text)
"""

# Events of one organisation with a value anywhere in their payload (a person's id, for an
# access request): a scan of the organisation's events, which is acceptable for rare requests.
_READ_NAMING: Final = f"""
SELECT {_COLUMNS} FROM events
WHERE payload->>'organisation_id' = $1::text
  AND jsonb_path_exists(payload, '$.** ? (@ == $value)', jsonb_build_object('value', $2::text))
  AND (transaction_id, global_position) > ($3::bigint::text::xid8, $4::bigint)
ORDER BY events.transaction_id, events.global_position  -- the columns, not the aliases
LIMIT $5
"""

_HORIZON: Final = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
_FRONTIER: Final = "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"

_SETUP_LOCK: Final = "SELECT pg_advisory_xact_lock(hashtext('trellis_kernel.store.setup'))"

# Advisory locks of ExpectedVersion.ANY appends inside a transaction: (class, hash of the stream).
# The two-key form never collides with the one-key locks of the relay and the projections.
_STREAM_LOCK_CLASS: Final = 0x74726C73  # "trls"
_SAVEPOINT: Final = "trellis_append_any"


def _stream_lock(stream_id: str) -> str:
    """The statement taking the stream's advisory lock until the transaction ends (no
    parameters, so that it can share a round trip with another statement)."""
    digest = hashlib.blake2b(stream_id.encode(), digest_size=4).digest()
    key = int.from_bytes(digest, "big", signed=True)
    return f"SELECT pg_advisory_xact_lock({_STREAM_LOCK_CLASS}, {key})"


class EventStore:
    """Streams of events in one PostgreSQL database (one per service)."""

    def __init__(
        self,
        pool: Pool,
        *,
        upcasters: Upcasters | None = None,
        notify_interval: float = DEFAULT_INTERVAL,
        limits: StoreLimits = DEFAULT_LIMITS,
    ) -> None:
        """`pool`: ideally from trellis_kernel.store.create_pool (no reset query per release).

        `notify_interval`: the shortest time between two NOTIFYs this store sends (seconds).
        `limits`: what an append may hold at most (the payload's JSON size).
        """
        self._pool = pool
        self._upcasters = upcasters or Upcasters()
        self._notifier = BackgroundNotifier(pool, interval=notify_interval)
        self.limits = limits

    @property
    def pool(self) -> Pool:
        return self._pool

    def connection(self) -> AbstractAsyncContextManager[Connection]:
        """A connection of the store's pool for the duration of an ``async with``."""
        return self._pool.acquire()

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

        Raises, with nothing stored: ConcurrencyConflict when the stream is not at `expected`;
        DuplicateEvent when an event id is stored already; InvalidValue (before PostgreSQL is
        asked) for anything that cannot be stored or published; StaleTransaction when the
        caller's transaction started writing before the stream's last version was committed by
        a newer one (roll back, retry in a fresh transaction).
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
        checked = check_append(stream_id, events, expected, metadata, self.limits)
        if not events:
            if checked.expected_version is not None:
                current = await self.stream_version(stream_id, connection=connection)
                if current != checked.expected_version:
                    raise ConcurrencyConflict(stream_id, expected, current)
            return []
        now = datetime.now(UTC)
        occurred = [event.occurred_at or now for event in events]
        if checked.expected_version is None:
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
                checked.payloads[0],
                occurred[0],
            )
        else:
            per_event = (
                [event.event_id for event in events],
                [event.event_type for event in events],
                [event.schema_version for event in events],
                checked.payloads,
                occurred,
            )
        arguments = (
            stream_id,
            checked.expected_version,
            *per_event,
            metadata.correlation_id,
            metadata.causation_id,
            metadata.principal,
            metadata.traceparent,
        )
        append = _Append(stream_id, expected, checked.expected_version, events, statement, arguments)
        if connection is None:
            async with self._pool.acquire() as own_connection:
                rows = await self._write(own_connection, append)
            self._notifier.request()
        elif connection.is_in_transaction():
            rows = await self._write(connection, append)
            if notify:
                # Delivered when the caller commits; holds the notify lock through that commit.
                await connection.execute(NOTIFY)
        else:
            rows = await self._write(connection, append)
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

    async def _write(self, connection: Connection, append: _Append) -> list[asyncpg.Record]:
        if append.expected_version is not None:
            return await self._write_once(connection, append)
        if connection.is_in_transaction():
            return await self._write_any_in_callers_transaction(connection, append)
        try:
            return await self._write_once(connection, append)
        except _LostRace:
            pass
        # Contended: retry in a transaction of our own holding the stream's lock, so that no other
        # ANY writer can take the version again (only a writer expecting an exact version could).
        # A fresh transaction takes its id after the lock, so it is never too early for the stream.
        for _ in range(_ANY_RETRIES):
            try:
                async with connection.transaction():
                    await connection.execute(_stream_lock(append.stream_id))
                    return await self._write_once(connection, append)
            except _LostRace:
                continue
        raise ConcurrencyConflict(
            append.stream_id, append.expected, await self.stream_version(append.stream_id)
        )

    async def _write_any_in_callers_transaction(
        self, connection: Connection, append: _Append
    ) -> list[asyncpg.Record]:
        """Hold the stream's advisory lock until the caller's transaction ends, so that concurrent
        ANY writers take turns instead of racing for the next version. The lock is taken in a
        statement before the insert, so that the insert's snapshot sees what the previous holder
        committed; and in a savepoint, so that losing a race to an exact-version writer keeps the
        caller's transaction usable."""
        lock = f"SAVEPOINT {_SAVEPOINT}; {_stream_lock(append.stream_id)}"
        for _ in range(_ANY_RETRIES):
            await connection.execute(lock)
            try:
                rows = await connection.fetch(append.statement, *append.arguments)
            except asyncpg.UniqueViolationError as error:
                await connection.execute(
                    f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}; RELEASE SAVEPOINT {_SAVEPOINT}"
                )
                await self._raise_unless_lost_race(connection, append, error)
                continue
            await connection.execute(f"RELEASE SAVEPOINT {_SAVEPOINT}")
            if not rows:
                await self._raise_why_nothing_was_stored(connection, append)
            return rows
        raise ConcurrencyConflict(
            append.stream_id, append.expected, await self.stream_version(append.stream_id)
        )

    async def _write_once(self, connection: Connection, append: _Append) -> list[asyncpg.Record]:
        """Run the append statement once; raise _LostRace when an ANY writer should try again."""
        try:
            rows = await connection.fetch(append.statement, *append.arguments)
        except asyncpg.UniqueViolationError as error:
            # The caller's transaction is aborted now: ask on another connection.
            asking = None if connection.is_in_transaction() else connection
            await self._raise_unless_lost_race(asking, append, error)
            raise _LostRace() from error
        if not rows:
            await self._raise_why_nothing_was_stored(connection, append)
        return sorted(rows, key=lambda row: row["version"]) if len(rows) > 1 else rows

    async def _raise_unless_lost_race(
        self, connection: Connection | None, append: _Append, error: asyncpg.UniqueViolationError
    ) -> None:
        """After a unique violation: DuplicateEvent, ConcurrencyConflict, or return (an ANY
        writer lost a race for the next version and may try again)."""
        diagnosis = await self._diagnose(connection, append)
        if diagnosis["stored_ids"] or error.constraint_name == schema.EVENT_ID_CONSTRAINT:
            raise DuplicateEvent(append.stream_id, diagnosis["stored_ids"], error.detail) from error
        if append.expected_version is None:
            return
        raise ConcurrencyConflict(append.stream_id, append.expected, diagnosis["current_version"]) from error

    async def _raise_why_nothing_was_stored(self, connection: Connection, append: _Append) -> None:
        diagnosis = await self._diagnose(connection, append)
        if diagnosis["stored_ids"]:
            raise DuplicateEvent(append.stream_id, diagnosis["stored_ids"])
        if diagnosis["written_too_early"]:
            base = append.expected_version
            raise StaleTransaction(append.stream_id, diagnosis["current_version"] if base is None else base)
        raise ConcurrencyConflict(append.stream_id, append.expected, diagnosis["current_version"])

    async def _diagnose(self, connection: Connection | None, append: _Append) -> asyncpg.Record:
        arguments = (append.stream_id, append.expected_version, [e.event_id for e in append.events])
        row: asyncpg.Record | None
        if connection is None:
            row = await self._pool.fetchrow(_DIAGNOSE, *arguments)
        else:
            row = await connection.fetchrow(_DIAGNOSE, *arguments)
        assert row is not None
        return row

    async def stream_version(self, stream_id: str, *, connection: Connection | None = None) -> int:
        """The stream's current version; 0 when it has no events."""
        check_readable_stream_id(stream_id)
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
        check_readable_stream_id(stream_id)
        check_version("from_version", from_version)
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
        Each stream's events come in version order (appends refuse to break it, see
        StaleTransaction).
        """
        return await self._read(_READ_ALL, after, limit, connection)

    async def horizon(self, *, connection: Connection | None = None) -> Position:
        """A position every committed event below which is final: no transaction still running can
        add an event under it (the oldest running transaction's id, position 0)."""
        xmin: int
        if connection is None:
            xmin = await self._pool.fetchval(_HORIZON)
        else:
            xmin = await connection.fetchval(_HORIZON)
        return Position(xmin, 0)

    async def frontier(self, *, connection: Connection | None = None) -> Position:
        """A position above every event stored or being stored now (the next transaction id,
        position 0): the end of "the history up to now". Events below it are final only once
        horizon() has passed it."""
        xmax: int
        if connection is None:
            xmax = await self._pool.fetchval(_FRONTIER)
        else:
            xmax = await connection.fetchval(_FRONTIER)
        return Position(xmax, 0)

    async def read_history(
        self,
        after: Position,
        before: Position,
        limit: int,
        *,
        history: HistoryFilter | None = None,
        connection: Connection | None = None,
    ) -> list[StoredEvent]:
        """Up to ``limit`` events strictly between two positions in global order, the ones
        ``history`` selects (a replay of a service's past). Gap-safe only while ``before`` is at
        most horizon()."""
        arguments = (*_range(after, before, history), limit)
        if connection is None:
            rows = await self._pool.fetch(_READ_HISTORY, *arguments)
        else:
            rows = await connection.fetch(_READ_HISTORY, *arguments)
        return [self._decode(row) for row in rows]

    async def count_history(
        self,
        after: Position,
        before: Position,
        *,
        history: HistoryFilter | None = None,
        connection: Connection | None = None,
    ) -> int:
        """How many events read_history would return between the two positions, all batches."""
        arguments = _range(after, before, history)
        count: int
        if connection is None:
            count = await self._pool.fetchval(_COUNT_HISTORY, *arguments)
        else:
            count = await connection.fetchval(_COUNT_HISTORY, *arguments)
        return count

    async def read_naming(
        self,
        organisation_id: str,
        value: str,
        after: Position,
        limit: int,
        *,
        connection: Connection | None = None,
    ) -> list[StoredEvent]:
        """Up to ``limit`` committed events of the organisation, after ``after`` in global order,
        whose payload holds the string ``value`` in any field at any depth (every event that names
        a person by id, say). A scan of the organisation's events: for rare requests, such as a
        person's request for a copy of their data. Not gap-safe (a snapshot of what has
        committed)."""
        arguments = (organisation_id, value, after.transaction_id, after.global_position, limit)
        if connection is None:
            rows = await self._pool.fetch(_READ_NAMING, *arguments)
        else:
            rows = await connection.fetch(_READ_NAMING, *arguments)
        return [self._decode(row) for row in rows]

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


@dataclass(frozen=True)
class HistoryFilter:
    """Which stored events a replay takes: occurred at or after ``since``, of one of
    ``event_types``, of one organisation (the ``organisation_id`` every Trellis event payload
    names); None means no restriction."""

    since: datetime | None = None
    event_types: frozenset[str] | None = None
    organisation_id: str | None = None


def _range(after: Position, before: Position, history: HistoryFilter | None) -> tuple[Any, ...]:
    selected = history or HistoryFilter()
    return (
        after.transaction_id,
        after.global_position,
        before.transaction_id,
        before.global_position,
        selected.since,
        None if selected.event_types is None else sorted(selected.event_types),
        selected.organisation_id,
    )


class _LostRace(Exception):
    """An ANY writer's version was taken by a concurrent writer: try again."""


class _Append:
    __slots__ = ("arguments", "events", "expected", "expected_version", "statement", "stream_id")

    def __init__(
        self,
        stream_id: str,
        expected: Expected,
        expected_version: int | None,
        events: Sequence[NewEvent],
        statement: str,
        arguments: tuple[Any, ...],
    ) -> None:
        self.stream_id = stream_id
        self.expected = expected
        self.expected_version = expected_version
        self.events = events
        self.statement = statement
        self.arguments = arguments
