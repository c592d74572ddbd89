"""Command handling shared by every service: load a stream, decide, append, retry on conflict.

One CommandHandler per aggregate type, built from the event store, the aggregate's Decider and
the service's codec (after Emmett's ``handleCommandWithDecider``)::

    goals = CommandHandler(store, goal_decider, codec, projections=read_models.projections(codec),
                           retry=Retry(on_version_conflict=True))
    outcome = await goals.handle(goal_stream(org_id, goal_id), AgreeToGoal(...), metadata=metadata)
    outcome.version, outcome.events, outcome.state   # what the command did

``handle`` reads the stream and folds it with the decider (``load``), decides the command on that
state, encodes the events with the codec and appends them expecting the version it read, and
applies the inline projections in the same transaction. When another writer got in between
(ConcurrencyConflict) it starts over, as often as ``Retry`` allows; a caller that names
``expected_version`` (the version its user saw) gets the conflict instead (HTTP 409). A decision
that records nothing appends nothing.

Inside a caller's transaction (``connection=`` on which a transaction is open, e.g. a consumer
appending its reaction in the same transaction as its processed-event claim) everything joins
that transaction and nothing is retried here: ConcurrencyConflict and StaleTransaction go to the
caller, which runs its whole transaction again (EventConsumer does). With its own transaction the
handler retries StaleTransaction itself.

``handle_with`` takes, instead of a command, an async function from the loaded stream to the
events, for decisions that need more than the stream (a lookup, an authorisation check, several
commands in turn); it is retried the same way.

Loading keeps the last streams it read (``LoadedStreams``, most recently used first), so that the
next command on a stream reads and decodes only the events after the version it kept, and folds
them on. An entry holds only what had committed when it was read: a load inside a caller's
transaction uses entries but never adds one (its transaction may still roll back). Each use reads
the stream from the entry's last event on, and starts over from the whole stream when that event
is not the one kept, when the codec says something the entry's events relied on is no longer valid
(a protecting codec: a data key that opened their text was shredded, checked in the query that
fetches the newer events' keys), or after a ConcurrencyConflict on the stream. Every append still
expects the version it was decided on, so an entry other replicas have overtaken costs at most
that read of the newer events.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from opentelemetry.trace import Status, StatusCode

from trellis_kernel.codec import AsyncEventCodec, EventCodec, ReusableDecoding, asynchronous, reusable
from trellis_kernel.decider import Decider, DomainError
from trellis_kernel.metadata import EventMetadata
from trellis_kernel.observability.logs import log_context
from trellis_kernel.observability.metrics import APPEND_SECONDS, COMMANDS, EVENTS_APPENDED, outcome_of
from trellis_kernel.observability.tracing import TRACER, current_span, current_traceparent
from trellis_kernel.projections.inline import InlineProjector
from trellis_kernel.projections.projection import Projection
from trellis_kernel.store.errors import ConcurrencyConflict, StaleTransaction
from trellis_kernel.store.protocol import EventStoreProtocol
from trellis_kernel.store.records import StoredEvent, stream_subject

C = TypeVar("C")
S = TypeVar("S")
E = TypeVar("E")


@dataclass(frozen=True)
class Retry:
    """When ``handle`` starts over. ``on_version_conflict``: after ConcurrencyConflict, unless the
    caller named an expected version. ``attempts``: runs in all, the first included."""

    on_version_conflict: bool = False
    attempts: int = 5
    backoff: float = 0.002  # seconds before the second run, doubled each time, with jitter

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")


NO_RETRY = Retry()
RETRY_ON_CONFLICT = Retry(on_version_conflict=True)
_STALE_TRANSACTION_RUNS = 10


@dataclass(frozen=True)
class Loaded(Generic[S, E]):
    """A stream as read: its events (decoded), the state they fold into, and its version."""

    stream_id: str
    state: S
    version: int
    events: tuple[E, ...]
    stored: tuple[StoredEvent, ...]


@dataclass(frozen=True)
class Outcome(Generic[S, E]):
    """What a command did: the events it recorded (none: nothing changed), the state after them,
    and the stream's version after them (the next expected version)."""

    stream_id: str
    version: int
    events: tuple[E, ...]
    state: S
    stored: tuple[StoredEvent, ...]

    @property
    def changed(self) -> bool:
        return bool(self.events)


Decide = Callable[[Loaded[S, E]], Awaitable[Sequence[E]]]

DEFAULT_CACHED_STREAMS = 256
"""Streams kept per handler by default: a goal of 41 milestones reached (44 events) takes about
250 KiB decoded, so at most some 60 MB for a handler of such streams."""


