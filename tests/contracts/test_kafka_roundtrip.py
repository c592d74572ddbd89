"""Through a real broker: records we encode keep their headers, land in one partition per
aggregate, and read cleanly with both our decoder and the official CloudEvents SDK."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat

from trellis_contracts.envelope import decode_record, encode_binary, encode_structured, envelope_for
from trellis_contracts.feedback import FeedbackGivenV2

EXAMPLE = FeedbackGivenV2.model_json_schema()["examples"][0]
START = datetime(2026, 3, 4, 16, 0, tzinfo=UTC)


def feedback(number: int) -> FeedbackGivenV2:
    return FeedbackGivenV2.model_validate({**EXAMPLE, "content": f"note {number}"})


async def consume_all(bootstrap: str, topic: str, count: int) -> list[ConsumerRecord[bytes, bytes]]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    received: list[ConsumerRecord[bytes, bytes]] = []
    try:
        while len(received) < count:
            batches = await consumer.getmany(timeout_ms=1000)
            for records in batches.values():
                received.extend(records)
    finally:
        await consumer.stop()
    return received


@pytest.mark.infra
async def test_records_survive_a_real_broker_for_both_readers(
    kafka_bootstrap: str, new_topic: Callable[..., Awaitable[str]]
) -> None:
    topic = await new_topic(partitions=6)
    sent = []
    for number in range(1, 9):
        event = feedback(number)
        subject = f"fb-{number % 2}"  # two aggregates, four events each
        envelope = envelope_for(
            event,
            id=f"evt-{number}",
            subject=subject,
            time=START + timedelta(minutes=number),
            sequence=(number + 1) // 2,
            correlationid="flow-1",
        )
        encode = encode_structured if number == 8 else encode_binary
        sent.append((envelope, event, encode(envelope, event)))

    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for _, _, record in sent:
            await producer.send_and_wait(topic, value=record.value, key=record.key, headers=record.headers)
    finally:
        await producer.stop()

    received = await consume_all(kafka_bootstrap, topic, len(sent))

    by_id = {}
    for record in received:
        assert record.value is not None
        decoded = decode_record(record.headers, record.value)
        by_id[decoded.envelope.id] = (record, decoded)
        sdk_event = ce_kafka.from_kafka(
            ce_kafka.KafkaMessage(dict(record.headers), record.key, record.value), JSONFormat()
        )
        assert sdk_event.get_id() == decoded.envelope.id
        assert sdk_event.get_subject() == decoded.envelope.subject
        assert FeedbackGivenV2.model_validate(sdk_event.get_data()) == decoded.data

    for envelope, event, _ in sent:
        record, decoded = by_id[envelope.id]
        assert decoded.envelope == envelope
        assert decoded.data == event
        assert record.key == envelope.subject.encode()

    for subject in ("fb-0", "fb-1"):
        of_subject = [r for r in received if r.key == subject.encode()]
        assert len({r.partition for r in of_subject}) == 1
        sequences = [decode_record(r.headers, r.value or b"").envelope.sequence for r in of_subject]
        assert sequences == [1, 2, 3, 4]
