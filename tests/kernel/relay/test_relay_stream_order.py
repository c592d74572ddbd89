"""Per-stream order holds for every reader of the global order (the relay's topic, projections),
even when writers append in transactions that wrote something else first (a consumer's
processed-event claim), are held open, or roll back."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from typing import Any
from uuid import UUID, uuid4

from tests.kernel.commands.titles import CODEC, SetTitle, title_decider
from tests.kernel.relay.conftest import RelayWorld, running
from tests.kernel.relay.support import METADATA, eventually, header, new_event, new_stream, read_topic
from trellis_kernel.commands import CommandHandler
from trellis_kernel.consumers import processed_events
from trellis_kernel.metadata import EventMetadata
from trellis_kernel.projections import ProjectionRunner
from trellis_kernel.store import ConcurrencyConflict, Connection, StaleTransaction, StoredEvent, stream_id


class AppliedInOrder:
    """Records every event it is given, in the order given, per stream."""

    name = "test.applied_in_order"
    tables = ("applied",)
    ddl = (
        "CREATE TABLE {schema}.applied (n bigint GENERATED ALWAYS AS IDENTITY, stream_id text, version int)",
    )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        await connection.execute(
            f"INSERT INTO {schema}.applied (stream_id, version) VALUES ($1, $2)",
            event.stream_id,
            event.version,
        )


async def applied_versions(world: RelayWorld) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for row in await world.pool.fetch("SELECT stream_id, version FROM applied ORDER BY n"):
        found[row["stream_id"]].append(row["version"])
    return dict(found)


def topic_versions(records: list[Any]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        found[record.key.decode()].append(int(header(record, "ce_sequence") or 0))
    return dict(found)


async def test_a_transaction_that_claimed_first_never_puts_version_2_before_version_1(
    world: RelayWorld,
) -> None:
    """B claims an event, A appends v1 of S and commits, B appends v2 of S expecting 1: the
    store refuses B's append as too early, B runs its transaction again, and the topic and a
    projection see v1 before v2."""
    async with world.pool.acquire() as connection:
        await processed_events.setup(connection)
    runner = ProjectionRunner(world.store, AppliedInOrder(), batch_size=10)
    await runner.setup()
    stream = new_stream()
    tries = 0

    async def consumer_reaction() -> None:
        nonlocal tries
        while True:
            tries += 1
            async with world.pool.acquire() as b:
                transaction = b.transaction()
                await transaction.start()
                try:
                    await processed_events.claim(b, "reactor", uuid4())
                    if tries == 1:  # A commits v1 after B took its transaction id
                        await world.store.append(stream, [new_event(1)], expected=0, metadata=METADATA)
                    await world.store.append(
                        stream, [new_event(2)], expected=1, metadata=METADATA, connection=b
                    )
                except StaleTransaction:
                    await transaction.rollback()
                    continue
                await transaction.commit()
                return

    await consumer_reaction()
    assert tries == 2
    async with world.relay() as relay, running(relay):
        await eventually(lambda: relay.published == 2, what="both published")
    assert topic_versions(await read_topic(world.bootstrap, world.topic, 2, settle=0.5)) == {stream: [1, 2]}

    async def caught_up() -> bool:
        await runner.catch_up()
        return len((await applied_versions(world)).get(stream, [])) == 2

    await eventually(caught_up, what="the projection caught up")
    assert await applied_versions(world) == {stream: [1, 2]}


async def test_random_claiming_holding_and_rolling_back_writers_keep_every_stream_in_order(
    world: RelayWorld,
) -> None:
    async with world.pool.acquire() as connection:
        await processed_events.setup(connection)
    runner = ProjectionRunner(world.store, AppliedInOrder(), batch_size=7, poll_interval=0.05)
    await runner.setup()
    titles = CommandHandler(world.store, title_decider, CODEC)
    streams = [stream_id("titled", uuid4()) for _ in range(5)]
    rng = random.Random(765)
    committed: set[UUID] = set()
    fresh_transactions = 0

    async def reactor(number: int) -> None:
        """A consumer: claim, then react on a stream, in one transaction; run it again whole
        when the store says the transaction was too early or lost a race."""
        nonlocal fresh_transactions
        for step in range(10):
            while True:
                async with world.pool.acquire() as connection:
                    transaction = connection.transaction()
                    await transaction.start()
                    try:
                        await processed_events.claim(connection, f"reactor-{number}", uuid4())
                        await asyncio.sleep(rng.uniform(0, 0.03))
                        outcome = await titles.handle(
                            rng.choice(streams),
                            SetTitle(f"{number}.{step}"),
                            metadata=EventMetadata(principal=f"reactor-{number}"),
                            connection=connection,
                        )
                        await asyncio.sleep(rng.uniform(0, 0.03))  # held open a while
                    except (StaleTransaction, ConcurrencyConflict):
                        await transaction.rollback()
                        fresh_transactions += 1
                        continue
                    except BaseException:
                        await transaction.rollback()
                        raise
                    if rng.random() < 0.15:
                        await transaction.rollback()
                    else:
                        await transaction.commit()
                        committed.update(e.event_id for e in outcome.stored)
                    break

    stop = asyncio.Event()
    projecting = asyncio.create_task(runner.run(stop))
    try:
        async with world.relay(poll_interval=0.05, batch_size=13) as relay, running(relay):
            await asyncio.gather(*(reactor(n) for n in range(10)))
            await eventually(
                lambda: relay.published >= len(committed), what="every committed event published"
            )

            async def applied_all() -> bool:
                return sum(len(v) for v in (await applied_versions(world)).values()) >= len(committed)

            await eventually(applied_all, what="every committed event projected")
    finally:
        stop.set()
        await asyncio.wait_for(projecting, timeout=10)

    records = await read_topic(world.bootstrap, world.topic, len(committed), settle=1.0)
    assert {UUID(header(r, "ce_id") or "") for r in records} == committed
    assert len(records) == len(committed)  # none twice
    on_topic = topic_versions(records)
    in_projection = await applied_versions(world)
    assert on_topic == in_projection
    assert all(v == list(range(1, len(v) + 1)) for v in on_topic.values()), on_topic
    assert sum(len(v) for v in on_topic.values()) == len(committed)
    print(f"\n{len(committed)} events committed, {fresh_transactions} transactions run again")
