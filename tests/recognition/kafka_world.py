"""Recognition apps consuming real topics: fresh goals, feedback and recognition topics, the
upstream services' records produced to them, replicas started and stopped in the test."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from tests.recognition.upstream import record
from trellis_contracts import EventContract
from trellis_contracts.envelope import KafkaRecord
from trellis_kernel.consumers import ConsumerSettings
from trellis_recognition.app import create_app
from trellis_recognition.settings import RecognitionSettings

SECRET = "recognition-kafka-tests-secret-32-bytes"


@dataclass
class KafkaWorld:
    bootstrap: str
    database_url: str
    goals_topic: str
    feedback_topic: str
    recognition_topic: str
    group: str = field(default_factory=lambda: f"recognition-{uuid.uuid4().hex[:8]}")

    def settings(self) -> RecognitionSettings:
        return RecognitionSettings(
            database_url=self.database_url,
            jwt_secret=SECRET,
            key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS,
            kafka_bootstrap_servers=self.bootstrap,
            events_topic=self.recognition_topic,
            goals_topic=self.goals_topic,
            feedback_topic=self.feedback_topic,
            consumer_group=self.group,
        )

    @asynccontextmanager
    async def replica(self) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
        """One running replica (relay, consumer, API) until the block ends."""
        app = create_app(self.settings(), consumer_settings=ConsumerSettings(retry_backoff=0.05))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://recognition") as http:
                yield app, http

    async def produce(self, events: Sequence[EventContract | KafkaRecord], *, times: int = 1) -> None:
        """Publish the events as their services' relays do; ``times`` > 1 publishes each record
        again (the same CloudEvent id), as a relay does after a crash."""
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, enable_idempotence=True, acks="all")
        await producer.start()
        try:
            for event in events:
                rec = event if isinstance(event, KafkaRecord) else record(event)
                topic = self.feedback_topic if rec.key.startswith(b"feedback-") else self.goals_topic
                for _ in range(times):
                    await producer.send_and_wait(
                        topic, value=rec.value, key=rec.key, headers=list(rec.headers)
                    )
        finally:
            await producer.stop()


async def eventually(check: Callable[[], Awaitable[bool]], what: str, within: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {within}s: {what}")
        await asyncio.sleep(0.05)
