"""The outbox relay: publishes a service's stored events to Kafka, in global order, at least once.

The events table is the outbox. The leader replica reads events after its checkpoint with
EventStore.read_all (gap-safe: an event is read only once every older transaction has ended),
sends a batch to Kafka with an idempotent producer (acks=all), waits until the broker has
acknowledged every record of the batch, and only then advances the checkpoint. A crash between
the acknowledgement and the checkpoint publishes the batch again; consumers deduplicate by
event id, so the effect is still once.

It wakes on ``NOTIFY trellis_events`` (sent by the store on commit). When a notification finds
nothing readable (the event waits behind an older transaction still running), it reads again
after 5 ms, 10 ms, ... up to ``poll_interval``; and it polls every ``poll_interval`` seconds in
any case, so a lost notification only delays.

Known edge: if the broker rejects one record of a stream but accepts a later one (a partial
send failure), the later one is on the topic before the retried earlier one. Consumers that
must not apply a stream's events out of order can check ``ce_sequence`` (the stream version).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiokafka import AIOKafkaProducer

from trellis_kernel.relay.checkpoints import RelayCheckpoints
from trellis_kernel.relay.encoding import EventEncoder, TopicChooser, record_key
from trellis_kernel.relay.leadership import leadership
from trellis_kernel.relay.partitioning import cached_key_partitioner
from trellis_kernel.store.connections import Connection
from trellis_kernel.store.event_store import EventStore
from trellis_kernel.store.records import Position, StoredEvent
from trellis_kernel.store.schema import NOTIFY_CHANNEL

logger = logging.getLogger(__name__)

RECHECK_FIRST = 0.005  # seconds; first re-read after a notification that found nothing readable


@dataclass(frozen=True)
class RelaySettings:
    name: str = "outbox"
    batch_size: int = 1000
    poll_interval: float = 1.0  # seconds between reads when no notification arrives
    retry_delay: float = 1.0  # seconds to wait after a failed round before trying again


class OutboxRelay:
    """Relays one service's events to Kafka; run one per replica, only one is active at a time.

    Use as ``async with OutboxRelay(...) as relay: await relay.run()``.
    """

    def __init__(
        self,
        *,
        dsn: str,
        store: EventStore,
        bootstrap_servers: str,
        topic_for: TopicChooser,
        encode: EventEncoder,
        settings: RelaySettings = RelaySettings(),
        checkpoints: RelayCheckpoints | None = None,
        producer_options: dict[str, Any] | None = None,
    ) -> None:
        self._dsn = dsn
        self._store = store
        self._topic_for = topic_for
        self._encode = encode
        self.settings = settings
        self._checkpoints = checkpoints or RelayCheckpoints(settings.name)
        options: dict[str, Any] = {
            "linger_ms": 5,
            "partitioner": cached_key_partitioner,
            **(producer_options or {}),
            # The guarantees are not options: no duplicates from producer retries, no
            # acknowledgement before every in-sync replica has the record.
            "enable_idempotence": True,
            "acks": "all",
        }
        self._producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, **options)
        self.is_leader = False
        self.published = 0  # records acknowledged by the broker since start
        self._stop_requested = asyncio.Event()
        self._woken = asyncio.Event()

    async def __aenter__(self) -> Self:
        await self.setup()
        await self._producer.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._producer.stop()

    async def setup(self) -> None:
        """Create the checkpoint table if it is missing (idempotent)."""
        async with self._store.pool.acquire() as connection:
            await self._checkpoints.setup(connection)

    async def run(self) -> None:
        """Relay until stopped: wait for leadership, publish, and start over after a failure."""
        while not self._stop_requested.is_set():
            try:
                async with leadership(self._dsn, self.settings.name) as connection:
                    self.is_leader = True
                    await self._relay_as_leader(connection)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("relay %s: round failed; retrying", self.settings.name)
                await asyncio.sleep(self.settings.retry_delay)
            finally:
                self.is_leader = False

    async def stop(self, task: asyncio.Task[None], *, drain_seconds: float = 10.0) -> None:
        """Stop ``task`` (this relay's run()): a leader first publishes every event visible now,
        so a service shutting down leaves nothing stored for its next start to publish; a
        standby, or a leader that cannot finish within ``drain_seconds``, is cancelled."""
        self._stop_requested.set()
        self._woken.set()
        if self.is_leader:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), drain_seconds)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def relay_pending(self, connection: Connection) -> int:
        """Publish every event visible now, batch by batch; return how many were published.

        ``connection`` must be the leader's; it is exposed for one-shot use (tests, tools).
        """
        before = self.published
        await self._relay_available(connection, await self._checkpoints.load(connection))
        return self.published - before

    async def _relay_as_leader(self, connection: Connection) -> None:
        woken = self._woken

        def on_notification(*_: object) -> None:
            woken.set()

        await connection.add_listener(NOTIFY_CHANNEL, on_notification)
        # A dropped connection means the lock is gone: stop waiting at once.
        connection.add_termination_listener(on_notification)
        checkpoint = await self._checkpoints.load(connection)
        recheck: float | None = None
        notified = False
        while not self._stop_requested.is_set():
            woken.clear()
            published_before = self.published
            checkpoint = await self._relay_available(connection, checkpoint)
            if self.published > published_before:
                recheck = None
            elif notified or recheck is not None:
                # Events were announced but are not readable yet: a transaction older than
                # theirs is still running (maybe one that will not notify, like a consumer's).
                # Look again soon, backing off to the polling interval.
                recheck = min(self.settings.poll_interval, 2 * recheck if recheck else RECHECK_FIRST)
            try:
                await asyncio.wait_for(woken.wait(), timeout=recheck or self.settings.poll_interval)
                notified = True
            except TimeoutError:
                notified = False
            if connection.is_closed():
                raise ConnectionError("the leader's connection is closed; leadership is lost")
        # Asked to stop: publish what became visible meanwhile, then hand over.
        await self._relay_available(connection, checkpoint)

    async def _relay_available(self, connection: Connection, checkpoint: Position) -> Position:
        """Publish every event visible after ``checkpoint``; return the new checkpoint.

        Pipelined, one batch deep: the next batch is read and sent while the broker is still
        acknowledging the previous one. Checkpoints are still written in order, each only once
        its batch and every batch before it have been acknowledged.
        """
        read_up_to = checkpoint
        in_flight: _SentBatch | None = None
        sent: _SentBatch | None = None
        try:
            while True:
                events = await self._store.read_all(
                    read_up_to, self.settings.batch_size, connection=connection
                )
                sent = await self._send(events) if events else None
                if in_flight is not None:
                    checkpoint = await self._complete(connection, in_flight)
                in_flight = sent
                if len(events) < self.settings.batch_size:
                    if in_flight is not None:
                        checkpoint = await self._complete(connection, in_flight)
                        in_flight = None
                    return checkpoint
                read_up_to = events[-1].position
        except BaseException:
            # Failed part-way: nothing more is checkpointed; the next round publishes again.
            for batch in (in_flight, sent):
                if batch is not None:
                    batch.abandon()
            raise

    async def _send(self, events: list[StoredEvent]) -> _SentBatch:
        """Hand every event to the producer; the broker acknowledges them later."""
        deliveries = []
        for event in events:
            encoded = self._encode(event)
            deliveries.append(
                await self._producer.send(
                    self._topic_for(event),
                    value=encoded.value,
                    key=record_key(event),
                    headers=encoded.headers,
                )
            )
        return _SentBatch(deliveries, events[-1].position)

    async def _complete(self, connection: Connection, batch: _SentBatch) -> Position:
        """Wait for the broker's acknowledgement of every record, then checkpoint the batch."""
        await batch.acknowledged()
        await self._checkpoints.save(connection, batch.last)
        self.published += len(batch.deliveries)
        return batch.last


@dataclass
class _SentBatch:
    deliveries: list[asyncio.Future[Any]]
    last: Position

    async def acknowledged(self) -> None:
        results = await asyncio.gather(*self.deliveries, return_exceptions=True)
        failures = [result for result in results if isinstance(result, BaseException)]
        if failures:
            raise failures[0]

    def abandon(self) -> None:
        # Retrieve outcomes nobody will wait for, so asyncio does not log them as lost.
        for delivery in self.deliveries:
            delivery.add_done_callback(lambda done: done.cancelled() or done.exception())
