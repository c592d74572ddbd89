"""Helpers shared by the relay and consumer tests: a store in a fresh database, reading topics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, ConsumerRecord

from tests.kernel.store.fixtures import open_pool
from trellis_kernel.store import EventMetadata, EventStore, NewEvent, Pool, stream_id

EVENT_TYPE = "dev.trellis.goals.GoalProgressUpdated.v1"
METADATA = EventMetadata(principal="user-1")


def new_event(n: int, event_type: str = EVENT_TYPE) -> NewEvent:
    return NewEvent(event_type=event_type, payload={"n": n})


def new_stream() -> str:
    return stream_id("goal", uuid4())


async def eventually(
    condition: Callable[[], Awaitable[bool]] | Callable[[], bool],
    *,
    within: float = 20.0,
    what: str = "condition",
) -> None:
    deadline = time.monotonic() + within
    while True:
        result = condition()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(0.05)


async def read_topic(
    bootstrap: str, topic: str, count: int, *, within: float = 20.0, settle: float = 0.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of the topic from the start, once at least `count` arrived.

    With `settle`, keep reading that many seconds longer to catch records that should not be
    there (duplicates, extras).
    """
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        deadline = time.monotonic() + within
        while len(records) < count and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(batch)
        settle_until = time.monotonic() + settle
        while time.monotonic() < settle_until:
            batches = await consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(batch)
    finally:
        await consumer.stop()
    assert len(records) >= count, f"{topic}: {len(records)} records, expected {count}"
    return records


def header(record: Any, name: str) -> str | None:
    for key, value in record.headers:
        if key == name:
            decoded: str = value.decode()
            return decoded
    return None


async def store_in(dsn: str) -> tuple[EventStore, Pool]:
    pool = await open_pool(dsn)
    store = EventStore(pool)
    await store.setup()
    return store, pool


async def append_many(store: EventStore, streams: Sequence[str], per_stream: int) -> None:
    """Interleave appends across streams, one event per append, so streams' events mix."""
    for n in range(1, per_stream + 1):
        for stream in streams:
            await store.append(stream, [new_event(n)], expected=n - 1, metadata=METADATA)