@dataclass(frozen=True)
class _Kept(Generic[S, E]):
    loaded: Loaded[S, E]
    relies_on: frozenset[str]


class LoadedStreams(Generic[S, E]):
    """The last ``size`` streams loaded, by stream id, least recently used dropped first."""

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError("size must not be negative")
        self.size = size
        self._entries: OrderedDict[str, _Kept[S, E]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, stream_id: object) -> bool:
        return stream_id in self._entries

    def loaded(self, stream_id: str) -> Loaded[S, E] | None:
        """The stream as kept (without counting as a use)."""
        kept = self._entries.get(stream_id)
        return None if kept is None else kept.loaded

    def get(self, stream_id: str) -> _Kept[S, E] | None:
        kept = self._entries.get(stream_id)
        if kept is not None:
            self._entries.move_to_end(stream_id)
        return kept

    def keep(self, loaded: Loaded[S, E], relies_on: frozenset[str]) -> None:
        """Keep ``loaded`` (read outside any transaction: committed), unless a later version of
        the stream is kept already."""
        if self.size == 0 or not loaded.stored:
            return
        before = self._entries.get(loaded.stream_id)
        if before is not None and before.loaded.version > loaded.version:
            return
        self._entries[loaded.stream_id] = _Kept(loaded, relies_on)
        self._entries.move_to_end(loaded.stream_id)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def forget(self, stream_id: str) -> None:
        self._entries.pop(stream_id, None)


AfterAppend = Callable[[Any, "Outcome[Any, Any]"], Awaitable[None]]
_after_append: ContextVar[AfterAppend | None] = ContextVar("trellis_after_append", default=None)


@contextmanager
def after_each_append(hook: AfterAppend) -> Iterator[None]:
    """Within this context, every append a CommandHandler makes runs ``hook(connection,
    outcome)`` in the append's transaction, after the events and the inline projections (so
    the append stays the transaction's first write). If the hook raises, nothing is stored.

    What a request must record atomically with the command it carried (the HTTP kit's
    Idempotency-Key answer) uses this, without every use case passing it along."""
    token = _after_append.set(hook)
    try:
        yield
    finally:
        _after_append.reset(token)


