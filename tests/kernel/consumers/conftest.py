from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from faststream.kafka import KafkaBroker

from tests.kernel.store.fixtures import open_pool
from trellis_contracts.envelope import Envelope, KafkaRecord, encode_binary
from trellis_kernel.consumers import ConsumerSettings, EventConsumer, dead_letter_topic
from trellis_kernel.consumers.cloudevents import decode_cloudevent

PROGRESS = "dev.trellis.goals.GoalProgressUpdated.v1"
COMPLETED = "dev.trellis.goals.GoalCompleted.v1"

EFFECTS = """
create table effects (
    id bigint generated always as identity primary key,
    event_id uuid not null,
    n int not null
)
"""


def cloudevent(
    event_type: str, data: dict[str, Any], *, event_id: uuid.UUID | None = None, subject: str = "g-1"
) -> KafkaRecord:
    envelope = Envelope.for_event(
        event_type, id=str(event_id or uuid.uuid4()), subject=subject, time=datetime.now(UTC)
    )
    return encode_binary(envelope, data)


@dataclass
class ConsumerWorld:
    bootstrap: str
    pool: asyncpg.Pool
    topic: str

    async def produce(self, records: Sequence[KafkaRecord]) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, enable_idempotence=True, acks="all")
        await producer.start()
        try:
            for record in records:
                await producer.send_and_wait(
                    self.topic, value=record.value, key=record.key, headers=record.headers
                )
        finally:
            await producer.stop()

    async def effects(self) -> list[tuple[uuid.UUID, int]]:
        rows = await self.pool.fetch("select event_id, n from effects order by id")
        return [(row["event_id"], row["n"]) for row in rows]

    def consumer(
        self, broker: KafkaBroker, name: str = "progress-tracker", *, pool: Any = None, **settings: Any
    ) -> EventConsumer:
        return EventConsumer(
            name,
            broker=broker,
            pool=pool or self.pool,
            topics=[self.topic],
            decode=decode_cloudevent,
            settings=ConsumerSettings(retry_backoff=0.05, redelivery_delay=0.1, **settings),
        )


@pytest.fixture
async def world(
    database_dsn: str, kafka_bootstrap: str, new_topic: Callable[..., Awaitable[str]]
) -> AsyncIterator[ConsumerWorld]:
    pool = await open_pool(database_dsn, max_size=5)
    topic = await new_topic(1)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(dead_letter_topic(topic), num_partitions=1, replication_factor=1)]
        )
    finally:
        await admin.close()
    await pool.execute(EFFECTS)
    try:
        yield ConsumerWorld(kafka_bootstrap, pool, topic)
    finally:
        await pool.close()


def record_effect(consumer: EventConsumer, event_type: str = PROGRESS) -> None:
    @consumer.handles(event_type)
    async def apply(event: Any, connection: Any) -> None:
        await connection.execute(
            "insert into effects (event_id, n) values ($1, $2)", event.event_id, event.data["n"]
        )


@asynccontextmanager
async def started(broker: KafkaBroker, *consumers: EventConsumer) -> AsyncIterator[KafkaBroker]:
    for consumer in consumers:
        await consumer.setup()
        consumer.subscribe()
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()
