"""Consumers apply each event once, skip unknown types, and dead-letter what they cannot handle."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

from tests.kernel.commands.titles import CODEC, SetTitle, title_decider
from tests.kernel.consumers.conftest import (
    COMPLETED,
    PROGRESS,
    ConsumerWorld,
    cloudevent,
    record_effect,
    started,
)
from tests.kernel.relay.support import eventually, header, read_topic
from trellis_contracts.envelope import KafkaRecord
from trellis_contracts.goals import GoalCompleted
from trellis_kernel.commands import CommandHandler
from trellis_kernel.consumers import ConsumerSettings, EventConsumer, IncomingEvent, dead_letter_topic
from trellis_kernel.consumers.cloudevents import decode_cloudevent
from trellis_kernel.metadata import EventMetadata
from trellis_kernel.store import EventStore, stream_id
from trellis_kernel.testing.store_contract import read_all_eventually


async def test_a_redelivered_event_changes_nothing(world: ConsumerWorld) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    broker = KafkaBroker(world.bootstrap)
    consumer = world.consumer(broker)
    record_effect(consumer)
    async with started(broker, consumer):
        await world.produce(
            [
                cloudevent(PROGRESS, {"n": 1}, event_id=first),
                cloudevent(PROGRESS, {"n": 1}, event_id=first),  # the relay published it again
                cloudevent(PROGRESS, {"n": 2}, event_id=second),
            ]
        )
        await eventually(lambda: consumer.stats.applied == 2, what="two events applied")
        await eventually(lambda: consumer.stats.duplicates == 1, what="the duplicate seen")

    assert await world.effects() == [(first, 1), (second, 2)]


async def test_a_poison_message_is_dead_lettered_and_the_next_one_still_processed(
    world: ConsumerWorld,
) -> None:
    poison = KafkaRecord(key=b"g-1", headers=[("ce_id", b"1")], value=b"\xff not json")
    good = uuid.uuid4()
    broker = KafkaBroker(world.bootstrap)
    consumer = world.consumer(broker)
    record_effect(consumer)
    async with started(broker, consumer):
        await world.produce([poison, cloudevent(PROGRESS, {"n": 7}, event_id=good)])
        await eventually(lambda: consumer.stats.applied == 1, what="the good event applied")

    assert await world.effects() == [(good, 7)]
    assert consumer.stats.dead_lettered == 1
    (letter,) = await read_topic(world.bootstrap, dead_letter_topic(world.topic), 1, settle=0.3)
    assert letter.value == poison.value
    assert letter.key == poison.key
    assert header(letter, "dlt-reason") == "undecodable"
    assert "EnvelopeError" in (header(letter, "dlt-error") or "")
    assert header(letter, "dlt-original-topic") == world.topic
    assert header(letter, "dlt-original-partition") == "0"
    assert header(letter, "dlt-original-offset") == "0"
    assert header(letter, "dlt-consumer") == "progress-tracker"
    assert header(letter, "ce_id") == "1"  # the original headers travel with it


async def test_an_event_whose_handler_keeps_failing_is_dead_lettered_after_bounded_attempts(
    world: ConsumerWorld,
) -> None:
    failing, good = uuid.uuid4(), uuid.uuid4()
    broker = KafkaBroker(world.bootstrap)
    consumer = world.consumer(broker, max_attempts=3)
    record_effect(consumer)
    calls = 0

    @consumer.handles(COMPLETED)
    async def complete(event: Any, connection: Any) -> None:
        nonlocal calls
        calls += 1
        # a partial effect, rolled back with the failed attempt
        await connection.execute("insert into effects (event_id, n) values ($1, $2)", event.event_id, -1)
        raise ValueError("goal g-1 has no owner")

    async with started(broker, consumer):
        await world.produce(
            [
                cloudevent(COMPLETED, {}, event_id=failing),
                cloudevent(PROGRESS, {"n": 3}, event_id=good),
            ]
        )
        await eventually(lambda: consumer.stats.applied == 1, what="the next event applied")

    assert calls == 3
    assert consumer.stats.retries == 2
    assert await world.effects() == [(good, 3)]
    (letter,) = await read_topic(world.bootstrap, dead_letter_topic(world.topic), 1, settle=0.3)
    assert header(letter, "ce_id") == str(failing)
    assert header(letter, "dlt-reason") == "handler-failed"
    assert header(letter, "dlt-error") == "ValueError: goal g-1 has no owner"
    assert header(letter, "dlt-attempts") == "3"
    assert header(letter, "dlt-original-offset") == "0"
    # still the same CloudEvent, so it can be replayed to the original topic once fixed
    replayable = decode_cloudevent(list(letter.headers), letter.value)
    assert (replayable.event_id, replayable.event_type) == (failing, COMPLETED)


async def test_a_transient_failure_is_retried_and_applied_once(world: ConsumerWorld) -> None:
    event_id = uuid.uuid4()
    broker = KafkaBroker(world.bootstrap)
    consumer = world.consumer(broker)
    attempts = 0

    @consumer.handles(PROGRESS)
    async def flaky(event: Any, connection: Any) -> None:
        nonlocal attempts
        attempts += 1
        await connection.execute(
            "insert into effects (event_id, n) values ($1, $2)", event.event_id, attempts
        )
        if attempts == 1:
            raise ConnectionResetError("the LMS hung up")

    async with started(broker, consumer):
        await world.produce([cloudevent(PROGRESS, {"n": 1}, event_id=event_id)])
        await eventually(lambda: consumer.stats.applied == 1, what="the event applied")

    assert await world.effects() == [(event_id, 2)]
    assert (consumer.stats.retries, consumer.stats.dead_lettered) == (1, 0)


async def test_events_of_unknown_types_are_skipped_and_counted(world: ConsumerWorld) -> None:
    broker = KafkaBroker(world.bootstrap)
    consumer = world.consumer(broker)
    record_effect(consumer)
    known = uuid.uuid4()
    async with started(broker, consumer):
        await world.produce(
            [
                cloudevent(COMPLETED, {}),
                cloudevent("dev.trellis.recognition.KudosGiven.v1", {}),
                cloudevent(COMPLETED, {}),
                cloudevent(PROGRESS, {"n": 4}, event_id=known),
            ]
        )
        await eventually(lambda: consumer.stats.applied == 1, what="the known event applied")

    assert dict(consumer.stats.skipped_unknown) == {
        COMPLETED: 2,
        "dev.trellis.recognition.KudosGiven.v1": 1,
    }
    assert consumer.stats.dead_lettered == 0
    assert await world.effects() == [(known, 4)]


async def test_a_restarted_consumer_resumes_after_what_it_handled(world: ConsumerWorld) -> None:
    before, after = uuid.uuid4(), uuid.uuid4()
    first_broker = KafkaBroker(world.bootstrap)
    first = world.consumer(first_broker)
    record_effect(first)
    async with started(first_broker, first):
        await world.produce([cloudevent(PROGRESS, {"n": 1}, event_id=before)])
        await eventually(lambda: first.stats.applied == 1, what="the first event applied")

    second_broker = KafkaBroker(world.bootstrap)
    second = world.consumer(second_broker)
    record_effect(second)
    async with started(second_broker, second):
        await world.produce([cloudevent(PROGRESS, {"n": 2}, event_id=after)])
        await eventually(lambda: second.stats.applied == 1, what="the second event applied")

    # the group's offset was committed after handling: the first event is not read again
    assert second.stats.duplicates == 0
    assert await world.effects() == [(before, 1), (after, 2)]


class _PoolThatFailsOnce:
    """A pool whose first acquire once armed fails as if PostgreSQL were restarting."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self.armed = False
        self.failures = 0

    def acquire(self) -> Any:
        if self.armed and self.failures == 0:
            self.failures += 1
            raise OSError("connection refused")
        return self._pool.acquire()


