"""The event store's contract: what every service, relay, consumer and command handler relies on.

One suite, written against EventStoreProtocol only, run against every backend: a test module
subclasses EventStoreContract (and UpcastingContract) and gives the fixtures

- ``store``: the store under test (built with the ``upcasters`` fixture for UpcastingContract);
- ``backend``: a StoreBackend that opens transactions on it (PostgresBackend, InMemoryBackend).

    class TestPostgresEventStore(EventStoreContract):
        @pytest.fixture
        async def store(self, pool): ...
        @pytest.fixture
        async def backend(self, store, database_dsn): return PostgresBackend(database_dsn)

Needs pytest and pytest-asyncio (asyncio_mode = "auto"). Call
``pytest.register_assert_rewrite("trellis_kernel.testing")`` in a conftest.py for pytest's
assertion messages.
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID, uuid4

import asyncpg
import pytest

from trellis_kernel.metadata import EventMetadata
from trellis_kernel.store.errors import (
    ConcurrencyConflict,
    DuplicateEvent,
    ExpectedVersion,
    InvalidValue,
    StaleTransaction,
)
from trellis_kernel.store.memory import InMemoryEventStore, MemoryConnection, MemoryTransaction
from trellis_kernel.store.protocol import EventStoreProtocol
from trellis_kernel.store.records import NewEvent, Position, StoredEvent, stream_id
from trellis_kernel.store.upcasting import Upcasters
from trellis_kernel.store.validation import MAX_VERSION

ACTOR = EventMetadata(principal="user-ada")
GOAL_CREATED = "dev.trellis.goals.GoalCreated.v1"


def goal_stream() -> str:
    return stream_id("goal", uuid4())


def event(title: str = "master Photoshop", **extra: Any) -> NewEvent:
    return NewEvent(GOAL_CREATED, {"title": title, **extra})


def titles(events: list[StoredEvent]) -> list[str]:
    return [stored.payload["title"] for stored in events]


async def read_all_eventually(
    store: EventStoreProtocol,
    count: int,
    *,
    after: Position = Position.START,
    page: int = 100,
    patience_seconds: float = 15.0,
) -> list[StoredEvent]:
    """Read in pages from `after`, checkpointing like a relay, until `count` events arrived.

    read_all holds back events while any older transaction in the cluster is still open (other
    tests' included), so a correct store may answer "nothing yet": poll. One more read at the
    end must find nothing further.
    """
    collected: list[StoredEvent] = []
    deadline = asyncio.get_running_loop().time() + patience_seconds
    while len(collected) < count:
        batch = await store.read_all(after, page)
        assert len(batch) <= page
        if batch:
            collected.extend(batch)
            after = batch[-1].position
        elif asyncio.get_running_loop().time() > deadline:
            break
        else:
            await asyncio.sleep(0.01)
    assert len(collected) == count, f"read {len(collected)} events, expected {count}"
    assert await store.read_all(after, page) == []
    return collected


def assert_each_stream_in_version_order(events: list[StoredEvent]) -> dict[str, list[int]]:
    """Every stream's events appear as versions 1, 2, 3... in global order: none before its
    predecessor, none skipped, none twice. Returns the versions seen per stream."""
    versions: dict[str, list[int]] = defaultdict(list)
    for stored in events:
        versions[stored.stream_id].append(stored.version)
    broken = {s: v for s, v in versions.items() if v != list(range(1, len(v) + 1))}
    assert not broken, f"streams out of version order in the global read: {broken}"
    return versions


# --- opening transactions on a backend ---------------------------------------------------------


class OpenTransaction(Protocol):
    """A transaction a caller holds open; pass ``connection`` to the store to join it."""

    @property
    def connection(self) -> Any: ...

    async def take_transaction_id(self) -> None:
        """Write something first, as a consumer's processed-event claim does: from now on the
        transaction has its id."""
        ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class StoreBackend(Protocol):
    async def begin(self) -> OpenTransaction: ...

    async def close(self) -> None:
        """End every transaction still open (after a failed test)."""
        ...


class _PostgresTransaction:
    def __init__(self, connection: Any, transaction: Any) -> None:
        self.connection = connection
        self._transaction = transaction

    async def take_transaction_id(self) -> None:
        await self.connection.fetchval("SELECT pg_current_xact_id()")

    async def commit(self) -> None:
        try:
            await self._transaction.commit()
        finally:
            await self.connection.close()

    async def rollback(self) -> None:
        try:
            await self._transaction.rollback()
        finally:
            await self.connection.close()


class PostgresBackend:
    """Transactions on connections of their own (so that many can be open at once)."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._connections: list[Any] = []

    async def begin(self) -> OpenTransaction:
        connection = await asyncpg.connect(self._dsn)
        self._connections.append(connection)
        transaction = connection.transaction()
        await transaction.start()
        return _PostgresTransaction(connection, transaction)

    async def close(self) -> None:
        """End what a failed test left open: an open transaction holds every reader back."""
        for connection in self._connections:
            if not connection.is_closed():
                connection.terminate()
        self._connections.clear()


class _MemoryTransaction:
    def __init__(self, connection: MemoryConnection, transaction: MemoryTransaction) -> None:
        self.connection = connection
        self._transaction = transaction

    async def take_transaction_id(self) -> None:
        await self.connection.take_transaction_id()

    async def commit(self) -> None:
        await self._transaction.commit()

    async def rollback(self) -> None:
        await self._transaction.rollback()


class InMemoryBackend:
    def __init__(self, store: InMemoryEventStore) -> None:
        self._store = store
        self._open: list[MemoryTransaction] = []

    async def begin(self) -> OpenTransaction:
        connection = MemoryConnection(self._store)
        transaction = connection.transaction()
        await transaction.start()
        self._open.append(transaction)
        return _MemoryTransaction(connection, transaction)

    async def close(self) -> None:
        for transaction in self._open:
            if transaction.is_open():
                await transaction.rollback()
        self._open.clear()


class _Unusable:
    """A connection that fails on any use: what is refused before the driver never touches it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the store used the connection ({name}) before refusing the append")


UNUSABLE: Any = _Unusable()


def _bad_appends() -> list[tuple[str, str, list[NewEvent], Any, EventMetadata]]:
    """(what, stream, events, expected, metadata) the store must refuse with InvalidValue."""
    good_stream = goal_stream()
    ok = event()
    return [
        ("NUL in a payload string", good_stream, [event("Lead\u0000")], 0, ACTOR),
        ("NUL in a key", good_stream, [NewEvent(GOAL_CREATED, {"ti\u0000tle": "x"})], 0, ACTOR),
        ("lone surrogate in a payload", good_stream, [event("\ud800 lone")], 0, ACTOR),
        ("nested surrogate", good_stream, [event("ok", tags=["fine", {"deep": "\udfff"}])], 0, ACTOR),
        ("NaN in a payload", good_stream, [event("ok", score=float("nan"))], 0, ACTOR),
        ("payload not JSON", good_stream, [event("ok", when=object())], 0, ACTOR),
        ("payload not an object", good_stream, [NewEvent(GOAL_CREATED, ["a"])], 0, ACTOR),  # type: ignore[arg-type]
        ("payload over the size limit", good_stream, [event("x" * 1_000_001)], 0, ACTOR),
        ("NUL in a stream id", "goal-a\u0000b", [ok], 0, ACTOR),
        ("space in a stream id", "goal-a b", [ok], 0, ACTOR),
        ("control character in a stream id", "goal-a\tb", [ok], 0, ACTOR),
        ("e-mail address in a stream id", "goal-jane@example.com", [ok], 0, ACTOR),
        ("no id after the category", "goal-", [ok], 0, ACTOR),
        ("no category", "-goal_1", [ok], 0, ACTOR),
        ("no category separator", "goal_1", [ok], 0, ACTOR),
        ("stream id too long", "goal-" + "x" * 400, [ok], 0, ACTOR),
        ("not a CloudEvents type", good_stream, [NewEvent("GoalCreated", {})], 0, ACTOR),
        (
            "space in the event type",
            good_stream,
            [NewEvent("dev.trellis.goals.Goal Created.v1", {})],
            0,
            ACTOR,
        ),
        ("NUL in the principal", good_stream, [ok], 0, EventMetadata(principal="ada\u0000")),
        ("surrogate in the principal", good_stream, [ok], 0, EventMetadata(principal="\ud834")),
        ("empty principal", good_stream, [ok], 0, EventMetadata(principal="")),
        (
            "malformed traceparent",
            good_stream,
            [ok],
            0,
            EventMetadata(principal="p", traceparent="not-a-trace"),
        ),
        (
            "NUL in the traceparent",
            good_stream,
            [ok],
            0,
            EventMetadata(
                principal="p", traceparent="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0\u0000"
            ),
        ),
        (
            "correlation id not a UUID",
            good_stream,
            [ok],
            0,
            EventMetadata(principal="p", correlation_id="c-1"),  # type: ignore[arg-type]
        ),
        ("expected version out of range", good_stream, [ok], MAX_VERSION + 1, ACTOR),
        ("batch beyond the last version", good_stream, [ok, event()], MAX_VERSION - 1, ACTOR),
        ("negative expected version", good_stream, [ok], -1, ACTOR),
        ("expected version a bool", good_stream, [ok], True, ACTOR),
        ("schema version 0", good_stream, [NewEvent(GOAL_CREATED, {}, schema_version=0)], 0, ACTOR),
        (
            "schema version out of range",
            good_stream,
            [NewEvent(GOAL_CREATED, {}, schema_version=2**31)],
            0,
            ACTOR,
        ),
        (
            "occurred_at without a UTC offset",
            good_stream,
            [NewEvent(GOAL_CREATED, {}, occurred_at=datetime(2026, 1, 1))],
            0,
            ACTOR,
        ),
    ]


class EventStoreContract:
    """Tests need the fixtures `store` (EventStoreProtocol) and `backend` (StoreBackend)."""

    # --- optimistic concurrency -------------------------------------------------------------

    async def test_a_new_stream_is_appended_with_no_stream_and_versions_count_from_one(
        self, store: EventStoreProtocol
    ) -> None:
        stream = goal_stream()
        version = await store.append(
            stream, [event("a"), event("b")], expected=ExpectedVersion.NO_STREAM, metadata=ACTOR
        )
        assert version == 2
        stored = await store.read_stream(stream)
        assert [e.version for e in stored] == [1, 2]
        assert titles(stored) == ["a", "b"]

    async def test_exact_expected_version_appends_after_it(self, store: EventStoreProtocol) -> None:
        stream = goal_stream()
        await store.append(stream, [event("a")], expected=0, metadata=ACTOR)
        assert await store.append(stream, [event("b")], expected=1, metadata=ACTOR) == 2
        assert titles(await store.read_stream(stream)) == ["a", "b"]

    async def test_a_stale_expected_version_conflicts_and_reports_the_current_one(
        self, store: EventStoreProtocol
    ) -> None:
        stream = goal_stream()
        await store.append(stream, [event("a"), event("b")], expected=0, metadata=ACTOR)
        with pytest.raises(ConcurrencyConflict) as conflict:
            await store.append(stream, [event("late")], expected=1, metadata=ACTOR)
        assert conflict.value.stream_id == stream
        assert conflict.value.expected == 1
        assert conflict.value.current_version == 2
        assert titles(await store.read_stream(stream)) == ["a", "b"]

    async def test_an_expected_version_beyond_the_stream_conflicts_instead_of_leaving_a_gap(
        self, store: EventStoreProtocol
    ) -> None:
        stream = goal_stream()
        await store.append(stream, [event("a")], expected=0, metadata=ACTOR)
        with pytest.raises(ConcurrencyConflict) as conflict:
            await store.append(stream, [event("b")], expected=5, metadata=ACTOR)
        assert conflict.value.current_version == 1
        assert [e.version for e in await store.read_stream(stream)] == [1]

    async def test_no_stream_conflicts_when_the_stream_exists(self, store: EventStoreProtocol) -> None:
        stream = goal_stream()
        await store.append(stream, [event("a")], expected=ExpectedVersion.NO_STREAM, metadata=ACTOR)
        with pytest.raises(ConcurrencyConflict) as conflict:
            await store.append(stream, [event("again")], expected=ExpectedVersion.NO_STREAM, metadata=ACTOR)
        assert conflict.value.current_version == 1
        assert conflict.value.expected is ExpectedVersion.NO_STREAM

    async def test_any_appends_whatever_the_version(self, store: EventStoreProtocol) -> None:
        stream = goal_stream()
        assert await store.append(stream, [event("a")], expected=ExpectedVersion.ANY, metadata=ACTOR) == 1
        assert await store.append(stream, [event("b")], expected=ExpectedVersion.ANY, metadata=ACTOR) == 2

    async def test_of_concurrent_writers_expecting_the_same_version_exactly_one_wins(
        self, store: EventStoreProtocol
    ) -> None:
        stream = goal_stream()
        await store.append(stream, [event("start")], expected=0, metadata=ACTOR)
        results = await asyncio.gather(
            *(store.append(stream, [event(f"writer {n}")], expected=1, metadata=ACTOR) for n in range(8)),
            return_exceptions=True,
        )
        winners = [result for result in results if result == 2]
        conflicts = [result for result in results if isinstance(result, ConcurrencyConflict)]
        assert len(winners) == 1
        assert len(conflicts) == 7
        assert all(conflict.current_version == 2 for conflict in conflicts)
        assert [e.version for e in await store.read_stream(stream)] == [1, 2]

    async def test_concurrent_any_writers_all_succeed_with_distinct_versions(
        self, store: EventStoreProtocol
    ) -> None:
        stream = goal_stream()
        versions = await asyncio.gather(
            *(
                store.append(stream, [event(f"writer {n}")], expected=ExpectedVersion.ANY, metadata=ACTOR)
                for n in range(8)
            )
        )
        assert sorted(versions) == list(range(1, 9))
        stored = await store.read_stream(stream)
        assert [e.version for e in stored] == list(range(1, 9))
        assert sorted(titles(stored)) == sorted(f"writer {n}" for n in range(8))

    # --- batches ----------------------------------------------------------------------------

    async def test_a_conflicting_batch_stores_nothing(self, store: EventStoreProtocol) -> None:
        stream = goal_stream()
        await store.append(stream, [event("a")], expected=0, metadata=ACTOR)
        with pytest.raises(ConcurrencyConflict):
            await store.append(stream, [event("x"), event("y"), event("z")], expected=0, metadata=ACTOR)
        assert titles(await store.read_stream(stream)) == ["a"]
        assert titles(await read_all_eventually(store, 1)) == ["a"]

    async def test_a_batch_with_an_already_stored_event_id_stores_nothing(
        self, store: EventStoreProtocol
    ) -> None:
        first = event("a")
        await store.append(goal_stream(), [first], expected=0, metadata=ACTOR)
        stream = goal_stream()
        with pytest.raises(DuplicateEvent):
            await store.append(stream, [event("x"), first, event("z")], expected=0, metadata=ACTOR)
        assert await store.read_stream(stream) == []
        assert await store.stream_version(stream) == 0

    async def test_a_batch_keeps_its_order_in_the_stream_and_in_global_order(
        self, store: EventStoreProtocol
    ) -> None:
        stream = goal_stream()
        names = [f"step {n}" for n in range(50)]
        await store.append(stream, [event(name) for name in names], expected=0, metadata=ACTOR)
        assert titles(await store.read_stream(stream)) == names
        everything = await read_all_eventually(store, 50)
        assert titles(everything) == names
        positions = [stored.position for stored in everything]
        assert positions == sorted(positions)
        assert len(set(positions)) == len(positions)

    # --- reading ----------------------------------------------------------------------------

    async def test_read_stream_from_a_version(self, store: EventStoreProtocol) -> None:
        stream = goal_stream()
        await store.append(stream, [event(str(n)) for n in range(1, 6)], expected=0, metadata=ACTOR)
        assert titles(await store.read_stream(stream, from_version=4)) == ["4", "5"]
        assert await store.read_stream(stream, from_version=6) == []
        assert await store.read_stream(goal_stream()) == []

    async def test_streams_do_not_mix(self, store: EventStoreProtocol) -> None:
        first, second = goal_stream(), goal_stream()
        await store.append(first, [event("first")], expected=0, metadata=ACTOR)
        await store.append(second, [event("second")], expected=0, metadata=ACTOR)
        assert titles(await store.read_stream(first)) == ["first"]
        assert titles(await store.read_stream(second)) == ["second"]

    async def test_read_all_returns_events_of_every_stream_in_commit_order_in_pages(
        self, store: EventStoreProtocol
    ) -> None:
        expected_titles = []
        for n in range(7):
            stream = goal_stream()
            await store.append(stream, [event(f"{n}.1"), event(f"{n}.2")], expected=0, metadata=ACTOR)
            expected_titles += [f"{n}.1", f"{n}.2"]
        in_pages_of_five = await read_all_eventually(store, 14, page=5)
        assert titles(in_pages_of_five) == expected_titles
        after_the_fifth = await read_all_eventually(store, 9, after=in_pages_of_five[4].position)
        assert titles(after_the_fifth) == expected_titles[5:]

    async def test_stored_events_carry_their_metadata(self, store: EventStoreProtocol) -> None:
        stream = goal_stream()
        occurred = datetime(2026, 2, 28, 17, 30, tzinfo=UTC)
        new = NewEvent(
            "dev.trellis.goals.MilestoneReached.v2",
            {"title": "Photoshop — layers ✓", "progress": 0.5, "tags": ["design"], "owner": None},
            schema_version=2,
            occurred_at=occurred,
        )
        metadata = EventMetadata(
            principal="manager-grace",
            correlation_id=uuid4(),
            causation_id=uuid4(),
            traceparent="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        before = datetime.now(UTC)
        await store.append(stream, [new], expected=0, metadata=metadata)
        after = datetime.now(UTC)

        (from_stream,) = await store.read_stream(stream)
        (from_all,) = await read_all_eventually(store, 1)
        for stored in (from_stream, from_all):
            assert stored.event_id == new.event_id
            assert stored.stream_id == stream
            assert stored.version == 1
            assert stored.event_type == "dev.trellis.goals.MilestoneReached.v2"
            assert stored.schema_version == 2
            assert stored.payload == new.payload
            assert stored.occurred_at == occurred
            assert before - timedelta(seconds=1) <= stored.recorded_at <= after + timedelta(seconds=1)
            assert stored.principal == "manager-grace"
            assert stored.correlation_id == metadata.correlation_id
            assert stored.causation_id == metadata.causation_id
            assert stored.traceparent == metadata.traceparent
            assert stored.position.global_position > 0
            assert stored.position.transaction_id > 0

    async def test_occurred_at_defaults_to_the_time_of_append(self, store: EventStoreProtocol) -> None:
        stream = goal_stream()
        before = datetime.now(UTC)
        await store.append(stream, [event()], expected=0, metadata=ACTOR)
        (stored,) = await store.read_stream(stream)
        assert before <= stored.occurred_at <= datetime.now(UTC)

    async def test_append_stored_returns_what_a_read_returns(self, store: EventStoreProtocol) -> None:
        stream = goal_stream()
        metadata = EventMetadata(principal="p", correlation_id=uuid4())
        returned = await store.append_stored(stream, [event("a"), event("b")], expected=0, metadata=metadata)
        assert returned == await store.read_stream(stream)

    # --- transactions -----------------------------------------------------------------------

    # --- transactions -----------------------------------------------------------------------

    async def test_an_append_joins_the_callers_transaction(
        self, store: EventStoreProtocol, backend: StoreBackend
    ) -> None:
        stream = goal_stream()
        transaction = await backend.begin()
        await store.append(
            stream, [event("undone")], expected=0, metadata=ACTOR, connection=transaction.connection
        )
        assert titles(await store.read_stream(stream, connection=transaction.connection)) == ["undone"]
        assert await store.read_stream(stream) == []  # not committed yet
        await transaction.rollback()
        assert await store.read_stream(stream) == []

    async def test_a_conflict_inside_the_callers_transaction_still_reports_the_version(
        self, store: EventStoreProtocol, backend: StoreBackend
    ) -> None:
        stream = goal_stream()
        await store.append(stream, [event("a"), event("b"), event("c")], expected=0, metadata=ACTOR)
        transaction = await backend.begin()
        try:
            with pytest.raises(ConcurrencyConflict) as conflict:
                await store.append(
                    stream, [event("late")], expected=2, metadata=ACTOR, connection=transaction.connection
                )
        finally:
            await transaction.rollback()
        assert conflict.value.current_version == 3

    async def test_any_inside_the_callers_transaction_waits_its_turn(
        self, store: EventStoreProtocol, backend: StoreBackend
    ) -> None:
        stream = goal_stream()
        first, second = await backend.begin(), await backend.begin()
        await store.append(
            stream,
            [event("first")],
            expected=ExpectedVersion.ANY,
            metadata=ACTOR,
            connection=first.connection,
        )
        # The second writer waits for the first to end, then appends after what it committed.
        racing = asyncio.create_task(
            store.append(
                stream,
                [event("second")],
                expected=ExpectedVersion.ANY,
                metadata=ACTOR,
                connection=second.connection,
            )
        )
        await asyncio.sleep(0.1)
        assert not racing.done()
        await first.commit()
        assert await racing == 2
        assert await store.stream_version(stream, connection=second.connection) == 2  # still usable
        await second.commit()
        assert titles(await store.read_stream(stream)) == ["first", "second"]

    @pytest.mark.parametrize("writers", [50, 100])
    async def test_any_inside_callers_transactions_never_conflicts(
        self, store: EventStoreProtocol, backend: StoreBackend, writers: int
    ) -> None:
        stream = goal_stream()
        conflicts = 0

        async def write(number: int) -> None:
            nonlocal conflicts
            transaction = await backend.begin()
            try:
                await store.append(
                    stream,
                    [event(f"writer {number}")],
                    expected=ExpectedVersion.ANY,
                    metadata=ACTOR,
                    connection=transaction.connection,
                )
            except ConcurrencyConflict:
                conflicts += 1
                await transaction.rollback()
                return
            except BaseException:
                await transaction.rollback()
                raise
            await transaction.commit()

        await asyncio.gather(*(write(n) for n in range(writers)))
        assert conflicts == 0
        stored = await store.read_stream(stream)
        assert [e.version for e in stored] == list(range(1, writers + 1))
        assert sorted(titles(stored)) == sorted(f"writer {n}" for n in range(writers))

    # --- duplicates ---------------------------------------------------------------------------

    async def test_a_retried_append_of_a_stored_event_is_a_duplicate_not_a_conflict(
        self, store: EventStoreProtocol, backend: StoreBackend
    ) -> None:
        stream = goal_stream()
        first = event("once")
        await store.append(stream, [first], expected=0, metadata=ACTOR)
        for expected in (0, ExpectedVersion.NO_STREAM, ExpectedVersion.ANY, 1):
            with pytest.raises(DuplicateEvent) as duplicate:
                await store.append(stream, [first], expected=expected, metadata=ACTOR)
            assert duplicate.value.event_ids == (first.event_id,)
            assert duplicate.value.stream_id == stream
        transaction = await backend.begin()
        try:
            with pytest.raises(DuplicateEvent):
                await store.append(
                    stream, [first], expected=0, metadata=ACTOR, connection=transaction.connection
                )
        finally:
            await transaction.rollback()
        assert [e.event_id for e in await store.read_stream(stream)] == [first.event_id]

    # --- refused before the database -----------------------------------------------------------

    async def test_what_cannot_be_stored_or_published_is_refused_before_the_database(
        self, store: EventStoreProtocol
    ) -> None:
        accepted: list[str] = []
        cases = _bad_appends()
        for what, stream, events, expected, metadata in cases:
            # UNUSABLE fails on any use: the refusal comes before anything is sent anywhere.
            for connection in (UNUSABLE, None):
                try:
                    await store.append(
                        stream, events, expected=expected, metadata=metadata, connection=connection
                    )
                except InvalidValue as refused:
                    assert refused.field and refused.reason, what
                else:
                    accepted.append(what)
        assert accepted == []
        # Nothing of it was stored: the valid stream those appends named is still empty.
        _, valid_stream, *_ = cases[0]
        assert await store.append(valid_stream, [event()], expected=0, metadata=ACTOR) == 1

    async def test_reads_refuse_what_no_stream_can_hold(self, store: EventStoreProtocol) -> None:
        with pytest.raises(InvalidValue):
            await store.read_stream("goal-a\u0000", connection=UNUSABLE)
        with pytest.raises(InvalidValue):
            await store.read_stream(goal_stream(), from_version=MAX_VERSION + 1, connection=UNUSABLE)
        with pytest.raises(InvalidValue):
            await store.stream_version("goal-\ud800", connection=UNUSABLE)

    async def test_any_unicode_text_is_stored_as_written(self, store: EventStoreProtocol) -> None:
        stream = goal_stream()
        text = 'Ünïcode — 😀 "quoted" \\u0000 is six characters, a backslash and \\\\ two'
        await store.append(stream, [event(text, **{"kéy 😀": [text]})], expected=0, metadata=ACTOR)
        (stored,) = await store.read_stream(stream)
        assert stored.payload == {"title": text, "kéy 😀": [text]}

    # --- per-stream order in the global order ------------------------------------------------

    async def test_a_transaction_that_wrote_first_cannot_put_a_version_before_its_predecessor(
        self, store: EventStoreProtocol, backend: StoreBackend
    ) -> None:
        """B writes first (a consumer's claim), A appends v1 and commits, B appends v2: stored as
        is, v2 would come before v1 in the global order. B is told to retry, and does."""
        stream = goal_stream()
        late = await backend.begin()
        await late.take_transaction_id()
        await store.append(stream, [event("v1")], expected=0, metadata=ACTOR)
        with pytest.raises(StaleTransaction) as stale:
            await store.append(stream, [event("v2")], expected=1, metadata=ACTOR, connection=late.connection)
        assert (stale.value.stream_id, stale.value.version) == (stream, 1)
        with pytest.raises(StaleTransaction):
            await store.append(
                stream,
                [event("v2")],
                expected=ExpectedVersion.ANY,
                metadata=ACTOR,
                connection=late.connection,
            )
        await late.rollback()

        retry = await backend.begin()
        await retry.take_transaction_id()
        await store.append(stream, [event("v2")], expected=1, metadata=ACTOR, connection=retry.connection)
        await retry.commit()

        in_global_order = await read_all_eventually(store, 2)
        assert [(e.stream_id, e.version) for e in in_global_order] == [(stream, 1), (stream, 2)]
        assert titles(in_global_order) == ["v1", "v2"]

    async def test_a_transaction_may_append_to_a_stream_it_wrote_first(
        self, store: EventStoreProtocol, backend: StoreBackend
    ) -> None:
        stream = goal_stream()
        transaction = await backend.begin()
        await transaction.take_transaction_id()
        await store.append(
            stream, [event("a")], expected=0, metadata=ACTOR, connection=transaction.connection
        )
        await store.append(
            stream, [event("b")], expected=1, metadata=ACTOR, connection=transaction.connection
        )
        await store.append(
            stream,
            [event("c")],
            expected=ExpectedVersion.ANY,
            metadata=ACTOR,
            connection=transaction.connection,
        )
        await transaction.commit()
        assert titles(await read_all_eventually(store, 3)) == ["a", "b", "c"]

    async def test_writers_that_write_first_hold_transactions_open_and_roll_back_keep_every_stream_in_order(
        self, store: EventStoreProtocol, backend: StoreBackend
    ) -> None:
        """Many consumer-like writers: each claims first, reads a stream, appends the next version
        (or ANY), holds the transaction open a while, and commits or rolls back; told to retry,
        it runs the whole transaction again. Global order keeps every stream's versions in order,
        with every committed event once and nothing rolled back."""
        rng = random.Random(8)
        streams = [goal_stream() for _ in range(4)]
        committed: set[UUID] = set()
        rolled_back: set[UUID] = set()
        retries = 0

        async def writer(number: int) -> None:
            nonlocal retries
            for step in range(6):
                while True:
                    stream = rng.choice(streams)
                    new = event(f"{number}.{step}")
                    transaction = await backend.begin()
                    try:
                        await transaction.take_transaction_id()
                        await asyncio.sleep(rng.uniform(0, 0.02))
                        version = await store.stream_version(stream, connection=transaction.connection)
                        expected: Any = ExpectedVersion.ANY if rng.random() < 0.3 else version
                        await store.append(
                            stream,
                            [new],
                            expected=expected,
                            metadata=ACTOR,
                            connection=transaction.connection,
                        )
                        await asyncio.sleep(rng.uniform(0, 0.02))
                    except (StaleTransaction, ConcurrencyConflict):
                        await transaction.rollback()
                        retries += 1
                        continue
                    except BaseException:
                        await transaction.rollback()
                        raise
                    if rng.random() < 0.2:
                        await transaction.rollback()
                        rolled_back.add(new.event_id)
                    else:
                        await transaction.commit()
                        committed.add(new.event_id)
                    break

        await asyncio.gather(*(writer(n) for n in range(12)))
        seen = await read_all_eventually(store, len(committed))
        assert {e.event_id for e in seen} == committed
        assert not rolled_back & {e.event_id for e in seen}
        versions = assert_each_stream_in_version_order(seen)
        assert sum(len(v) for v in versions.values()) == len(committed)
        assert retries >= 0

    # --- gap-safe global order --------------------------------------------------------------

    async def test_a_reader_never_passes_an_event_whose_transaction_commits_late(
        self, store: EventStoreProtocol, backend: StoreBackend
    ) -> None:
        """Writer A takes a position first but commits after writer B; no reader may skip A."""
        writer_a = await backend.begin()
        (event_a,) = await store.append_stored(
            goal_stream(), [event("A")], expected=0, metadata=ACTOR, connection=writer_a.connection
        )
        (event_b,) = await store.append_stored(goal_stream(), [event("B")], expected=0, metadata=ACTOR)
        assert event_a.position.global_position < event_b.position.global_position
        assert event_a.position < event_b.position

        # B is committed, yet the reader must hold it back while A is open.
        assert await store.read_all(Position.START, 100) == []
        await writer_a.commit()

        after_commit = await read_all_eventually(store, 2, after=Position.START)
        assert titles(after_commit) == ["A", "B"]
        assert [e.event_id for e in after_commit] == [event_a.event_id, event_b.event_id]

    async def test_a_checkpointing_reader_sees_every_event_of_concurrent_writers_once_in_order(
        self, store: EventStoreProtocol
    ) -> None:
        writers, appends_per_writer = 8, 40
        written: list[UUID] = []
        writers_done = asyncio.Event()

        async def write(writer: int) -> None:
            for n in range(appends_per_writer):
                new = event(f"{writer}.{n}")
                await store.append(goal_stream(), [new, event(f"{writer}.{n}b")], expected=0, metadata=ACTOR)
                written.append(new.event_id)

        async def read_while_writing() -> list[StoredEvent]:
            seen: list[StoredEvent] = []
            checkpoint = Position.START
            while not writers_done.is_set():
                batch = await store.read_all(checkpoint, 7)
                seen.extend(batch)
                if batch:
                    checkpoint = batch[-1].position
                else:
                    await asyncio.sleep(0.001)
            total = writers * appends_per_writer * 2
            return seen + await read_all_eventually(store, total - len(seen), after=checkpoint, page=7)

        reader = asyncio.create_task(read_while_writing())
        await asyncio.gather(*(write(w) for w in range(writers)))
        writers_done.set()
        seen = await reader

        seen_ids = [e.event_id for e in seen]
        assert len(seen_ids) == len(set(seen_ids)) == writers * appends_per_writer * 2
        assert set(written) <= set(seen_ids)
        positions = [e.position for e in seen]
        assert positions == sorted(positions)
        assert [e.position for e in await read_all_eventually(store, len(positions))] == positions

    # --- setup ------------------------------------------------------------------------------

    async def test_setup_is_idempotent_even_when_run_concurrently(self, store: EventStoreProtocol) -> None:
        stream = goal_stream()
        await store.append(stream, [event("kept")], expected=0, metadata=ACTOR)
        await asyncio.gather(*(store.setup() for _ in range(4)))
        assert titles(await store.read_stream(stream)) == ["kept"]


def upgrade_goal_created(upcasters: Upcasters) -> None:
    """v1 {"title"} -> v2 {"title", "due": null} -> v3 {"name", "due"}."""
    upcasters.register("dev.trellis.goals.GoalCreated.v1", 1, lambda payload: {**payload, "due": None})
    upcasters.register(
        "dev.trellis.goals.GoalCreated.v1",
        2,
        lambda payload: {"name": payload["title"], "due": payload["due"]},
    )


class UpcastingContract:
    """Needs `store` built with the `upcasters` fixture (those of upgrade_goal_created())."""

    @pytest.fixture
    def upcasters(self) -> Upcasters:
        upcasters = Upcasters()
        upgrade_goal_created(upcasters)
        return upcasters

    async def test_old_events_are_read_in_their_current_shape(self, store: EventStoreProtocol) -> None:
        stream = goal_stream()
        await store.append(
            stream,
            [
                event("from v1"),
                NewEvent(
                    "dev.trellis.goals.GoalCreated.v1",
                    {"title": "from v2", "due": "2026-06-01"},
                    schema_version=2,
                ),
                NewEvent(
                    "dev.trellis.goals.GoalCreated.v1",
                    {"name": "from v3", "due": None},
                    schema_version=3,
                ),
                NewEvent("dev.trellis.goals.GoalAbandoned.v1", {"reason": "moved teams"}),
            ],
            expected=0,
            metadata=ACTOR,
        )
        for stored in (await store.read_stream(stream), await read_all_eventually(store, 4)):
            assert [(e.event_type, e.schema_version, e.payload) for e in stored] == [
                ("dev.trellis.goals.GoalCreated.v1", 3, {"name": "from v1", "due": None}),
                ("dev.trellis.goals.GoalCreated.v1", 3, {"name": "from v2", "due": "2026-06-01"}),
                ("dev.trellis.goals.GoalCreated.v1", 3, {"name": "from v3", "due": None}),
                ("dev.trellis.goals.GoalAbandoned.v1", 1, {"reason": "moved teams"}),
            ]
