"""A relay that dies after the broker acknowledged a batch but before its checkpoint.

The next relay publishes the batch again (at least once); consumers apply each event once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from faststream.kafka import KafkaBroker

from tests.kernel.consumers.conftest import EFFECTS, started
from tests.kernel.relay.conftest import RelayWorld, running
from tests.kernel.relay.support import EVENT_TYPE, append_many, eventually, new_stream, read_topic
from trellis_kernel.consumers import ConsumerSettings, EventConsumer
from trellis_kernel.consumers.cloudevents import decode_cloudevent
from trellis_kernel.relay import RelayCheckpoints
from trellis_kernel.store import Position
from trellis_kernel.store.connections import Connection


class _DiesBeforeCheckpoint(RelayCheckpoints):
    """Hangs where the checkpoint would be written, so the test can kill the relay right there."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.reached = asyncio.Event()

    async def save(self, connection: Connection, position: Position) -> None:
        self.reached.set()
        await asyncio.Event().wait()


async def test_a_batch_published_again_after_a_crash_is_applied_once(world: RelayWorld) -> None:
    streams = [new_stream() for _ in range(4)]
    await append_many(world.store, streams, per_stream=5)

    doomed = _DiesBeforeCheckpoint("outbox")
    async with world.relay(checkpoints=doomed) as relay:
        async with running(relay):
            await asyncio.wait_for(doomed.reached.wait(), timeout=20)
        # killed here: the broker has every record, the checkpoint has nothing
        assert relay.published == 0
    await read_topic(world.bootstrap, world.topic, 20)

    async with world.relay() as successor, running(successor):
        await eventually(lambda: successor.published == 20, what="the batch published again")
    records = await read_topic(world.bootstrap, world.topic, 40, settle=0.5)
    assert len(records) == 40  # every event twice on the topic

    await world.pool.execute(EFFECTS)
    broker = KafkaBroker(world.bootstrap)
    consumer = EventConsumer(
        "milestone-notifier",
        broker=broker,
        pool=world.pool,
        topics=[world.topic],
        decode=decode_cloudevent,
        settings=ConsumerSettings(),
    )

    @consumer.handles(EVENT_TYPE)
    async def apply(event: Any, connection: Any) -> None:
        await connection.execute(
            "insert into effects (event_id, n) values ($1, $2)", event.event_id, event.data["n"]
        )

    async with started(broker, consumer):
        await eventually(
            lambda: consumer.stats.applied + consumer.stats.duplicates == 40,
            what="all 40 records consumed",
        )

    assert (consumer.stats.applied, consumer.stats.duplicates) == (20, 20)
    effects = await world.pool.fetch("select event_id, count(*) as times from effects group by 1")
    assert len(effects) == 20
    assert all(row["times"] == 1 for row in effects)
