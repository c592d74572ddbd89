from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from tests.kernel.relay.support import store_in
from trellis_kernel.relay import EventEncoder, OutboxRelay, RelayCheckpoints, RelaySettings
from trellis_kernel.relay.cloudevents import encode_cloudevent
from trellis_kernel.store import EventStore


@dataclass
class RelayWorld:
    """A service's store in a fresh database, a fresh topic, and a way to make relays for them."""

    dsn: str
    store: EventStore
    pool: asyncpg.Pool
    topic: str
    bootstrap: str

    def relay(
        self,
        *,
        batch_size: int = 1000,
        poll_interval: float = 0.2,
        checkpoints: RelayCheckpoints | None = None,
        encode: EventEncoder = encode_cloudevent,
        name: str = "outbox",
        stall_warning_after: float = 30.0,
        bootstrap: str | None = None,
        producer_options: dict[str, Any] | None = None,
    ) -> OutboxRelay:
        return OutboxRelay(
            dsn=self.dsn,
            store=self.store,
            bootstrap_servers=bootstrap or self.bootstrap,
            topic_for=lambda event: self.topic,
            encode=encode,
            settings=RelaySettings(
                name=name,
                batch_size=batch_size,
                poll_interval=poll_interval,
                retry_delay=0.2,
                stall_warning_after=stall_warning_after,
            ),
            checkpoints=checkpoints,
            producer_options=producer_options,
        )


@pytest.fixture
async def world(
    database_dsn: str, kafka_bootstrap: str, new_topic: Callable[..., Awaitable[str]]
) -> AsyncIterator[RelayWorld]:
    store, pool = await store_in(database_dsn)
    try:
        yield RelayWorld(database_dsn, store, pool, await new_topic(3), kafka_bootstrap)
    finally:
        await pool.close()


@asynccontextmanager
async def running(relay: OutboxRelay) -> AsyncIterator[asyncio.Task[None]]:
    """The relay's run loop as a task, cancelled on exit."""
    task = asyncio.create_task(relay.run())
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
