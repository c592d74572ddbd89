"""The broker is a real Kafka fit for what Trellis needs: idempotent and transactional producers,
read_committed consumer groups, and FastStream subscribers that acknowledge after processing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage

from trellis_contracts.topics import TOPICS
from trellis_deploy.topics import ensure_topics

NewTopic = Callable[..., Awaitable[str]]


async def _read_committed(bootstrap: str, topic: str, expected: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"smoke-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        enable_auto_commit=False,
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        async with asyncio.timeout(30):
            while len(values) < expected:
                batch = await consumer.getmany(timeout_ms=500)
                values.extend(record.value for records in batch.values() for record in records)
        # Give a record that should not be visible a chance to show up.
        extra = await consumer.getmany(timeout_ms=1000)
        values.extend(record.value for records in extra.values() for record in records)
    finally:
        await consumer.stop()
    return values


async def test_idempotent_producer_with_acks_all_is_read_back(
    kafka_bootstrap: str, new_topic: NewTopic
) -> None:
    topic = await new_topic(partitions=1)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        metadata = await producer.send_and_wait(topic, b"hello", key=b"goal-1")
    finally:
        await producer.stop()

    assert metadata.offset == 0
    assert await _read_committed(kafka_bootstrap, topic, expected=1) == [b"hello"]


async def test_transactional_producer_commit_is_visible_and_abort_is_not(
    kafka_bootstrap: str, new_topic: NewTopic
) -> None:
    topic = await new_topic(partitions=1)
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap, transactional_id=f"smoke-{uuid.uuid4().hex[:8]}"
    )
    await producer.start()
    try:
        async with producer.transaction():
            await producer.send(topic, b"committed-1", key=b"k")
            await producer.send(topic, b"committed-2", key=b"k")
        await producer.begin_transaction()
        await producer.send(topic, b"aborted", key=b"k")
        await producer.abort_transaction()
        async with producer.transaction():
            await producer.send(topic, b"committed-3", key=b"k")
    finally:
        await producer.stop()

    assert await _read_committed(kafka_bootstrap, topic, expected=3) == [
        b"committed-1",
        b"committed-2",
        b"committed-3",
    ]


async def test_faststream_subscriber_acknowledges_after_processing_a_keyed_message(
    kafka_bootstrap: str, new_topic: NewTopic
) -> None:
    topic = await new_topic(partitions=3)
    group = f"smoke-{uuid.uuid4().hex[:8]}"
    broker = KafkaBroker(kafka_bootstrap)
    received: asyncio.Future[KafkaMessage] = asyncio.get_running_loop().create_future()

    @broker.subscriber(topic, group_id=group, auto_offset_reset="earliest", ack_policy=AckPolicy.ACK)
    async def handle(body: dict[str, str], message: KafkaMessage) -> None:
        if not received.done():
            received.set_result(message)

    async with broker:
        await broker.start()
        await broker.publish(
            {"goal": "master Photoshop"}, topic, key=b"goal-42", headers={"ce_type": "smoke.v1"}
        )
        message = await asyncio.wait_for(received, timeout=30)

    assert message.raw_message.key == b"goal-42"
    assert message.headers["ce_type"] == "smoke.v1"
    assert await message.decode() == {"goal": "master Photoshop"}
    assert message.committed is not None

    committed = await _committed_offsets(kafka_bootstrap, group, topic)
    assert sum(committed.values()) == 1, "the group should have committed the processed message"


async def _committed_offsets(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}


async def test_infra_up_declares_every_service_topic_and_its_dead_letter_topic(kafka_bootstrap: str) -> None:
    await ensure_topics(kafka_bootstrap)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        names = [name for topic in TOPICS.values() for name in (topic.name, f"{topic.name}.dlt")]
        described = {d["topic"]: d for d in await admin.describe_topics(names)}
    finally:
        await admin.close()
    for topic in TOPICS.values():
        assert len(described[topic.name]["partitions"]) == topic.partitions
        assert described[f"{topic.name}.dlt"]["partitions"], f"{topic.name}.dlt is missing"
    assert await ensure_topics(kafka_bootstrap) == [], "a second call creates nothing"
