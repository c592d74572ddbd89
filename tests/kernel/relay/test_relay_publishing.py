"""The outbox relay publishes every stored event to Kafka, in order per stream, as CloudEvents."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from uuid import UUID

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat

from tests.kernel.relay.conftest import RelayWorld, running
from tests.kernel.relay.support import (
    EVENT_TYPE,
    METADATA,
    append_many,
    eventually,
    header,
    new_event,
    new_stream,
    read_topic,
)
from trellis_kernel.relay import EncodedEvent, RelayCheckpoints
from trellis_kernel.relay.cloudevents import encode_cloudevent
from trellis_kernel.store import EventMetadata, NewEvent, Position, StoredEvent


async def test_each_streams_events_arrive_in_version_order_keyed_by_stream(
    world: RelayWorld,
) -> None:
    streams = [new_stream() for _ in range(6)]
    await append_many(world.store, streams, per_stream=15)

    async with world.relay(batch_size=7) as relay, running(relay):
        await eventually(lambda: relay.published >= 90, what="90 events published")
    records = await read_topic(world.bootstrap, world.topic, 90, settle=0.5)

    versions: dict[str, list[int]] = defaultdict(list)
    partitions: dict[str, set[int]] = defaultdict(set)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        stream = record.key.decode()
        versions[stream].append(json.loads(record.value)["n"])
        partitions[stream].add(record.partition)
    assert set(versions) == set(streams)
    assert all(found == list(range(1, 16)) for found in versions.values()), versions
    assert all(len(used) == 1 for used in partitions.values())


async def test_published_records_are_valid_binary_cloudevents(world: RelayWorld) -> None:
    stream = new_stream()
    correlation = UUID("5f0c3a52-2a57-4f55-9d0e-1c9f7d7a2b11")
    event = NewEvent(event_type=EVENT_TYPE, payload={"progress": 40, "note_id": "n-1"})
    await world.store.append(
        stream,
        [event],
        expected=0,
        metadata=EventMetadata(principal="user-7", correlation_id=correlation),
    )

    async with world.relay() as relay, running(relay):
        await eventually(lambda: relay.published == 1, what="the event published")
    (record,) = await read_topic(world.bootstrap, world.topic, 1)

    cloudevent = ce_kafka.from_binary(
        ce_kafka.KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value),
        JSONFormat(),
    )
    assert cloudevent.get_specversion() == "1.0"
    assert cloudevent.get_id() == str(event.event_id)
    assert cloudevent.get_type() == EVENT_TYPE
    assert cloudevent.get_source() == "/trellis/goals"
    assert cloudevent.get_subject() == stream.removeprefix("goal-")
    assert cloudevent.get_datacontenttype() == "application/json"
    assert cloudevent.get_time() is not None
    assert cloudevent.get_extension("correlationid") == str(correlation)
    assert cloudevent.get_extension("partitionkey") == stream
    assert cloudevent.get_data() == {"progress": 40, "note_id": "n-1"}
    # the acting principal is personal data: it stays out of the attributes
    assert all(b"user-7" not in value for _, value in record.headers)


async def test_an_event_committed_after_a_later_position_is_not_skipped(
    world: RelayWorld,
) -> None:
    early_stream, late_stream = new_stream(), new_stream()
    async with world.relay(poll_interval=0.1) as relay, running(relay):
        async with world.pool.acquire() as slow_writer:
            transaction = slow_writer.transaction()
            await transaction.start()
            # takes the lower position, but commits last
            await world.store.append(
                early_stream, [new_event(1)], expected=0, metadata=METADATA, connection=slow_writer
            )
            await world.store.append(late_stream, [new_event(2)], expected=0, metadata=METADATA)
            await asyncio.sleep(1.0)
            # the committed event waits behind the open transaction rather than overtaking it
            assert relay.published == 0
            await transaction.commit()
        await eventually(lambda: relay.published == 2, what="both events published")
        await world.store.append(late_stream, [new_event(3)], expected=1, metadata=METADATA)
        await eventually(lambda: relay.published == 3, what="a later event published")

    records = await read_topic(world.bootstrap, world.topic, 3, settle=0.5)
    assert sorted(json.loads(r.value)["n"] for r in records) == [1, 2, 3]


async def test_concurrent_writers_lose_no_event_and_duplicate_none(world: RelayWorld) -> None:
    writers, appends_each = 8, 40

    async def writer() -> None:
        stream = new_stream()
        for n in range(1, appends_each + 1):
            await world.store.append(stream, [new_event(n)], expected=n - 1, metadata=METADATA)

    total = writers * appends_each
    async with world.relay(batch_size=25, poll_interval=0.05) as relay, running(relay):
        await asyncio.gather(*(writer() for _ in range(writers)))
        await eventually(lambda: relay.published >= total, what=f"{total} events published")
    records = await read_topic(world.bootstrap, world.topic, total, settle=1.0)

    stored = {event.event_id for event in await world.store.read_all(Position.START, 10 * total)}
    published = [UUID(header(record, "ce_id") or "") for record in records]
    assert len(stored) == total
    assert len(published) == total  # none twice
    assert set(published) == stored  # none missing


async def test_an_event_held_back_by_a_silent_transaction_goes_out_soon_after_it_ends(
    world: RelayWorld,
) -> None:
    # A consumer's or projection's transaction appends nothing and sends no notification;
    # while it runs, newer events are not readable. Once it ends, the relay must not sit out
    # its whole polling interval.
    async with world.relay(poll_interval=30.0) as relay, running(relay):
        await eventually(lambda: relay.is_leader, what="the relay to lead")
        async with world.pool.acquire() as other:
            transaction = other.transaction()
            await transaction.start()
            await other.fetchval("select pg_current_xact_id()")  # now it holds the xmin
            await world.store.append(new_stream(), [new_event(1)], expected=0, metadata=METADATA)
            await asyncio.sleep(0.5)
            assert relay.published == 0
            await transaction.commit()
        await eventually(lambda: relay.published == 1, within=3.0, what="the event published")


async def test_a_failed_round_advances_no_checkpoint_and_the_next_round_skips_nothing(
    world: RelayWorld,
) -> None:
    stream = new_stream()
    await world.store.append(stream, [new_event(n) for n in range(1, 11)], expected=0, metadata=METADATA)
    failures_left = 1

    def encode_failing_once_at_the_sixth(event: StoredEvent) -> EncodedEvent:
        nonlocal failures_left
        if event.version == 6 and failures_left:
            failures_left -= 1
            raise RuntimeError("encoder hiccup")
        return encode_cloudevent(event)

    async with world.relay(encode=encode_failing_once_at_the_sixth) as relay, running(relay):
        await eventually(lambda: relay.published == 10, what="every event published")
    async with world.pool.acquire() as connection:
        checkpoint = await RelayCheckpoints("outbox").load(connection)

    records = await read_topic(world.bootstrap, world.topic, 10, settle=0.5)
    versions = [int(header(record, "ce_sequence") or 0) for record in records]
    # the first five went out before the failure and again after it; none is missing
    assert sorted(set(versions)) == list(range(1, 11))
    assert versions[-10:] == list(range(1, 11))
    assert versions == [1, 2, 3, 4, 5, *range(1, 11)]  # exactly the five sent before the failure, twice
    last = await world.store.read_stream(stream)
    assert checkpoint == last[-1].position


async def test_a_stopping_relay_publishes_what_was_stored_before_it_stops(world: RelayWorld) -> None:
    stream = new_stream()
    async with world.relay(poll_interval=30) as relay:
        task = asyncio.create_task(relay.run())
        await eventually(lambda: relay.is_leader, what="the relay leads")
        # Stored just before shutdown, with no poll due for 30 s: only the stop's drain sends them.
        await world.store.append(stream, [new_event(n) for n in range(1, 6)], expected=0, metadata=METADATA)
        await relay.stop(task)
        assert task.done()
    records = await read_topic(world.bootstrap, world.topic, 5, settle=0.2)
    assert sorted(json.loads(r.value)["n"] for r in records) == [1, 2, 3, 4, 5]
