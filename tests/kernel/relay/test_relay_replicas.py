"""Several relay replicas per service: one publishes, another takes over when it goes away."""

from __future__ import annotations

import asyncio

import asyncpg

from tests.kernel.relay.conftest import RelayWorld, running
from tests.kernel.relay.support import append_many, eventually, new_stream, read_topic
from trellis_kernel.relay import advisory_lock_key


async def _lock_holder(dsn: str) -> int | None:
    connection = await asyncpg.connect(dsn)
    try:
        pids = await connection.fetch(
            "select pid from pg_locks where locktype = 'advisory' and granted "
            "and database = (select oid from pg_database where datname = current_database())"
        )
    finally:
        await connection.close()
    assert len(pids) <= 1, "two sessions hold the relay lock"
    return pids[0]["pid"] if pids else None


async def test_only_one_replica_publishes_and_a_standby_takes_over_when_it_stops(
    world: RelayWorld,
) -> None:
    first_streams, second_streams = [new_stream() for _ in range(3)], [new_stream() for _ in range(3)]
    async with world.relay() as first, world.relay() as second:
        first_run = asyncio.create_task(first.run())
        await eventually(lambda: first.is_leader, what="the first replica to lead")
        async with running(second):
            await asyncio.sleep(0.5)
            assert not second.is_leader

            await append_many(world.store, first_streams, per_stream=5)
            await eventually(lambda: first.published == 15, what="the leader to publish")
            await asyncio.sleep(0.5)
            assert second.published == 0

            # the leader stops (deploy, scale-in): its session ends and so does its lock
            first_run.cancel()
            await asyncio.gather(first_run, return_exceptions=True)
            await eventually(lambda: second.is_leader, what="the standby to take over")
            await append_many(world.store, second_streams, per_stream=5)
            await eventually(lambda: second.published == 15, what="the new leader to publish")
            assert first.published == 15

    records = await read_topic(world.bootstrap, world.topic, 30, settle=0.5)
    assert len(records) == 30  # the standby resumed from the checkpoint: nothing published twice


async def test_a_standby_takes_over_when_the_leaders_connection_drops(world: RelayWorld) -> None:
    async with world.relay() as first, world.relay() as second, running(first), running(second):
        await eventually(lambda: first.is_leader or second.is_leader, what="a leader")
        leader, standby = (first, second) if first.is_leader else (second, first)
        holder = await _lock_holder(world.dsn)
        assert holder is not None

        # the leader's host vanishes as far as PostgreSQL is concerned
        admin = await asyncpg.connect(world.dsn)
        try:
            assert await admin.fetchval("select pg_terminate_backend($1)", holder)
        finally:
            await admin.close()

        await eventually(lambda: standby.is_leader, what="the standby to take over")
        await append_many(world.store, [new_stream()], per_stream=4)
        await eventually(lambda: standby.published == 4, what="the new leader to publish")
        assert leader.published == 0
        # the old leader lines up again as a standby, it does not publish alongside
        await eventually(lambda: not leader.is_leader, what="the old leader to step down")
        new_holder = await _lock_holder(world.dsn)
        assert new_holder is not None and new_holder != holder

    await read_topic(world.bootstrap, world.topic, 4, settle=0.5)


def test_the_lock_key_is_stable_and_distinct_per_relay_name() -> None:
    assert advisory_lock_key("outbox") == advisory_lock_key("outbox")
    assert advisory_lock_key("outbox") != advisory_lock_key("outbox-2")
