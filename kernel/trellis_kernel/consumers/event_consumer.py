"""Idempotent consumers of other services' events, on FastStream's KafkaBroker.

Delivery is at least once: the subscriber uses a consumer group and AckPolicy.NACK_ON_ERROR,
so an offset is committed only after the record was handled (or dead-lettered); an
unexpected failure (the database is down, the dead-letter topic cannot be written) seeks
back and the record comes again. The effect is applied once: the handler runs in one
transaction with the claim of (consumer, event id) in ``processed_events``, so a redelivered
event is recognised and changes nothing.

A handler that appends events (a reaction, in the same transaction as the claim) may meet
StaleTransaction (its transaction wrote the claim before another committed the stream's last
version) or ConcurrencyConflict (another writer got in first): the whole transaction, claim
included, is then run again at once, up to ``fresh_transaction_retries`` times, without counting
as a failed attempt.

A record that cannot be decoded, or whose handler still fails after ``max_attempts``, is
republished to the dead-letter topic with the error and its coordinates in headers, and
consumption carries on with the next record. Events of a type without a handler are skipped
and counted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy
from opentelemetry.trace import Span, SpanKind
from pydantic import ValidationError

from trellis_kernel.consumers import processed_events
from trellis_kernel.consumers.dead_letters import (
    HANDLER_FAILED,
    UNDECODABLE,
    DeadLetterTopic,
    dead_letter_headers,
    dead_letter_topic,
)
from trellis_kernel.consumers.incoming import (
    EventDecoder,
    Headers,
    IncomingEvent,
    RecordCoordinates,
)
from trellis_kernel.observability.logs import log_context
from trellis_kernel.observability.metrics import CONSUMER_DEAD_LETTERED, CONSUMER_EVENTS
from trellis_kernel.observability.tracing import context_from, current_span
from trellis_kernel.store.connections import Connection, Pool
from trellis_kernel.store.errors import ConcurrencyConflict, StaleTransaction

logger = logging.getLogger(__name__)

EventHandler = Callable[[IncomingEvent, Connection], Awaitable[None]]
"""Applies one event; runs inside the transaction that records it as processed."""


@dataclass(frozen=True)
class ConsumerSettings:
    max_attempts: int = 3  # handler attempts before a record is dead-lettered
    retry_backoff: float = 0.1  # seconds before the second attempt, doubled after each failure
    redelivery_delay: float = 1.0  # seconds before an infrastructure failure lets the record come again
    auto_offset_reset: Literal["earliest", "latest"] = "earliest"
    # Failures that another attempt cannot fix (the data does not match its contract):
    # dead-lettered on the first attempt.
    non_retryable: tuple[type[Exception], ...] = (ValidationError,)
    dead_letter_topic: DeadLetterTopic = dead_letter_topic
    # Runs of the whole transaction again after StaleTransaction or ConcurrencyConflict, at once.
    fresh_transaction_retries: int = 20
    # Members of the group this process runs per topic, each with partitions of its own: records
    # of different partitions are handled at once, those of one partition still one at a time.
    # (With batches, one member takes every partition.)
    workers: int = 1
    # Records applied in one transaction (1: a transaction per record). A larger batch saves a
    # commit per record, for consumers that meet many records at once (a replay, say); if any
    # record of it fails, the batch's transaction is rolled back and its records are applied one
    # by one, with the retries and dead-lettering above.
    batch_size: int = 1
    batch_timeout_ms: int = 100  # how long a batch waits to fill up
    # A batch's transaction commits once it has been open this long, and the rest of the batch goes
    # on in a new one: a transaction open for long holds back every gap-safe reader (relays,
    # projections) of the PostgreSQL cluster.
    batch_transaction_seconds: float = 0.2
    # At most this many records a second, for a consumer that must leave room to others in its
    # process (a replay beside live traffic); None: as fast as it can.
    max_records_per_second: float | None = None


RETRIED_IN_A_FRESH_TRANSACTION: tuple[type[Exception], ...] = (StaleTransaction, ConcurrencyConflict)


@dataclass
class ConsumerStats:
    applied: int = 0
    duplicates: int = 0
    retries: int = 0
    fresh_transactions: int = 0  # transactions run again after StaleTransaction or a conflict
    dead_lettered: int = 0
    skipped_unknown: Counter[str] = field(default_factory=Counter)  # per event type


def _coordinates(record: object) -> RecordCoordinates:
    return RecordCoordinates(
        topic=getattr(record, "topic"),  # noqa: B009 - aiokafka's record is untyped
        partition=getattr(record, "partition"),  # noqa: B009
        offset=getattr(record, "offset"),  # noqa: B009
        key=getattr(record, "key"),  # noqa: B009
    )


class _HandlerFailed(Exception):
    """The handler itself raised: worth retrying, then dead-lettering."""


class EventConsumer:
    """One named consumer (= Kafka group id) of one or more topics; register handlers per type."""

    def __init__(
        self,
        name: str,
        *,
        broker: KafkaBroker,
        pool: Pool,
        topics: Sequence[str],
        decode: EventDecoder,
        settings: ConsumerSettings = ConsumerSettings(),
    ) -> None:
        if settings.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if settings.workers < 1:
            raise ValueError("workers must be at least 1")
        if settings.batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.name = name
        self._broker = broker
        self._pool = pool
        self._topics = tuple(topics)
        self._decode = decode
        self.settings = settings
        self._handlers: dict[str, EventHandler] = {}
        self.stats = ConsumerStats()
        self._subscribed = False

    @property
    def topics(self) -> tuple[str, ...]:
        return self._topics

    def handles(self, event_type: str) -> Callable[[EventHandler], EventHandler]:
        """Decorator registering the handler of one CloudEvents type."""

        def register(handler: EventHandler) -> EventHandler:
            if event_type in self._handlers:
                raise ValueError(f"{self.name} already has a handler for {event_type}")
            self._handlers[event_type] = handler
            return handler

        return register

    async def setup(self) -> None:
        """Create the processed-events table (idempotent)."""
        async with self._pool.acquire() as connection:
            await processed_events.setup(connection)

    def subscribe(self) -> None:
        """Register the subscriber on the broker; call once, before the broker starts."""
        if self._subscribed:
            raise RuntimeError(f"{self.name} is already subscribed")
        self._subscribed = True

        async def receive(message: KafkaMessage) -> None:
            await self.process(message.raw_message)

        async def receive_batch(message: KafkaMessage) -> None:
            raw = message.raw_message
            await self.process_batch(raw if isinstance(raw, tuple) else (raw,))

        if self.settings.batch_size == 1 and self.settings.workers == 1:
            self._broker.subscriber(
                *self._topics,
                group_id=self.name,
                ack_policy=AckPolicy.NACK_ON_ERROR,
                auto_offset_reset=self.settings.auto_offset_reset,
                title=f"{self.name}",
            )(receive)
        elif self.settings.batch_size == 1:
            for topic in self._topics:  # FastStream runs members of a group for one topic at a time

                async def receive_from(message: KafkaMessage) -> None:
                    await self.process(message.raw_message)

                self._broker.subscriber(
                    topic,
                    group_id=self.name,
                    ack_policy=AckPolicy.NACK_ON_ERROR,
                    auto_offset_reset=self.settings.auto_offset_reset,
                    max_workers=self.settings.workers,
                    title=f"{self.name}:{topic}",
                )(receive_from)
        else:
            self._broker.subscriber(
                *self._topics,
                group_id=self.name,
                ack_policy=AckPolicy.NACK_ON_ERROR,
                auto_offset_reset=self.settings.auto_offset_reset,
                batch=True,
                max_records=self.settings.batch_size,
                batch_timeout_ms=self.settings.batch_timeout_ms,
                title=f"{self.name}",
            )(receive_batch)

    async def process_batch(self, records: Sequence[object]) -> None:
        """Handle Kafka ConsumerRecords (each partition's in order) with one transaction for all
        the events it has handlers for; if one of them cannot be applied there, roll back and
        handle each record on its own (``process``: retries, dead letters). Records it cannot
        decode or has no handler for are handled on their own too (they have no effect)."""
        together: list[tuple[object, IncomingEvent, EventHandler]] = []
        alone: list[object] = []
        for record in records:
            found = self._decoded(record)
            if found is None:
                alone.append(record)
            else:
                together.append((record, *found))
        start = 0
        while start < len(together):
            began = time.monotonic()
            try:
                done, applied = await self._apply_together(
                    [(event, handler) for _, event, handler in together[start:]]
                )
            except _HandlerFailed:
                # Those before it are committed (their claims make them duplicates now).
                alone = [record for record, _, _ in together[start:]] + alone
                break
            self._count("applied", applied)
            self._count("duplicate", done - applied)
            start += done
            if self.settings.max_records_per_second:
                pause = done / self.settings.max_records_per_second - (time.monotonic() - began)
                if pause > 0:
                    await asyncio.sleep(pause)  # outside the transaction
        for record in alone:
            await self.process(record)

    def _decoded(self, record: object) -> tuple[IncomingEvent, EventHandler] | None:
        coordinates = _coordinates(record)
        try:
            decoded = self._decode(
                list(getattr(record, "headers", None) or ()), getattr(record, "value", None) or b""
            )
        except Exception:
            return None
        handler = self._handlers.get(decoded.event_type)
        if handler is None:
            return None
        return IncomingEvent(decoded, coordinates), handler

    async def _apply_together(self, events: Sequence[tuple[IncomingEvent, EventHandler]]) -> tuple[int, int]:
        """Apply events in one transaction until they are done or it has been open
        ``batch_transaction_seconds``; returns (events handled, of which applied)."""
        applied = handled = 0
        began = time.monotonic()
        async with self._pool.acquire() as connection, connection.transaction():
            for event, handler in events:
                if handled and time.monotonic() - began > self.settings.batch_transaction_seconds:
                    break
                handled += 1
                with self._consuming(event):
                    if not await processed_events.claim(connection, self.name, event.event_id):
                        continue
                    try:
                        await handler(event, connection)
                    except Exception as error:
                        raise _HandlerFailed() from error
                applied += 1
        return handled, applied

    async def process(self, record: object) -> None:
        """Handle one Kafka ConsumerRecord: apply once, skip, or dead-letter it."""
        coordinates = _coordinates(record)
        headers: Headers = list(getattr(record, "headers", None) or ())
        value: bytes = getattr(record, "value", None) or b""
        try:
            decoded = self._decode(headers, value)
        except Exception as error:
            await self._dead_letter(headers, value, coordinates, UNDECODABLE, error, attempts=0)
            return
        handler = self._handlers.get(decoded.event_type)
        if handler is None:
            self.stats.skipped_unknown[decoded.event_type] += 1
            CONSUMER_EVENTS.labels(self.name, "skipped").inc()
            logger.debug("%s: no handler for %s; skipped", self.name, decoded.event_type)
            return
        event = IncomingEvent(decoded, coordinates)
        with self._consuming(event):
            await self._apply_with_retries(handler, event, headers, value)

    @contextmanager
    def _consuming(self, event: IncomingEvent) -> Iterator[Span]:
        """The span of handling one event, in the trace its ``traceparent`` names, and the log
        context (the event, its organisation) of what the handler logs."""
        attributes = event.decoded.attributes or {}
        organisation = event.data.get("organisation_id") if isinstance(event.data, dict) else None
        with (
            log_context(
                event_id=str(event.event_id),
                organisation_id=organisation if isinstance(organisation, str) else None,
            ),
            current_span(
                f"consume {event.coordinates.topic}",
                context=context_from(attributes.get("traceparent")),
                kind=SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.operation.type": "process",
                    "messaging.destination.name": event.coordinates.topic,
                    "messaging.destination.partition.id": str(event.coordinates.partition),
                    "messaging.kafka.offset": event.coordinates.offset,
                    "messaging.consumer.group.name": self.name,
                    "messaging.message.id": str(event.event_id),
                    "cloudevents.event_type": event.event_type,
                },
            ) as span,
        ):
            yield span

    def _count(self, outcome: str, count: int = 1) -> None:
        if outcome == "applied":
            self.stats.applied += count
        elif outcome == "duplicate":
            self.stats.duplicates += count
        elif outcome == "dead_lettered":
            self.stats.dead_lettered += count
        if count:
            CONSUMER_EVENTS.labels(self.name, outcome).inc(count)

    async def _apply_with_retries(
        self, handler: EventHandler, event: IncomingEvent, headers: Headers, value: bytes
    ) -> None:
        delay = self.settings.retry_backoff
        fresh_transactions_left = self.settings.fresh_transaction_retries
        attempt = 1
        while attempt <= self.settings.max_attempts:
            try:
                applied = await self._apply_once(handler, event)
            except _HandlerFailed as failure:
                cause = failure.__cause__ or failure
                if isinstance(cause, RETRIED_IN_A_FRESH_TRANSACTION) and fresh_transactions_left > 0:
                    fresh_transactions_left -= 1
                    self.stats.fresh_transactions += 1
                    continue
                if attempt == self.settings.max_attempts or isinstance(cause, self.settings.non_retryable):
                    await self._dead_letter(
                        headers, value, event.coordinates, HANDLER_FAILED, cause, attempts=attempt
                    )
                    return
                logger.warning(
                    "%s: attempt %d for event %s failed: %s",
                    self.name,
                    attempt,
                    event.event_id,
                    type(cause).__name__,
                )
                self.stats.retries += 1
                await asyncio.sleep(delay)
                delay *= 2
                attempt += 1
                continue
            except Exception:
                # Not the handler's fault (database unreachable, ...): let the record come again.
                await asyncio.sleep(self.settings.redelivery_delay)
                raise
            self._count("applied" if applied else "duplicate")
            return

    async def _apply_once(self, handler: EventHandler, event: IncomingEvent) -> bool:
        async with self._pool.acquire() as connection, connection.transaction():
            if not await processed_events.claim(connection, self.name, event.event_id):
                return False
            try:
                await handler(event, connection)
            except Exception as error:
                raise _HandlerFailed() from error
            return True

    async def _dead_letter(
        self,
        headers: Headers,
        value: bytes,
        coordinates: RecordCoordinates,
        reason: str,
        error: BaseException,
        *,
        attempts: int,
    ) -> None:
        topic = self.settings.dead_letter_topic(coordinates.topic)
        # The error's type only: its text may quote the record's data (personal text); the dead
        # letter carries it, in its headers.
        logger.error(
            "%s: %s at %s[%d]@%d goes to %s: %s",
            self.name,
            reason,
            coordinates.topic,
            coordinates.partition,
            coordinates.offset,
            topic,
            type(error).__name__,
        )
        await self._broker.publish(
            value,
            topic=topic,
            key=coordinates.key,
            headers=dead_letter_headers(
                headers,
                coordinates,
                consumer=self.name,
                reason=reason,
                error=error,
                attempts=attempts,
            ),
        )
        self._count("dead_lettered")
        CONSUMER_DEAD_LETTERED.labels(self.name, reason).inc()
