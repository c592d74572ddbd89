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

One bad event never stops it (see quarantine.py): an event the encoder cannot make a record of,
or whose record the producer or broker refuses (too large), is set aside with the reason, a
notice goes to the dead-letter topic, and publishing goes on; later events of its stream are set
aside behind it until it is published. A broker that refuses a record can fail the whole batch
it travelled in, so after such a failure the failed records are sent again one at a time to
find the one at fault.

A failed round (the broker away, say) is retried after ``retry_delay`` with a new producer: an
idempotent producer whose requests timed out can be left refusing every send with
OutOfOrderSequenceNumber. Records of the failed round that the broker did store are published
again (duplicates, which consumers drop by event id), never out of order per stream.

Known edge: if the broker rejects one record of a stream but accepts a later one already sent in
the next batch (a partial send failure while pipelining), the later one is on the topic before
the earlier one (republished, or set aside). Consumers that must not apply a stream's events out
of order can check ``ce_sequence`` (the stream version).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    CorruptRecordException,
    InvalidTimestampError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    UnsupportedForMessageFormatError,
)
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from trellis_kernel.consumers.dead_letters import dead_letter_topic, describe
from trellis_kernel.observability.metrics import RELAY_LEADER, RELAY_PUBLISHED, RELAY_SET_ASIDE
from trellis_kernel.observability.tracing import TRACER, context_from
from trellis_kernel.relay import quarantine
from trellis_kernel.relay.checkpoints import RelayCheckpoints
from trellis_kernel.relay.encoding import EncodedEvent, EventEncoder, TopicChooser, record_key
from trellis_kernel.relay.lag import HORIZON, RelayLag, oldest_open_transaction, relay_lag
from trellis_kernel.relay.leadership import leadership
from trellis_kernel.relay.partitioning import cached_key_partitioner
from trellis_kernel.store.connections import Connection
from trellis_kernel.store.event_store import EventStore
from trellis_kernel.store.records import Position, StoredEvent
from trellis_kernel.store.schema import NOTIFY_CHANNEL

logger = logging.getLogger(__name__)

RECHECK_FIRST = 0.005  # seconds; first re-read after a notification that found nothing readable
INVALID_RECORD = 87  # Kafka's INVALID_RECORD error code (no class of its own in aiokafka)

# Errors that say "this record", not "the broker" or "the network": worth setting the record aside.
RECORD_ERRORS: tuple[type[Exception], ...] = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    RecordListTooLargeError,
    CorruptRecordException,
    UnsupportedForMessageFormatError,
    InvalidTimestampError,
)


def is_record_error(error: BaseException) -> bool:
    return isinstance(error, RECORD_ERRORS) or getattr(error, "errno", None) == INVALID_RECORD