class CommandHandler(Generic[C, S, E]):
    def __init__(
        self,
        store: EventStoreProtocol,
        decider: Decider[C, S, E],
        codec: EventCodec[E] | AsyncEventCodec[E],
        *,
        projections: Sequence[Projection] = (),
        schema: str = "public",
        retry: Retry = NO_RETRY,
        cached_streams: int = DEFAULT_CACHED_STREAMS,
    ) -> None:
        """``projections``: inline projections applied in the append's transaction (PostgreSQL
        only); ``retry``: the default for every call (each call may pass its own);
        ``cached_streams``: how many loaded streams to keep for the next command (0: none;
        kept only through a codec that says when its events may be used again)."""
        self.store = store
        self.decider = decider
        self.codec = codec
        self._codec = asynchronous(codec)
        self._reusable: ReusableDecoding[E] | None = reusable(self._codec)
        self.streams: LoadedStreams[S, E] = LoadedStreams(cached_streams if self._reusable else 0)
        self.retry = retry
        self._projector = InlineProjector(store, projections, schema=schema) if projections else None

    async def load(self, stream_id: str, *, connection: Any = None) -> Loaded[S, E]:
        """The stream's events, decoded, and the state the decider folds them into."""
        if connection is None:
            async with self.store.connection() as own:
                return await self._load(stream_id, own)
        return await self._load(stream_id, connection)

    async def _load(self, stream_id: str, connection: Any) -> Loaded[S, E]:
        committed = not connection.is_in_transaction()
        kept = self.streams.get(stream_id) if self._reusable is not None else None
        if kept is not None:
            newer = await self._load_after(kept, connection)
            if newer is not None:
                loaded, relies_on = newer
                if committed and relies_on is not None:
                    self.streams.keep(loaded, relies_on)
                elif relies_on is None:
                    self.streams.forget(stream_id)
                return loaded
            self.streams.forget(stream_id)
        stored = tuple(await self.store.read_stream(stream_id, connection=connection))
        if self._reusable is None:
            events = tuple(await self._codec.decode_all(stored, connection=connection))
            return _loaded(stream_id, self.decider.fold(events), events, stored)
        decoded = await self._reusable.decode_reusable(stored, connection=connection)
        assert decoded is not None  # nothing to be still valid: always decoded
        events = tuple(decoded.events)
        loaded = _loaded(stream_id, self.decider.fold(events), events, stored)
        if committed and decoded.relies_on is not None:
            self.streams.keep(loaded, decoded.relies_on)
        return loaded

    async def _load_after(
        self, kept: _Kept[S, E], connection: Any
    ) -> tuple[Loaded[S, E], frozenset[str] | None] | None:
        """The kept stream with the events after it folded on, and what all of them rely on
        (None: not to be kept); None when the entry may not be used (start over)."""
        assert self._reusable is not None
        before = kept.loaded
        # From the kept last event on: it must still be the stream's event of that version.
        stored = await self.store.read_stream(before.stream_id, before.version, connection=connection)
        if not stored or stored[0].event_id != before.stored[-1].event_id:
            return None
        newer = tuple(stored[1:])
        decoded = await self._reusable.decode_reusable(
            newer, still_valid=kept.relies_on, connection=connection
        )
        if decoded is None:
            return None
        state = before.state
        for event in decoded.events:
            state = self.decider.evolve(state, event)
        loaded = _loaded(before.stream_id, state, (*before.events, *decoded.events), (*before.stored, *newer))
        relies_on = None if decoded.relies_on is None else kept.relies_on | decoded.relies_on
        return loaded, relies_on

    async def handle(
        self,
        stream_id: str,
        command: C,
        *,
        metadata: EventMetadata,
        expected_version: int | None = None,
        connection: Any = None,
        retry: Retry | None = None,
    ) -> Outcome[S, E]:
        """Decide ``command`` on the stream's current state and append what it records.

        Raises the decider's DomainError (nothing stored), ConcurrencyConflict (when
        ``expected_version`` is not the stream's version, or the retries ran out) and whatever
        the store raises. A DomainError comes before a ConcurrencyConflict: the version is
        checked after deciding, as the append would.
        """

        async def decide(loaded: Loaded[S, E]) -> Sequence[E]:
            return self.decider.decide(command, loaded.state)

        return await self.handle_with(
            stream_id,
            decide,
            metadata=metadata,
            expected_version=expected_version,
            connection=connection,
            retry=retry,
            command=type(command).__name__,
        )

    async def handle_with(
        self,
        stream_id: str,
        decide: Decide[S, E],
        *,
        metadata: EventMetadata,
        expected_version: int | None = None,
        connection: Any = None,
        retry: Retry | None = None,
        command: str | None = None,
    ) -> Outcome[S, E]:
        """Like ``handle``, with ``decide(loaded) -> events`` in place of a command.

        ``command`` names it in metrics and traces; by default, the outermost function
        ``decide`` is defined in (``request_feedback`` for
        ``FeedbackCommands.request_feedback.<locals>.work.<locals>.decide``)."""
        name = command or command_name(decide)
        organisation = _organisation_of(stream_id)
        with (
            log_context(organisation_id=organisation),
            TRACER.start_as_current_span(name, record_exception=False, set_status_on_exception=False) as span,
        ):
            span.set_attribute("trellis.command", name)
            if organisation is not None:
                span.set_attribute("trellis.organisation_id", organisation)
            try:
                outcome = await self._handle(stream_id, decide, metadata, expected_version, connection, retry)
            except BaseException as error:
                label = _failure(error)
                COMMANDS.labels(name, label).inc()
                span.set_attribute("trellis.outcome", label)
                if label not in ("rejected", "conflict"):
                    span.set_status(Status(StatusCode.ERROR, type(error).__name__))
                raise
            label = "recorded" if outcome.events else "unchanged"
            COMMANDS.labels(name, label).inc()
            span.set_attribute("trellis.outcome", label)
            return outcome

    async def _handle(
        self,
        stream_id: str,
        decide: Decide[S, E],
        metadata: EventMetadata,
        expected_version: int | None,
        connection: Any,
        retry: Retry | None,
    ) -> Outcome[S, E]:
        policy = retry or self.retry
        joined = connection is not None and connection.is_in_transaction()
        conflicts_left = policy.attempts - 1 if policy.on_version_conflict and expected_version is None else 0
        stale_left = 0 if joined else _STALE_TRANSACTION_RUNS
        delay = policy.backoff
        while True:
            try:
                return await self._run_once(stream_id, decide, metadata, expected_version, connection)
            except ConcurrencyConflict:
                self.streams.forget(stream_id)
                if joined or conflicts_left <= 0:
                    raise
                conflicts_left -= 1
                await asyncio.sleep(delay * random.uniform(0.5, 1.5))
                delay *= 2
            except StaleTransaction:
                if stale_left <= 0:
                    raise
                stale_left -= 1

    async def _run_once(
        self,
        stream_id: str,
        decide: Decide[S, E],
        metadata: EventMetadata,
        expected_version: int | None,
        connection: Any,
    ) -> Outcome[S, E]:
        using: AbstractAsyncContextManager[Any] = (
            nullcontext(connection) if connection is not None else self.store.connection()
        )
        async with using as current:
            loaded = await self.load(stream_id, connection=current)
            events = tuple(await decide(loaded))
            # After deciding, as an append would: what deciding refuses (the caller may not act,
            # a DomainError) is said before a conflict, which is no reason to try elsewhere.
            if expected_version is not None and expected_version != loaded.version:
                raise ConcurrencyConflict(stream_id, expected_version, loaded.version)
            if not events:
                return Outcome(stream_id, loaded.version, (), loaded.state, ())
            return await self._append(loaded, events, metadata, current)

    async def append(
        self, loaded: Loaded[S, E], events: Sequence[E], *, metadata: EventMetadata, connection: Any = None
    ) -> Outcome[S, E]:
        """Append events decided on ``loaded``, expecting its version (no retry here)."""
        if not events:
            return Outcome(loaded.stream_id, loaded.version, (), loaded.state, ())
        if connection is not None:
            return await self._append(loaded, tuple(events), metadata, connection)
        async with self.store.connection() as own:
            return await self._append(loaded, tuple(events), metadata, own)

    async def _append(
        self, loaded: Loaded[S, E], events: tuple[E, ...], metadata: EventMetadata, connection: Any
    ) -> Outcome[S, E]:
        hook = _after_append.get()
        if hook is None:
            return await self._append_events(loaded, events, metadata, connection)
        if connection.is_in_transaction():
            outcome = await self._append_events(loaded, events, metadata, connection)
            await hook(connection, outcome)
            return outcome
        async with connection.transaction():
            outcome = await self._append_events(loaded, events, metadata, connection)
            await hook(connection, outcome)
        self.store.request_notification()
        return outcome

    async def _append_events(
        self, loaded: Loaded[S, E], events: tuple[E, ...], metadata: EventMetadata, connection: Any
    ) -> Outcome[S, E]:
        with current_span("append") as span:
            span.set_attribute("trellis.stream_id", loaded.stream_id)
            # The events carry this append's trace context: the relay and the consumers of other
            # services continue the trace from it.
            traced = dataclasses.replace(metadata, traceparent=current_traceparent() or metadata.traceparent)
            began = time.perf_counter()
            outcome = await self._append_traced(loaded, events, traced, connection)
            APPEND_SECONDS.observe(time.perf_counter() - began)
            for stored in outcome.stored:
                EVENTS_APPENDED.labels(stored.event_type).inc()
            span.set_attribute("trellis.version", outcome.version)
            return outcome

    async def _append_traced(
        self, loaded: Loaded[S, E], events: tuple[E, ...], metadata: EventMetadata, connection: Any
    ) -> Outcome[S, E]:
        records = await self._codec.encode_all(events, connection=connection)
        if self._projector is not None:
            stored = await self._projector.append(
                loaded.stream_id, records, expected=loaded.version, metadata=metadata, connection=connection
            )
        else:
            stored = await self.store.append_stored(
                loaded.stream_id, records, expected=loaded.version, metadata=metadata, connection=connection
            )
        state = loaded.state
        for event in events:
            state = self.decider.evolve(state, event)
        return Outcome(loaded.stream_id, stored[-1].version, events, state, tuple(stored))


def _loaded(stream_id: str, state: S, events: tuple[E, ...], stored: tuple[StoredEvent, ...]) -> Loaded[S, E]:
    return Loaded(stream_id, state, stored[-1].version if stored else 0, events, stored)


def command_name(decide: Callable[..., Any]) -> str:
    """The name of the outermost function that defines ``decide`` (a use case's method), or
    ``decide``'s own name, without leading underscores."""
    qualified = getattr(decide, "__qualname__", "") or type(decide).__name__
    outermost = qualified.split(".<locals>.", 1)[0]
    return outermost.rsplit(".", 1)[-1].lstrip("_") or "command"


def _organisation_of(stream_id: str) -> str | None:
    subject = stream_subject(stream_id)
    organisation, separator, _ = subject.partition("/")
    return organisation if separator else None


def _failure(error: BaseException) -> str:
    if isinstance(error, DomainError):
        return "rejected"
    if isinstance(error, ConcurrencyConflict):
        return "conflict"
    return outcome_of(error)
