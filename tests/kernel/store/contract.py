"""The event store's contract: what every service, relay and consumer relies on.

One suite, written against the EventStore interface only; test modules subclass it with the
fixtures of a backend (today PostgreSQL, see test_postgres_event_store.py).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from trellis_kernel.store import (
    NOTIFY_CHANNEL,
    ConcurrencyConflict,
    DuplicateEvent,
    EventMetadata,
    EventStore,
    ExpectedVersion,
    NewEvent,
    Pool,
    Position,
    StoredEvent,
    Upcasters,
    stream_id,
)

ACTOR = EventMetadata(principal="user-ada")


def goal_stream() -> str:
    return stream_id("goal", uuid4())


def event(title: str = "master Photoshop", **extra: Any) -> NewEvent:
    return NewEvent("dev.trellis.goals.GoalCreated.v1", {"title": title, **extra})


def titles(events: list[StoredEvent]) -> list[str]:
    return [stored.payload["title"] for stored in events]


async def read_all_eventually(
    store: EventStore,
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


class EventStoreContract:
    """Tests need the fixtures `store: EventStore` and `pool: Pool` from a subclass."""

    # --- optimistic concurrency -------------------------------------------------------------

    async def test_a_new_stream_is_appended_with_no_stream_and_versions_count_from_one(
        self, store: EventStore
    ) -> None:
        stream = goal_stream()
        version = await store.append(
            stream, [event("a"), event("b")], expected=ExpectedVersion.NO_STREAM, metadata=ACTOR
        )
        assert version == 2
        stored = await store.read_stream(stream)
        assert [e.version for e in stored] == [1, 2]
        assert titles(stored) == ["a", "b"]

    async def test_exact_expected_version_appends_after_it(self, store: EventStore) -> None:
        stream = goal_stream()
        await store.append(stream, [event("a")], expected=0, metadata=ACTOR)
        assert await store.append(stream, [event("b")], expected=1, metadata=ACTOR) == 2
        assert titles(await store.read_stream(stream)) == ["a", "b"]

    async def test_a_stale_expected_version_conflicts_and_reports_the_current_one(
        self, store: EventStore
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
        self, store: EventStore
    ) -> None:
        stream = goal_stream()
        await store.append(stream, [event("a")], expected=0, metadata=ACTOR)
        with pytest.raises(ConcurrencyConflict) as conflict:
            await store.append(stream, [event("b")], expected=5, metadata=ACTOR)
        assert conflict.value.current_version == 1
        assert [e.version for e in await store.read_stream(stream)] == [1]

    async def test_no_stream_conflicts_when_the_stream_exists(self, store: EventStore) -> None:
        stream = goal_stream()
        await store.append(stream, [event("a")], expected=ExpectedVersion.NO_STREAM, metadata=ACTOR)
        with pytest.raises(ConcurrencyConflict) as conflict:
            await store.append(stream, [event("again")], expected=ExpectedVersion.NO_STREAM, metadata=ACTOR)
        assert conflict.value.current_version == 1
        assert conflict.value.expected is ExpectedVersion.NO_STREAM

    async def test_any_appends_whatever_the_version(self, store: EventStore) -> None:
        stream = goal_stream()
        assert await store.append(stream, [event("a")], expected=ExpectedVersion.ANY, metadata=ACTOR) == 1
        assert await store.append(stream, [event("b")], expected=ExpectedVersion.ANY, metadata=ACTOR) == 2

    async def test_of_concurrent_writers_expecting_the_same_version_exactly_one_wins(
        self, store: EventStore
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

    async def test_concurrent_any_writers_all_succeed_with_distinct_versions(self, store: EventStore) -> None:
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

    async def test_a_conflicting_batch_stores_nothing(self, store: EventStore) -> None:
        stream = goal_stream()
        await store.append(stream, [event("a")], expected=0, metadata=ACTOR)
        with pytest.raises(ConcurrencyConflict):
            await store.append(stream, [event("x"), event("y"), event("z")], expected=0, metadata=ACTOR)
        assert titles(await store.read_stream(stream)) == ["a"]
        assert titles(await read_all_eventually(store, 1)) == ["a"]

    async def test_a_batch_with_an_already_stored_event_id_stores_nothing(self, store: EventStore) -> None:
        first = event("a")
        await store.append(goal_stream(), [first], expected=0, metadata=ACTOR)
        stream = goal_stream()
        with pytest.raises(DuplicateEvent):
            await store.append(stream, [event("x"), first, event("z")], expected=0, metadata=ACTOR)
        assert await store.read_stream(stream) == []
        assert await store.stream_version(stream) == 0

    async def test_a_batch_keeps_its_order_in_the_stream_and_in_global_order(self, store: EventStore) -> None:
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

    async def test_read_stream_from_a_version(self, store: EventStore) -> None:
        stream = goal_stream()
        await store.append(stream, [event(str(n)) for n in range(1, 6)], expected=0, metadata=ACTOR)
        assert titles(await store.read_stream(stream, from_version=4)) == ["4", "5"]
        assert await store.read_stream(stream, from_version=6) == []
        assert await store.read_stream(goal_stream()) == []

    async def test_streams_do_not_mix(self, store: EventStore) -> None:
        first, second = goal_stream(), goal_stream()
        await store.append(first, [event("first")], expected=0, metadata=ACTOR)
        await store.append(second, [event("second")], expected=0, metadata=ACTOR)
        assert titles(await store.read_stream(first)) == ["first"]
        assert titles(await store.read_stream(second)) == ["second"]

    async def test_read_all_returns_events_of_every_stream_in_commit_order_in_pages(
        self, store: EventStore
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

    async def test_stored_events_carry_their_metadata(self, store: EventStore) -> None:
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

    async def test_occurred_at_defaults_to_the_time_of_append(self, store: EventStore) -> None:
        stream = goal_stream()
        before = datetime.now(UTC)
        await store.append(stream, [event()], expected=0, metadata=ACTOR)
        (stored,) = await store.read_stream(stream)
        assert before <= stored.occurred_at <= datetime.now(UTC)

    async def test_append_stored_returns_what_a_read_returns(self, store: EventStore) -> None:
        stream = goal_stream()
        metadata = EventMetadata(principal="p", correlation_id=uuid4())
        returned = await store.append_stored(stream, [event("a"), event("b")], expected=0, metadata=metadata)
        assert returned == await store.read_stream(stream)

    # --- transactions -----------------------------------------------------------------------

    async def test_an_append_joins_the_callers_transaction(self, store: EventStore, pool: Pool) -> None:
        stream = goal_stream()
        async with pool.acquire() as connection:
            transaction = connection.transaction()
            await transaction.start()
            await store.append(stream, [event("undone")], expected=0, metadata=ACTOR, connection=connection)
            assert titles(await store.read_stream(stream, connection=connection)) == ["undone"]
            await transaction.rollback()
        assert await store.read_stream(stream) == []

    async def test_a_conflict_inside_the_callers_transaction_still_reports_the_version(
        self, store: EventStore, pool: Pool
    ) -> None:
        stream = goal_stream()
        await store.append(stream, [event("a"), event("b"), event("c")], expected=0, metadata=ACTOR)
        async with pool.acquire() as connection, connection.transaction():
            with pytest.raises(ConcurrencyConflict) as conflict:
                await store.append(stream, [event("late")], expected=2, metadata=ACTOR, connection=connection)
        assert conflict.value.current_version == 3

    async def test_any_inside_the_callers_transaction_survives_losing_a_race(
        self, store: EventStore, pool: Pool
    ) -> None:
        stream = goal_stream()
        async with pool.acquire() as first, pool.acquire() as second:
            first_transaction, second_transaction = first.transaction(), second.transaction()
            await first_transaction.start()
            await second_transaction.start()
            await store.append(
                stream, [event("first")], expected=ExpectedVersion.ANY, metadata=ACTOR, connection=first
            )
            # The second writer also takes version 1, waits on the first, loses, and retries.
            racing = asyncio.create_task(
                store.append(
                    stream, [event("second")], expected=ExpectedVersion.ANY, metadata=ACTOR, connection=second
                )
            )
            await asyncio.sleep(0.1)
            await first_transaction.commit()
            assert await racing == 2
            await second.execute("SELECT 1")  # the caller's transaction is still usable
            await second_transaction.commit()
        assert titles(await store.read_stream(stream)) == ["first", "second"]

    # --- gap-safe global order --------------------------------------------------------------

    async def test_a_reader_never_passes_an_event_whose_transaction_commits_late(
        self, store: EventStore, pool: Pool
    ) -> None:
        """Writer A takes a position first but commits after writer B; no reader may skip A."""
        async with pool.acquire() as writer_a:
            transaction_a = writer_a.transaction()
            await transaction_a.start()
            (event_a,) = await store.append_stored(
                goal_stream(), [event("A")], expected=0, metadata=ACTOR, connection=writer_a
            )
            (event_b,) = await store.append_stored(goal_stream(), [event("B")], expected=0, metadata=ACTOR)
            assert event_a.position.global_position < event_b.position.global_position
            assert event_a.position < event_b.position

            # B is committed and visible to plain SQL, yet the reader must hold it back.
            assert await pool.fetchval("select count(*) from events") == 1
            seen_while_a_is_open = await store.read_all(Position.START, 100)
            assert seen_while_a_is_open == []
            checkpoint = Position.START

            await transaction_a.commit()

        after_commit = await read_all_eventually(store, 2, after=checkpoint)
        assert titles(after_commit) == ["A", "B"]
        assert [e.event_id for e in after_commit] == [event_a.event_id, event_b.event_id]

    async def test_a_checkpointing_reader_sees_every_event_of_concurrent_writers_once_in_order(
        self, store: EventStore
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

    # --- notification -----------------------------------------------------------------------

    async def test_listeners_are_notified_after_an_append_commits(
        self, store: EventStore, pool: Pool
    ) -> None:
        notified = asyncio.Event()

        def wake(*_: object) -> None:
            notified.set()

        async with pool.acquire() as listener:
            await listener.add_listener(NOTIFY_CHANNEL, wake)
            try:
                await store.append(goal_stream(), [event()], expected=0, metadata=ACTOR)
                await asyncio.wait_for(notified.wait(), timeout=5)

                notified.clear()
                async with pool.acquire() as writer, writer.transaction():
                    await store.append(
                        goal_stream(), [event()], expected=0, metadata=ACTOR, connection=writer
                    )
                    await asyncio.sleep(0.05)
                    assert not notified.is_set()
                await asyncio.wait_for(notified.wait(), timeout=5)
            finally:
                await listener.remove_listener(NOTIFY_CHANNEL, wake)

    # --- setup ------------------------------------------------------------------------------

    async def test_setup_is_idempotent_even_when_run_concurrently(self, store: EventStore) -> None:
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
    """Needs `store` built with the upcasters of upgrade_goal_created()."""

    @pytest.fixture
    def upcasters(self) -> Upcasters:
        upcasters = Upcasters()
        upgrade_goal_created(upcasters)
        return upcasters

    async def test_old_events_are_read_in_their_current_shape(self, store: EventStore) -> None:
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

    async def test_the_stored_row_is_left_as_written(self, store: EventStore, pool: Pool) -> None:
        stream = goal_stream()
        await store.append(stream, [event("old")], expected=0, metadata=ACTOR)
        row = await pool.fetchrow(
            "select schema_version, payload::text from events where stream_id = $1", stream
        )
        assert row is not None
        assert row["schema_version"] == 1
        assert row["payload"] == '{"title": "old"}'