@dataclass(frozen=True)
class RelaySettings:
    name: str = "outbox"
    batch_size: int = 1000
    poll_interval: float = 1.0  # seconds between reads when no notification arrives
    retry_delay: float = 1.0  # seconds to wait after a failed round before trying again
    stall_warning_after: float = 30.0
    """Seconds the read horizon may stand still while events wait before a warning is logged
    (and again every as many seconds while it lasts)."""
    producer_stop_timeout: float = 10.0  # seconds a failed round's producer gets to shut down


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
        dead_letter_topic_for: TopicChooser | None = None,
    ) -> None:
        """``dead_letter_topic_for``: where notices of set-aside events go; by default the
        dead-letter topic of the event's topic (``<topic>.dlt``)."""
        self._dsn = dsn
        self._store = store
        self._topic_for = topic_for
        self._dead_letter_topic_for = dead_letter_topic_for or (lambda e: dead_letter_topic(topic_for(e)))
        self._encode = encode
        self.settings = settings
        self._checkpoints = checkpoints or RelayCheckpoints(settings.name)
        self._bootstrap_servers = bootstrap_servers
        self._producer_options: dict[str, Any] = {
            "linger_ms": 5,
            "partitioner": cached_key_partitioner,
            **(producer_options or {}),
            # The guarantees are not options: no duplicates from producer retries, no
            # acknowledgement before every in-sync replica has the record.
            "enable_idempotence": True,
            "acks": "all",
        }
        self._producer: AIOKafkaProducer | None = None
        self._unsettled: set[asyncio.Future[Any]] = set()
        self._retiring: set[asyncio.Task[None]] = set()
        self.is_leader = False
        self.published = 0  # records acknowledged by the broker since start
        self.set_aside = 0  # events set aside as unpublishable since start
        self.producers_started = 0
        self._blocked: set[str] = set()  # streams with an event set aside (as last persisted)
        self._round_blocked: set[str] = set()
        self._stop_requested = asyncio.Event()
        self._woken = asyncio.Event()
        self._retry_requested = True
        self._horizon: int | None = None
        self._horizon_since = time.monotonic()
        self._horizon_checked = 0.0
        self._warned_at = 0.0
        self.horizon_stalled_seconds = 0.0

    async def __aenter__(self) -> Self:
        await self.setup()
        try:
            await self._ensure_producer()
        except Exception:  # the broker may be away now; run() starts one when it can
            logger.warning(
                "relay %s: no producer yet; retrying when running", self.settings.name, exc_info=True
            )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._discard_producer(settle_timeout=self.settings.producer_stop_timeout)

    async def setup(self) -> None:
        """Create the checkpoint and quarantine tables if they are missing (idempotent)."""
        async with self._store.pool.acquire() as connection:
            await self._checkpoints.setup(connection)
            await quarantine.setup(connection)

    async def lag(self) -> RelayLag:
        """Events stored but not published yet, the oldest one's age, the events set aside, and
        how long the read horizon has stood still while events waited (for metrics)."""
        async with self._store.pool.acquire() as connection:
            measured = await relay_lag(connection, self._checkpoints.name)
        return RelayLag(
            measured.waiting,
            measured.oldest_waiting_seconds,
            measured.set_aside,
            self.horizon_stalled_seconds if measured.waiting else 0.0,
        )

    async def run(self) -> None:
        """Relay until stopped: wait for leadership, publish, and start over after a failure."""
        failures = 0
        while not self._stop_requested.is_set():
            try:
                await self._ensure_producer()
                failures = 0
                async with leadership(self._dsn, self.settings.name) as connection:
                    self.is_leader = True
                    RELAY_LEADER.labels(self.settings.name).set(1)
                    await self._relay_as_leader(connection)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                if failures == 1:
                    logger.exception(
                        "relay %s: round failed; retrying with a new producer", self.settings.name
                    )
                else:
                    logger.warning(
                        "relay %s: still failing (%d tries): %r", self.settings.name, failures, error
                    )
                await self._discard_producer(settle_timeout=120.0)
                await asyncio.sleep(self.settings.retry_delay)
            finally:
                self.is_leader = False
                RELAY_LEADER.labels(self.settings.name).set(0)

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
        await self._ensure_producer()
        self._blocked = await quarantine.blocked_streams(connection, self.settings.name)
        await self._relay_available(connection, await self._checkpoints.load(connection))
        return self.published - before

    # --- the producer ------------------------------------------------------------------------------

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(bootstrap_servers=self._bootstrap_servers, **self._producer_options)
            try:
                await producer.start()
            except BaseException:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(producer.stop(), self.settings.producer_stop_timeout)
                raise
            self._producer = producer
            self.producers_started += 1
        return self._producer

    def _retire_producer(self) -> None:
        """Replace the producer now; the old one stops in the background once its records settle."""
        producer, self._producer = self._producer, None
        if producer is not None:
            task = asyncio.get_running_loop().create_task(self._stop(producer, within=120.0))
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)

    async def _stop(self, producer: AIOKafkaProducer, *, within: float) -> None:
        try:
            await asyncio.wait_for(producer.stop(), within)
        except Exception:
            logger.warning(
                "relay %s: an old producer did not stop cleanly", self.settings.name, exc_info=True
            )

    async def _discard_producer(self, *, settle_timeout: float) -> None:
        """Let the failed round's records settle (each ends within the producer's request
        timeout: stored, or failed), so that none is sent behind the next producer's records,
        then stop the producer."""
        producer, self._producer = self._producer, None
        if self._unsettled:
            await asyncio.wait(self._unsettled, timeout=settle_timeout)
            self._unsettled.clear()
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), self.settings.producer_stop_timeout)
            except Exception:
                logger.warning(
                    "relay %s: the old producer did not stop cleanly", self.settings.name, exc_info=True
                )

    # --- leading ------------------------------------------------------------------------------------

    async def _relay_as_leader(self, connection: Connection) -> None:
        woken = self._woken

        def on_notification(*_: object) -> None:
            woken.set()

        def on_retry_request(*_: object) -> None:
            self._retry_requested = True
            woken.set()

        await connection.add_listener(NOTIFY_CHANNEL, on_notification)
        await connection.add_listener(quarantine.RETRY_CHANNEL, on_retry_request)
        # A dropped connection means the lock is gone: stop waiting at once.
        connection.add_termination_listener(on_notification)
        self._blocked = await quarantine.blocked_streams(connection, self.settings.name)
        self._retry_requested = True
        checkpoint = await self._checkpoints.load(connection)
        recheck: float | None = None
        notified = False
        while not self._stop_requested.is_set():
            woken.clear()
            if self._retry_requested:
                self._retry_requested = False
                await self._retry_set_aside(connection)
            published_before = self.published
            checkpoint = await self._relay_available(connection, checkpoint)
            if self.published > published_before:
                recheck = None
                self._horizon_moved()
            else:
                await self._watch_horizon(connection, checkpoint)
                if notified or recheck is not None:
                    # Events were announced but are not readable yet: a transaction older than
                    # theirs is still running (maybe one that will not notify, like a consumer's).
                    # Look again soon, backing off to the polling interval.
                    recheck = min(self.settings.poll_interval, 2 * recheck if recheck else RECHECK_FIRST)
            try:
                await asyncio.wait_for(woken.wait(), timeout=recheck or self.settings.poll_interval)
                notified = True
            except TimeoutError:
                notified = False
                self._retry_requested = True  # a lost retry notification only delays
            if connection.is_closed():
                raise ConnectionError("the leader's connection is closed; leadership is lost")
        # Asked to stop: publish what became visible meanwhile, then hand over.
        await self._relay_available(connection, checkpoint)

    async def _relay_available(self, connection: Connection, checkpoint: Position) -> Position:
        """Publish every event visible after ``checkpoint``; return the new checkpoint.

        Pipelined, one batch deep: the next batch is read and sent while the broker is still
        acknowledging the previous one. Checkpoints are still written in order, each only once
        its batch and every batch before it have been acknowledged (or set aside).
        """
        self._round_blocked = set(self._blocked)
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
                    self._abandon(batch)
            raise

    async def _send(self, events: list[StoredEvent]) -> _SentBatch:
        """Hand every event to the producer; the broker acknowledges them later."""
        producer = await self._ensure_producer()
        batch = _SentBatch(last=events[-1].position)
        for event in events:
            if event.stream_id in self._round_blocked:
                batch.set_aside.append(
                    (event, quarantine.STREAM_BLOCKED, "an earlier event of the stream is set aside")
                )
                continue
            try:
                encoded = self._encode(event)
            except ValueError as error:  # EnvelopeError, UnicodeError: no record can be made of it
                self._set_aside_later(batch, event, quarantine.UNPUBLISHABLE, error)
                continue
            topic = self._topic_for(event)
            span = self._publish_span(event, topic)
            try:
                delivery = await producer.send(
                    topic,
                    value=encoded.value,
                    key=record_key(event),
                    headers=encoded.headers,
                )
            except Exception as error:
                _end_span(span, error)
                if not is_record_error(error):
                    raise
                self._set_aside_later(batch, event, quarantine.REFUSED, error)  # refused before sending
                continue
            batch.deliveries.append(_Delivery(event, encoded, delivery, span))
        return batch

    def _publish_span(self, event: StoredEvent, topic: str) -> Span | None:
        """A span from handing the event to the producer to the broker's acknowledgement, in
        the trace the event was appended in (events without a trace context get none)."""
        parent = context_from(event.traceparent)
        if parent is None:
            return None
        return TRACER.start_span(
            f"publish {topic}",
            context=parent,
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "send",
                "messaging.destination.name": topic,
                "messaging.message.id": str(event.event_id),
                "cloudevents.event_type": event.event_type,
                "trellis.relay": self.settings.name,
                "trellis.stream_id": event.stream_id,
            },
        )

    def _set_aside_later(
        self, batch: _SentBatch, event: StoredEvent, reason: str, error: BaseException
    ) -> None:
        batch.set_aside.append((event, reason, describe(error)))
        self._round_blocked.add(event.stream_id)

    async def _complete(self, connection: Connection, batch: _SentBatch) -> Position:
        """Wait for the broker's acknowledgement of every record, set aside what cannot be
        published, then checkpoint the batch."""
        results = await asyncio.gather(*(d.future for d in batch.deliveries), return_exceptions=True)
        for delivery, result in zip(batch.deliveries, results, strict=True):
            _end_span(delivery.span, result if isinstance(result, BaseException) else None)
        failed = [
            (d, r) for d, r in zip(batch.deliveries, results, strict=True) if isinstance(r, BaseException)
        ]
        if failed:
            if not any(is_record_error(error) for _, error in failed):
                raise failed[0][1]
            # After a refused batch the idempotent producer is out of step with the broker for
            # that partition (later batches fail with OutOfOrderSequenceNumber, which also keeps
            # them from overtaking): find the refused record with a new one.
            self._retire_producer()
            await self._isolate(batch, [delivery for delivery, _ in failed])
        if batch.set_aside:
            await self._record_set_aside(connection, batch.set_aside)
        await self._checkpoints.save(connection, batch.last)
        self._count_published(len(batch.deliveries) - len(failed))
        return batch.last

    def _count_published(self, count: int) -> None:
        self.published += count
        RELAY_PUBLISHED.labels(self.settings.name).inc(count)

    async def _isolate(self, batch: _SentBatch, failed: Sequence[_Delivery]) -> None:
        """A record the broker refused may have failed every record of its batch: send the
        failed ones again one at a time; the ones still refused are set aside (each refusal
        leaves the producer out of step again, so the next record gets a new one)."""
        for delivery in failed:
            event = delivery.event
            if event.stream_id in self._round_blocked:
                batch.set_aside.append(
                    (event, quarantine.STREAM_BLOCKED, "an earlier event of the stream is set aside")
                )
                continue
            producer = await self._ensure_producer()
            try:
                future = await producer.send(
                    self._topic_for(event),
                    value=delivery.encoded.value,
                    key=record_key(event),
                    headers=delivery.encoded.headers,
                )
                await future
            except Exception as error:
                if not is_record_error(error):
                    raise
                self._set_aside_later(batch, event, quarantine.REFUSED, error)
                self._retire_producer()
                continue
            self._count_published(1)

    async def _record_set_aside(
        self, connection: Connection, items: Sequence[tuple[StoredEvent, str, str]]
    ) -> None:
        producer = await self._ensure_producer()
        notices = []
        for event, reason, error in items:
            await quarantine.set_aside(connection, self.settings.name, event, reason, error)
            logger.error(
                "relay %s: set aside event %s (%s v%d, %s): %s: %s",
                self.settings.name,
                event.event_id,
                event.stream_id,
                event.version,
                event.event_type,
                reason,
                error,
            )
            notices.append(
                await producer.send(
                    self._dead_letter_topic_for(event),
                    value=b"",
                    key=record_key(event),
                    headers=_notice_headers(self.settings.name, self._topic_for(event), event, reason, error),
                )
            )
        await asyncio.gather(*notices)
        self._blocked.update(event.stream_id for event, _, _ in items)
        self.set_aside += len(items)
        for _, reason, _ in items:
            RELAY_SET_ASIDE.labels(self.settings.name, reason).inc()

    def _abandon(self, batch: _SentBatch) -> None:
        for delivery in batch.deliveries:
            _end_span(delivery.span, None, abandoned=True)
            future = delivery.future
            if not future.done():
                self._unsettled.add(future)
                future.add_done_callback(self._unsettled.discard)
            # Retrieve outcomes nobody will wait for, so asyncio does not log them as lost.
            future.add_done_callback(lambda done: done.cancelled() or done.exception())

    # --- retrying set-aside events --------------------------------------------------------------------

    async def _retry_set_aside(self, connection: Connection) -> None:
        """Publish the set-aside events whose retry was asked for, each stream in version order,
        up to the first that fails again."""
        streams = await quarantine.requested_retries(connection, self.settings.name)
        for stream_id, waiting in streams.items():
            from_version = waiting[0][1]
            stored = {
                e.event_id: e
                for e in await self._store.read_stream(stream_id, from_version, connection=connection)
            }
            for event_id, _ in waiting:
                event = stored[event_id]
                producer = await self._ensure_producer()
                try:
                    encoded = self._encode(event)
                    future = await producer.send(
                        self._topic_for(event),
                        value=encoded.value,
                        key=record_key(event),
                        headers=encoded.headers,
                    )
                    await future
                except Exception as error:
                    refused = is_record_error(error)
                    if not (refused or isinstance(error, ValueError)):
                        raise
                    if refused:
                        self._retire_producer()
                    reason = quarantine.REFUSED if refused else quarantine.UNPUBLISHABLE
                    await quarantine.set_aside(connection, self.settings.name, event, reason, describe(error))
                    logger.error(
                        "relay %s: retried event %s is still refused: %r", self.settings.name, event_id, error
                    )
                    break
                await quarantine.mark_published(connection, self.settings.name, event_id)
                self._count_published(1)
                logger.info("relay %s: published set-aside event %s on retry", self.settings.name, event_id)
            else:
                self._blocked.discard(stream_id)

    # --- watching the read horizon --------------------------------------------------------------------

    def _horizon_moved(self) -> None:
        self._horizon_since = time.monotonic()
        self.horizon_stalled_seconds = 0.0

    async def _watch_horizon(self, connection: Connection, checkpoint: Position) -> None:
        """When events wait and the read horizon has not moved for ``stall_warning_after``,
        warn, naming the transaction that holds it (checked at most once a second)."""
        now = time.monotonic()
        if now - self._horizon_checked < 1.0:
            return
        self._horizon_checked = now
        horizon: int = await connection.fetchval(HORIZON)
        if horizon != self._horizon:
            self._horizon = horizon
            self._horizon_moved()
            return
        waiting = await connection.fetchval(
            "SELECT EXISTS (SELECT FROM events WHERE (transaction_id, global_position)"
            " > ($1::bigint::text::xid8, $2::bigint))",
            checkpoint.transaction_id,
            checkpoint.global_position,
        )
        if not waiting:
            self._horizon_moved()
            return
        self.horizon_stalled_seconds = now - self._horizon_since
        if self.horizon_stalled_seconds < self.settings.stall_warning_after:
            return
        if now - self._warned_at < self.settings.stall_warning_after:
            return
        self._warned_at = now
        lag = await relay_lag(connection, self._checkpoints.name)
        holder = await oldest_open_transaction(connection)
        logger.warning(
            "relay %s: stalled for %.0fs: %d events wait, the oldest for %.0fs, behind a transaction "
            "still open in the PostgreSQL cluster: %s. End it (or set idle_in_transaction_session_timeout).",
            self.settings.name,
            self.horizon_stalled_seconds,
            lag.waiting,
            lag.oldest_waiting_seconds,
            _describe_transaction(holder),
        )


