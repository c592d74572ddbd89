"""The replay of a service's stored history to a Kafka topic, throttled and resumable.

Runs in the owning service (the only process that may read its event store), beside its relay
and never in its way: its own producer, its own connection, its own checkpoint in the
``backfills`` row. One replica runs a given backfill at a time (an advisory lock held by the
connection it works on); if it dies the lock goes with its connection and the next round, here
or in another replica, resumes from the checkpoint. Records are published at least once: a crash
between the broker's acknowledgement and the checkpoint publishes the last batch again, with the
same CloudEvents ids, which consumers deduplicate.

The history replayed is everything stored before the backfill first started: it ends at the
store's frontier of that moment (the next transaction id). Events are read only below the read
horizon too, so a transaction still open then is waited for rather than skipped; what is stored
later reaches consumers live.
Within the range events go in global order, which keeps each stream's version order, keyed by
stream id like the relay's, so each aggregate's events land in one partition in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from trellis_kernel.backfill import requests
from trellis_kernel.backfill.markers import BACKFILL_ID, EndMarker
from trellis_kernel.backfill.requests import Backfill
from trellis_kernel.relay.encoding import EventEncoder, record_key
from trellis_kernel.relay.partitioning import cached_key_partitioner
from trellis_kernel.store.connections import Connection
from trellis_kernel.store.event_store import EventStore
from trellis_kernel.store.records import Position

logger = logging.getLogger(__name__)

HORIZON_WAIT = 0.05  # seconds between looks while a transaction older than the end is still open


@dataclass(frozen=True)
class BackfillSettings:
    service: str
    batch_size: int = 500
    poll_interval: float = 5.0  # seconds between looks for new requests without a notification
    retry_delay: float = 2.0  # seconds after a failed round


def lock_key(backfill_id: object) -> int:
    digest = hashlib.blake2b(f"trellis.backfill:{backfill_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class BackfillRunner:
    """Runs the service's open backfills, one at a time, until stopped."""

    def __init__(
        self,
        *,
        dsn: str,
        store: EventStore,
        bootstrap_servers: str,
        encode: EventEncoder,
        settings: BackfillSettings,
        producer_options: dict[str, Any] | None = None,
    ) -> None:
        self._dsn = dsn
        self._store = store
        self._bootstrap_servers = bootstrap_servers
        self._encode = encode
        self.settings = settings
        self._producer_options = {
            "linger_ms": 5,
            "partitioner": cached_key_partitioner,
            **(producer_options or {}),
            "enable_idempotence": True,
            "acks": "all",
        }
        self._stop = asyncio.Event()
        self._woken = asyncio.Event()
        self.published = 0  # records acknowledged since this runner started

    async def setup(self) -> None:
        async with self._store.pool.acquire() as connection:
            await requests.setup(connection)

    def stop(self) -> None:
        self._stop.set()
        self._woken.set()

    async def run(self) -> None:
        """Look for open backfills on every notification (and every poll_interval), run them."""
        listener = await asyncpg.connect(self._dsn)
        try:
            await listener.add_listener(requests.NOTIFY_CHANNEL, lambda *_: self._woken.set())
            while not self._stop.is_set():
                self._woken.clear()
                try:
                    await self.run_open()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("backfills of %s: a round failed; trying again", self.settings.service)
                    await asyncio.sleep(self.settings.retry_delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._woken.wait(), self.settings.poll_interval)
        finally:
            await listener.close()

    async def run_open(self) -> int:
        """Run every open backfill no other replica is running; returns how many it finished."""
        async with self._store.pool.acquire() as connection:
            waiting = await requests.open_backfills(connection)
        finished = 0
        for backfill in waiting:
            if self._stop.is_set():
                break
            finished += await self._run_if_free(backfill)
        return finished

    async def _run_if_free(self, backfill: Backfill) -> int:
        connection = await asyncpg.connect(self._dsn)
        try:
            if not await connection.fetchval(
                "SELECT pg_try_advisory_lock($1)", lock_key(backfill.backfill_id)
            ):
                return 0  # another replica runs it
            return 1 if await self._replay(connection, backfill) else 0
        finally:
            await connection.close()  # releases the lock

    async def _replay(self, connection: Connection, backfill: Backfill) -> bool:
        backfill = await requests.current(connection, backfill.backfill_id)
        if backfill.state not in requests.OPEN_STATES:
            return False
        request = backfill.request
        if backfill.upper_bound is None:
            upper = await self._store.frontier(connection=connection)
            total = await self._store.count_history(
                Position.START, upper, history=request.history, connection=connection
            )
            backfill = await requests.start(connection, backfill, upper, total)
        else:
            backfill = await requests.start(connection, backfill, backfill.upper_bound, backfill.total or 0)
        assert backfill.upper_bound is not None
        logger.info(
            "backfill %s of %s: replaying to %s", backfill.backfill_id, self.settings.service, request.topic
        )
        producer = AIOKafkaProducer(bootstrap_servers=self._bootstrap_servers, **self._producer_options)
        await producer.start()
        try:
            ended = await self._publish_range(connection, producer, backfill, backfill.upper_bound)
            if not ended:
                return False
            finished = await requests.current(connection, backfill.backfill_id)
            partitions = sorted(await producer.partitions_for(request.topic))
            for partition in partitions:
                marker = EndMarker(backfill.backfill_id, partition, len(partitions), finished.published)
                await producer.send_and_wait(
                    request.topic, value=b"", partition=partition, headers=marker.headers()
                )
            await requests.finish(connection, backfill.backfill_id, "completed")
            logger.info(
                "backfill %s of %s: completed, %d events",
                backfill.backfill_id,
                self.settings.service,
                finished.published,
            )
            return True
        except ValueError as error:  # an event no record can be made of: say which, stop here
            await requests.finish(connection, backfill.backfill_id, "failed", str(error))
            logger.error("backfill %s of %s failed: %s", backfill.backfill_id, self.settings.service, error)
            return False
        finally:
            await producer.stop()

    async def _publish_range(
        self, connection: Connection, producer: AIOKafkaProducer, backfill: Backfill, upper: Position
    ) -> bool:
        """Publish the range batch by batch at no more than the requested rate; False when it was
        cancelled (or the runner stopped) before the end."""
        request = backfill.request
        batch_size = max(1, min(self.settings.batch_size, request.rate_per_second))
        header = (BACKFILL_ID, str(backfill.backfill_id).encode())
        checkpoint = backfill.checkpoint
        while not self._stop.is_set():
            started = time.monotonic()
            readable = min(upper, await self._store.horizon(connection=connection))
            events = await self._store.read_history(
                checkpoint, readable, batch_size, history=request.history, connection=connection
            )
            if not events:
                if readable >= upper:
                    return True
                await asyncio.sleep(HORIZON_WAIT)  # a transaction open since before the start
                continue
            deliveries = []
            for event in events:
                encoded = self._encode(event)
                try:
                    deliveries.append(
                        await producer.send(
                            request.topic,
                            value=encoded.value,
                            key=record_key(event),
                            headers=[*encoded.headers, header],
                        )
                    )
                except ValueError as error:
                    raise ValueError(
                        f"event {event.event_id} ({event.stream_id} v{event.version}): {error}"
                    ) from error
            await asyncio.gather(*deliveries)
            checkpoint = events[-1].position
            # Keep to the rate: a batch of n events takes at least n / rate seconds.
            pause = len(events) / request.rate_per_second - (time.monotonic() - started)
            if pause > 0:
                await asyncio.sleep(pause)
            state = await requests.advance(
                connection, backfill.backfill_id, checkpoint, len(events), time.monotonic() - started
            )
            self.published += len(events)
            if state == "cancelled":
                logger.info("backfill %s of %s: cancelled", backfill.backfill_id, self.settings.service)
                return False
        return False