async def test_an_infrastructure_failure_lets_the_record_come_again(world: ConsumerWorld) -> None:
    event_id = uuid.uuid4()
    broker = KafkaBroker(world.bootstrap)
    flaky_pool = _PoolThatFailsOnce(world.pool)
    consumer = world.consumer(broker, pool=flaky_pool)
    record_effect(consumer)
    async with started(broker, consumer):
        flaky_pool.armed = True
        await world.produce([cloudevent(PROGRESS, {"n": 5}, event_id=event_id)])
        await eventually(lambda: consumer.stats.applied == 1, what="the redelivered event applied")

    # not the handler's fault, so no dead letter: the offset was not committed and Kafka
    # delivered the record again
    assert flaky_pool.failures == 1
    assert (consumer.stats.retries, consumer.stats.dead_lettered) == (0, 0)
    assert await world.effects() == [(event_id, 5)]


async def test_data_that_breaks_its_contract_is_dead_lettered_without_retrying(
    world: ConsumerWorld,
) -> None:
    broken, good = uuid.uuid4(), uuid.uuid4()
    broker = KafkaBroker(world.bootstrap)
    consumer = world.consumer(broker, max_attempts=5)
    record_effect(consumer)
    calls = 0

    @consumer.handles(GoalCompleted.event_type())
    async def complete(event: Any, connection: Any) -> None:
        nonlocal calls
        calls += 1
        GoalCompleted.model_validate(event.data)

    async with started(broker, consumer):
        await world.produce(
            [
                cloudevent(GoalCompleted.event_type(), {"goal_id": 42}, event_id=broken),
                cloudevent(PROGRESS, {"n": 8}, event_id=good),
            ]
        )
        await eventually(lambda: consumer.stats.applied == 1, what="the next event applied")

    assert (calls, consumer.stats.retries) == (1, 0)
    (letter,) = await read_topic(world.bootstrap, dead_letter_topic(world.topic), 1, settle=0.3)
    assert header(letter, "ce_id") == str(broken)
    assert header(letter, "dlt-attempts") == "1"
    assert (header(letter, "dlt-error") or "").startswith("ValidationError")


