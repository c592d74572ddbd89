"""What every service's lifespan runs besides its own application: the database pool, readiness
with the database check, the metric samplers and, when Kafka is configured, the outbox relay and
the consumers' broker, all stopped in reverse order when the app stops::

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_runtime(app, database_url=..., kafka_bootstrap_servers=...) as runtime:
            service = ServiceApplication(runtime.pool)
            await service.setup()
            runtime.flush_at_stop(service.store)
            if runtime.kafka_bootstrap_servers:
                await runtime.start_outbox_relay(name=RELAY_NAME, store=service.store, topic=...)
                await runtime.start_consumers(broker, [consumer])
            runtime.run_in_background(sweep_forever(service), name="sweeps")
            yield

The runtime keeps ``app.state.readiness`` and ``app.state.metric_samplers`` for the health and
metrics endpoints.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from trellis_kernel.consumers import EventConsumer
from trellis_kernel.health import Readiness, database_check
from trellis_kernel.observability import ConsumerLag, Samplers
from trellis_kernel.relay import OutboxRelay
from trellis_kernel.relay.in_service import start_outbox_relay
from trellis_kernel.store import EventStore, Pool, create_pool

DEFAULT_POOL_SIZE = 10


@dataclass
class ServiceRuntime:
    """The pool, checks and samplers of a running service, and the stack that stops what it starts."""

    pool: Pool
    database_url: str
    kafka_bootstrap_servers: str | None
    readiness: Readiness
    samplers: Samplers
    stack: contextlib.AsyncExitStack
    _stores_to_flush: list[EventStore] = field(default_factory=list, init=False)

    def flush_at_stop(self, store: EventStore) -> None:
        """When the app stops normally, wait for ``store``'s notifications of finished appends to be
        sent, once everything the stack started has stopped and before the pool closes."""
        self._stores_to_flush.append(store)

    async def start_outbox_relay(self, *, name: str, store: EventStore, topic: str) -> OutboxRelay:
        """The relay publishing ``store``'s events to ``topic``, with its readiness checks and lag
        metrics (see ``trellis_kernel.relay.in_service``)."""
        return await start_outbox_relay(
            self.stack,
            name=name,
            database_url=self.database_url,
            store=store,
            bootstrap_servers=self._bootstrap_servers(),
            topic=topic,
            readiness=self.readiness,
            samplers=self.samplers,
        )

    async def start_consumers(self, broker: KafkaBroker, consumers: Sequence[EventConsumer]) -> None:
        """Set up and subscribe ``consumers``, start their ``broker`` (stopped with the app) and
        sample the consumer groups' lag."""
        for consumer in consumers:
            await consumer.setup()
            consumer.subscribe()
        await broker.start()
        self.stack.push_async_callback(broker.stop)
        lag = ConsumerLag(
            self._bootstrap_servers(), {consumer.name: consumer.topics for consumer in consumers}
        )
        self.samplers.add(await self.stack.enter_async_context(lag))

    def run_in_background(self, work: Coroutine[Any, Any, None], *, name: str) -> asyncio.Task[None]:
        """Run ``work`` as a task cancelled when the app stops."""
        task = asyncio.create_task(work, name=name)
        self.stack.push_async_callback(_cancel, task)
        return task

    async def _flush_stores(self) -> None:
        for store in self._stores_to_flush:
            await store.flush_notifications()

    def _bootstrap_servers(self) -> str:
        if not self.kafka_bootstrap_servers:
            raise RuntimeError("Kafka is not configured for this service")
        return self.kafka_bootstrap_servers


@contextlib.asynccontextmanager
async def service_runtime(
    app: FastAPI,
    *,
    database_url: str,
    kafka_bootstrap_servers: str | None,
    pool_size: int = DEFAULT_POOL_SIZE,
) -> AsyncIterator[ServiceRuntime]:
    """The runtime of one life of ``app``: its pool of up to ``pool_size`` connections is closed
    last, after the stack has stopped what was started and the stores have been flushed."""
    pool = await create_pool(database_url, min_size=1, max_size=pool_size)
    try:
        readiness = Readiness()
        readiness.add("database", database_check(pool))
        samplers = Samplers()
        async with contextlib.AsyncExitStack() as stack:
            runtime = ServiceRuntime(
                pool=pool,
                database_url=database_url,
                kafka_bootstrap_servers=kafka_bootstrap_servers,
                readiness=readiness,
                samplers=samplers,
                stack=stack,
            )
            app.state.readiness = readiness
            app.state.metric_samplers = samplers
            yield runtime
        await runtime._flush_stores()
    finally:
        await pool.close()


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