def _describe_transaction(holder: dict[str, Any] | None) -> str:
    if holder is None:
        return "none found (it may have ended)"
    return (
        f"database {holder['datname']!r}, pid {holder['pid']}, user {holder['usename']!r}, "
        f"application {holder['application_name']!r}, {holder['state']} "
        f"(open {holder['open_seconds'] or 0:.0f}s, in this state {holder['state_seconds'] or 0:.0f}s)"
    )


def _notice_headers(
    relay: str, topic: str, event: StoredEvent, reason: str, error: str
) -> list[tuple[str, bytes]]:
    """Headers of a set-aside notice on the dead-letter topic (its value is empty: the event may
    be what the broker refused; it stays in the event store)."""
    values = {
        "dlt-reason": reason,
        "dlt-error": error,
        "dlt-relay": relay,
        "dlt-original-topic": topic,
        "trellis-event-id": str(event.event_id),
        "trellis-stream-id": event.stream_id,
        "trellis-version": str(event.version),
        "trellis-event-type": event.event_type,
    }
    return [(name, value.encode("utf-8", "backslashreplace")) for name, value in values.items()]


def _end_span(span: Span | None, error: BaseException | None, *, abandoned: bool = False) -> None:
    if span is None or not span.is_recording():
        return
    if error is not None or abandoned:
        span.set_status(Status(StatusCode.ERROR, "abandoned" if error is None else type(error).__name__))
    span.end()


@dataclass
class _Delivery:
    event: StoredEvent
    encoded: EncodedEvent
    future: asyncio.Future[Any]
    span: Span | None = None


@dataclass
class _SentBatch:
    last: Position
    deliveries: list[_Delivery] = field(default_factory=list)
    set_aside: list[tuple[StoredEvent, str, str]] = field(default_factory=list)


async def set_aside_events(
    store: EventStore, relay_name: str, *, include_published: bool = False
) -> list[quarantine.SetAsideEvent]:
    """The events a relay set aside (for tools: ``trellis relay quarantined``)."""
    async with store.pool.acquire() as connection:
        await quarantine.setup(connection)
        return await quarantine.listed(connection, relay_name, include_published=include_published)


async def request_retry(store: EventStore, relay_name: str, event_id: UUID) -> list[quarantine.SetAsideEvent]:
    """Ask the leading relay to publish a set-aside event's stream (``trellis relay retry``)."""
    async with store.pool.acquire() as connection:
        await quarantine.setup(connection)
        return await quarantine.request_retry(connection, relay_name, event_id)