async def test_a_reaction_whose_transaction_was_too_early_for_its_stream_is_run_again_whole(
    world: ConsumerWorld,
) -> None:
    """The consumer claims the event (its transaction takes its id), another writer commits the
    stream's next version, the reaction's append is refused as too early: the consumer runs the
    whole transaction again, and the reaction lands after the other writer's version, once."""
    store = EventStore(world.pool)
    await store.setup()
    titles = CommandHandler(store, title_decider, CODEC)
    stream = stream_id("titled", uuid.uuid4())
    incoming = uuid.uuid4()
    broker = KafkaBroker(world.bootstrap)
    consumer = world.consumer(broker)
    attempts = 0

    @consumer.handles(PROGRESS)
    async def react(event: IncomingEvent, connection: Any) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:  # another writer commits after our claim, before our append
            await titles.handle(stream, SetTitle("theirs"), metadata=EventMetadata(principal="other"))
        await titles.handle(
            stream,
            SetTitle(f"reaction to {event.data['n']}"),
            metadata=event.reaction_metadata("titler"),
            connection=connection,
        )

    async with started(broker, consumer):
        await world.produce([cloudevent(PROGRESS, {"n": 1}, event_id=incoming)])
        await eventually(lambda: consumer.stats.applied == 1, what="the reaction applied")

    assert (attempts, consumer.stats.fresh_transactions, consumer.stats.retries) == (2, 1, 0)
    stored = await store.read_stream(stream)
    assert [(e.version, e.payload["title"]) for e in stored] == [(1, "theirs"), (2, "reaction to 1")]
    assert (stored[1].causation_id, stored[1].correlation_id, stored[1].principal) == (
        incoming,
        incoming,
        "titler",
    )
    assert [e.version for e in await read_all_eventually(store, 2)] == [1, 2]


async def test_workers_handle_records_of_different_partitions_at_once_each_partition_in_order(
    world: ConsumerWorld, new_topic: Any
) -> None:
    topic = await new_topic(3)
    broker = KafkaBroker(world.bootstrap)
    consumer = EventConsumer(
        "in-parallel",
        broker=broker,
        pool=world.pool,
        topics=[topic],
        decode=decode_cloudevent,
        settings=ConsumerSettings(workers=3),
    )
    in_flight, most, order = 0, 0, []

    @consumer.handles(PROGRESS)
    async def slowly(event: Any, connection: Any) -> None:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.2)
        order.append((event.data["partition"], event.data["n"]))
        in_flight -= 1

    async with started(broker, consumer):
        producer = AIOKafkaProducer(bootstrap_servers=world.bootstrap, enable_idempotence=True)
        await producer.start()
        try:
            for n in range(3):
                for partition in range(3):
                    record = cloudevent(PROGRESS, {"n": n, "partition": partition})
                    await producer.send_and_wait(
                        topic, value=record.value, headers=record.headers, partition=partition
                    )
        finally:
            await producer.stop()
        await eventually(lambda: consumer.stats.applied == 9, what="nine events applied", within=30)

    assert most >= 2, "records of different partitions were handled at once"
    for partition in range(3):
        assert [n for p, n in order if p == partition] == [0, 1, 2], "each partition in order"


