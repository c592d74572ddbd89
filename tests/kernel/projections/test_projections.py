"""Inline and asynchronous projections and their rebuild, on real PostgreSQL."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest

from tests.kernel.projections.goal_titles import (
    ACTOR,
    GoalTitles,
    ProjectionFailed,
    created,
    expected_rows,
    renamed,
    table_rows,
)
from tests.kernel.relay.support import eventually
from tests.kernel.store.fixtures import PostgresEventStoreFixtures
from trellis_kernel.projections import (
    InlineProjector,
    ProjectionRunner,
    rebuild,
    rebuild_in_database,
    setup_projection,
)
from trellis_kernel.store import (
    ConcurrencyConflict,
    EventStore,
    ExpectedVersion,
    Pool,
    Position,
    stream_id,
)


def goal_stream() -> str:
    return stream_id("goal", uuid4())


async def runner_catch_up_fully(runner: ProjectionRunner, store: EventStore) -> None:
    """Catch up until the checkpoint holds the store's last event (others' transactions may
    hold gap-safe reads back for a moment)."""
    async with store.pool.acquire() as connection:
        last = await connection.fetchrow(
            "SELECT transaction_id::text::bigint AS t, global_position AS g FROM events"
            " ORDER BY transaction_id DESC, global_position DESC LIMIT 1"
        )
    target = Position(last["t"], last["g"]) if last else Position.START

    async def reached() -> bool:
        await runner.catch_up()
        return await runner.checkpoint() >= target

    await eventually(reached, within=15.0, what="the checkpoint to reach the store's last event")


class TestInlineProjection(PostgresEventStoreFixtures):
    @pytest.fixture
    async def projection(self, pool: Pool) -> GoalTitles:
        projection = GoalTitles()
        await setup_projection(pool, projection, checkpoint=False)
        return projection

    async def test_the_read_model_changes_with_the_append(
        self, store: EventStore, pool: Pool, projection: GoalTitles
    ) -> None:
        projector = InlineProjector(store, [projection])
        stream = goal_stream()
        await projector.append(stream, [created("master Photoshop")], expected=0, metadata=ACTOR)
        assert await table_rows(pool) == {stream: ("master Photoshop", 0, 1)}
        await projector.append(
            stream, [renamed("master Figma"), renamed("master Figma, fast")], expected=1, metadata=ACTOR
        )
        assert await table_rows(pool) == {stream: ("master Figma, fast", 2, 3)}

    async def test_a_conflicting_append_leaves_the_read_model_alone(
        self, store: EventStore, pool: Pool, projection: GoalTitles
    ) -> None:
        projector = InlineProjector(store, [projection])
        stream = goal_stream()
        await projector.append(stream, [created("a")], expected=0, metadata=ACTOR)
        with pytest.raises(ConcurrencyConflict):
            await projector.append(stream, [renamed("b")], expected=0, metadata=ACTOR)
        assert await table_rows(pool) == {stream: ("a", 0, 1)}

    async def test_a_failing_projection_stores_no_event(
        self, store: EventStore, pool: Pool, projection: GoalTitles
    ) -> None:
        projection.fail_on_title = "bad"
        projector = InlineProjector(store, [projection])
        stream = goal_stream()
        with pytest.raises(ProjectionFailed):
            await projector.append(stream, [created("fine"), renamed("bad")], expected=0, metadata=ACTOR)
        assert await store.read_stream(stream) == []
        assert await table_rows(pool) == {}

    async def test_it_joins_the_callers_transaction(
        self, store: EventStore, pool: Pool, projection: GoalTitles
    ) -> None:
        projector = InlineProjector(store, [projection])
        stream = goal_stream()
        async with pool.acquire() as connection:
            transaction = connection.transaction()
            await transaction.start()
            await projector.append(
                stream, [created("undone")], expected=0, metadata=ACTOR, connection=connection
            )
            await transaction.rollback()
        assert await store.read_stream(stream) == []
        assert await table_rows(pool) == {}

    async def test_rebuild_under_concurrent_inline_writers_loses_no_event(
        self, store: EventStore, pool: Pool, projection: GoalTitles
    ) -> None:
        projector = InlineProjector(store, [projection])
        streams = [goal_stream() for _ in range(6)]
        for stream in streams:
            await projector.append(stream, [created("v0")], expected=0, metadata=ACTOR)
        # Damage the live read model: the rebuild must not carry this over.
        await pool.execute("UPDATE goal_titles SET title = 'corrupted', renames = 99")

        async def write(stream: str) -> None:
            for n in range(1, 25):
                await projector.append(
                    stream, [renamed(f"v{n}")], expected=ExpectedVersion.ANY, metadata=ACTOR
                )
                await asyncio.sleep(0.005)

        writers = asyncio.gather(*(write(stream) for stream in streams))
        await asyncio.sleep(0.05)
        await rebuild(store, projection, inline=True, batch_size=7)
        await writers

        rows = await table_rows(pool)
        assert rows == await expected_rows(store, streams)
        assert all(renames == 24 for _, renames, _ in rows.values())


class TestAsyncProjection(PostgresEventStoreFixtures):
    @pytest.fixture
    def projection(self) -> GoalTitles:
        return GoalTitles()

    @pytest.fixture
    async def runner(self, store: EventStore, projection: GoalTitles) -> ProjectionRunner:
        runner = ProjectionRunner(store, projection, batch_size=5, poll_interval=60)
        await runner.setup()
        return runner

    async def test_the_runner_applies_each_event_once_and_checkpoints(
        self, store: EventStore, pool: Pool, runner: ProjectionRunner
    ) -> None:
        streams = [goal_stream() for _ in range(4)]
        for stream in streams:
            await store.append(stream, [created("a"), renamed("b"), renamed("c")], expected=0, metadata=ACTOR)
        await runner_catch_up_fully(runner, store)
        assert await table_rows(pool) == await expected_rows(store, streams)
        assert await runner.catch_up() == 0
        assert await table_rows(pool) == await expected_rows(store, streams)

        await store.append(streams[0], [renamed("d")], expected=3, metadata=ACTOR)
        await runner_catch_up_fully(runner, store)
        assert (await table_rows(pool))[streams[0]] == ("d", 3, 4)

    async def test_a_failing_batch_changes_neither_the_model_nor_the_checkpoint(
        self, store: EventStore, pool: Pool, projection: GoalTitles, runner: ProjectionRunner
    ) -> None:
        stream = goal_stream()
        await store.append(stream, [created("a"), renamed("bad"), renamed("c")], expected=0, metadata=ACTOR)
        projection.fail_on_title = "bad"

        async def fails() -> bool:
            try:
                await runner.run_once()
            except ProjectionFailed:
                return True
            return False

        await eventually(fails, within=15.0, what="the projection to fail")
        assert await table_rows(pool) == {}
        assert await runner.checkpoint() == Position.START

        projection.fail_on_title = None
        await runner_catch_up_fully(runner, store)
        assert await table_rows(pool) == {stream: ("c", 2, 3)}

    async def test_two_runners_together_still_apply_each_event_once(
        self, store: EventStore, pool: Pool, projection: GoalTitles, runner: ProjectionRunner
    ) -> None:
        streams = [goal_stream() for _ in range(5)]
        for stream in streams:
            await store.append(
                stream, [created("a"), *(renamed(f"r{n}") for n in range(6))], expected=0, metadata=ACTOR
            )
        other = ProjectionRunner(store, projection, batch_size=3)
        await asyncio.gather(runner_catch_up_fully(runner, store), runner_catch_up_fully(other, store))
        assert await table_rows(pool) == await expected_rows(store, streams)

    async def test_a_running_runner_wakes_on_notification(
        self, store: EventStore, pool: Pool, runner: ProjectionRunner
    ) -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        try:
            await asyncio.sleep(0.2)  # let it listen, then find nothing (it polls only every 60s)
            stream = goal_stream()
            await store.append(stream, [created("woken")], expected=0, metadata=ACTOR)

            async def projected() -> bool:
                return stream in await table_rows(pool)

            await eventually(projected, within=15.0, what="the event projected")
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=10)

    async def test_a_running_runner_polls_when_no_notification_comes(
        self, store: EventStore, pool: Pool, projection: GoalTitles
    ) -> None:
        polling = ProjectionRunner(store, projection, poll_interval=0.1)
        await polling.setup()
        stop = asyncio.Event()
        task = asyncio.create_task(polling.run(stop))
        try:
            await asyncio.sleep(0.2)
            stream = goal_stream()
            # Written behind the store's back: no NOTIFY is sent.
            await pool.execute(
                "INSERT INTO events (event_id, stream_id, version, event_type, schema_version,"
                " payload, occurred_at, principal) VALUES ($1, $2, 1, $3, 1, $4::jsonb, now(), 'x')",
                uuid4(),
                stream,
                "dev.trellis.goals.GoalCreated.v1",
                '{"title": "polled"}',
            )

            async def projected() -> bool:
                return stream in await table_rows(pool)

            await eventually(projected, within=15.0, what="the event projected")
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=10)

    async def test_rebuild_replays_into_fresh_tables_and_moves_the_checkpoint(
        self, store: EventStore, pool: Pool, projection: GoalTitles, runner: ProjectionRunner
    ) -> None:
        streams = [goal_stream() for _ in range(3)]
        for stream in streams:
            await store.append(stream, [created("a"), renamed("b")], expected=0, metadata=ACTOR)
        await runner_catch_up_fully(runner, store)
        await pool.execute("DELETE FROM goal_titles WHERE stream_id = $1", streams[0])
        await pool.execute("UPDATE goal_titles SET title = 'corrupted'")

        reached = await rebuild(store, projection, batch_size=2)

        assert await table_rows(pool) == await expected_rows(store, streams)
        assert await runner.checkpoint() == reached
        assert await runner.catch_up() == 0
        indexes = await pool.fetchval(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'goal_titles'"
        )
        assert indexes == 2
        leftover = await pool.fetchval(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'trellis_rebuild_%'"
        )
        assert leftover == 0

        await store.append(streams[1], [renamed("after")], expected=2, metadata=ACTOR)
        await runner_catch_up_fully(runner, store)
        assert (await table_rows(pool))[streams[1]] == ("after", 2, 3)

    async def test_rebuild_while_the_runner_and_writers_run_ends_consistent(
        self, store: EventStore, pool: Pool, projection: GoalTitles, runner: ProjectionRunner
    ) -> None:
        streams = [goal_stream() for _ in range(5)]
        for stream in streams:
            await store.append(stream, [created("v0")], expected=0, metadata=ACTOR)
        stop = asyncio.Event()
        running = asyncio.create_task(
            ProjectionRunner(store, projection, batch_size=4, poll_interval=0.05).run(stop)
        )

        async def write(stream: str) -> None:
            for n in range(1, 20):
                await store.append(stream, [renamed(f"v{n}")], expected=ExpectedVersion.ANY, metadata=ACTOR)
                await asyncio.sleep(0.005)

        try:
            writers = asyncio.gather(*(write(stream) for stream in streams))
            await asyncio.sleep(0.05)
            await rebuild(store, projection, batch_size=5)
            await writers
            await runner_catch_up_fully(runner, store)
        finally:
            stop.set()
            await asyncio.wait_for(running, timeout=10)
        rows = await table_rows(pool)
        assert rows == await expected_rows(store, streams)
        assert all(renames == 19 for _, renames, _ in rows.values())

    async def test_setup_is_idempotent(
        self, store: EventStore, pool: Pool, projection: GoalTitles, runner: ProjectionRunner
    ) -> None:
        stream = goal_stream()
        await store.append(stream, [created("kept")], expected=0, metadata=ACTOR)
        await runner_catch_up_fully(runner, store)
        checkpoint = await runner.checkpoint()
        await asyncio.gather(runner.setup(), runner.setup())
        assert await runner.checkpoint() == checkpoint
        assert await table_rows(pool) == {stream: ("kept", 0, 1)}


class TestRebuildFromTheCommandLine(PostgresEventStoreFixtures):
    async def test_rebuild_in_database_creates_the_tables_from_the_events(
        self, store: EventStore, pool: Pool, database_dsn: str
    ) -> None:
        stream = goal_stream()
        await store.append(stream, [created("a"), renamed("b")], expected=0, metadata=ACTOR)
        projection = GoalTitles()

        async def rebuilt() -> bool:
            await rebuild_in_database(database_dsn, projection)
            return await table_rows(pool) == {stream: ("b", 1, 2)}

        await eventually(rebuilt, within=15.0, what="the rebuilt table")
        runner = ProjectionRunner(store, projection)
        assert await runner.catch_up() == 0