async def test_in_batches_each_event_is_applied_once_in_one_transaction_per_batch(
    world: ConsumerWorld,
) -> None:
    ids = [uuid.uuid4() for _ in range(50)]
    broker = KafkaBroker(world.bootstrap)
    consumer = world.consumer(broker, batch_size=20)
    record_effect(consumer)
    await world.produce([cloudevent(PROGRESS, {"n": n}, event_id=ids[n]) for n in range(50)])
    await world.produce([cloudevent(PROGRESS, {"n": 7}, event_id=ids[7])])  # published again
    async with started(broker, consumer):
        await eventually(lambda: consumer.stats.applied == 50, what="fifty applied")
        await eventually(lambda: consumer.stats.duplicates == 1, what="the repeat seen")

    assert await world.effects() == [(ids[n], n) for n in range(50)]


async def test_a_batch_with_a_failing_event_is_applied_one_by_one_and_only_that_one_dead_lettered(
    world: ConsumerWorld,
) -> None:
    good = [uuid.uuid4() for _ in range(5)]
    failing = uuid.uuid4()
    broker = KafkaBroker(world.bootstrap)
    consumer = world.consumer(broker, batch_size=20, max_attempts=2)
    record_effect(consumer)

    @consumer.handles(COMPLETED)
    async def complete(event: Any, connection: Any) -> None:
        raise ValueError("goal g-1 has no owner")

    records = [cloudevent(PROGRESS, {"n": n}, event_id=good[n]) for n in range(3)]
    records += [KafkaRecord(key=b"g-1", headers=[("ce_id", b"1")], value=b"\xff not json")]
    records += [cloudevent(COMPLETED, {}, event_id=failing)]
    records += [cloudevent(PROGRESS, {"n": n}, event_id=good[n]) for n in range(3, 5)]
    await world.produce(records)
    async with started(broker, consumer):
        await eventually(lambda: consumer.stats.dead_lettered == 2, what="two dead letters")
        await eventually(lambda: consumer.stats.applied == 5, what="the five good ones")

    assert await world.effects() == [(good[n], n) for n in range(5)]
    letters = await read_topic(world.bootstrap, dead_letter_topic(world.topic), 2, settle=0.3)
    assert sorted(header(letter, "dlt-reason") or "" for letter in letters) == [
        "handler-failed",
        "undecodable",
    ]


async def test_a_dead_letter_is_logged_without_the_text_of_the_record(
    world: ConsumerWorld, caplog: pytest.LogCaptureFixture
) -> None:
    personal = "Ann thinks my reviews are sloppy"
    broken = uuid.uuid4()
    broker = KafkaBroker(world.bootstrap)
    consumer = world.consumer(broker)
    record_effect(consumer)

    @consumer.handles(GoalCompleted.event_type())
    async def complete(event: Any, connection: Any) -> None:
        GoalCompleted.model_validate(event.data)

    with caplog.at_level(logging.WARNING, logger="trellis_kernel"):
        async with started(broker, consumer):
            await world.produce(
                [cloudevent(GoalCompleted.event_type(), {"goal_id": [personal]}, event_id=broken)]
            )
            await eventually(lambda: consumer.stats.dead_lettered == 1, what="the record dead-lettered")

    (letter,) = await read_topic(world.bootstrap, dead_letter_topic(world.topic), 1, settle=0.3)
    assert personal in (header(letter, "dlt-error") or "")  # the dead letter keeps why, for its reader
    assert "ValidationError" in caplog.text
    assert personal not in caplog.text
