"""The event codec: a service's domain events to the store's records and back.

It is the one place a payload becomes the JSON the store keeps and is read back into a domain
event: command handling, projections and tools go through it, so that what is stored can change
shape here alone (fields encrypted, say) without the domain noticing.

ContractCodec does it for the pydantic models of ``trellis_contracts`` (the events a service
stores are its published contracts): the payload is ``model_dump(mode="json")``, the type is
the CloudEvents type, and ``occurred_at`` is the moment the contract names
(``EventContract.moment_field``: ``occurred_at`` for goals, ``given_at`` or ``held_at`` for
feedback, ...), so that the CloudEvents ``time`` is when the event happened, not when it was
stored.

Two sides: ``EventCodec`` (``encode``/``decode``, one event, no I/O) and ``AsyncEventCodec``
(``encode_all``/``decode_all``, a batch, in a connection's transaction), which is what the
command handler uses. A codec that needs I/O, such as ``trellis_kernel.privacy.ProtectingCodec``
(personal fields encrypted with per-person keys kept in the database), has only the second.

A codec may also say when what it decoded may be used again (``ReusableDecoding``): the command
handler keeps a stream's decoded events between commands only through a codec that does, and
asks it, each time, whether they still hold (a protecting codec: whether the keys that opened
them still exist, in the same lookup that fetches the keys of the newer events).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, cast
from uuid import UUID, uuid4

from trellis_contracts import EventContract
from trellis_contracts.catalogue import UnknownEventType
from trellis_kernel.store.errors import InvalidValue
from trellis_kernel.store.records import NewEvent, StoredEvent

E = TypeVar("E")
C = TypeVar("C", bound=EventContract)


class EventCodec(Protocol[E]):
    def encode(self, event: E, *, event_id: UUID | None = None) -> NewEvent:
        """The record to append for ``event`` (``event_id``: a chosen id, e.g. derived from a
        command's idempotency key; by default a new random one)."""
        ...

    def decode(self, stored: StoredEvent) -> E:
        """The domain event a stored record holds."""
        ...


class AsyncEventCodec(Protocol[E]):
    async def encode_all(
        self, events: Sequence[E], *, connection: Any = None, event_ids: Sequence[UUID] | None = None
    ) -> list[NewEvent]:
        """The records to append for ``events``, in ``connection``'s transaction if given."""
        ...

    async def decode_all(self, stored: Sequence[StoredEvent], *, connection: Any = None) -> list[E]:
        """The domain events the stored records hold."""
        ...


NOTHING: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Decoded(Generic[E]):
    """Events decoded, and what they rely on to stay as decoded: ``relies_on`` names what must
    still be valid for them to be used again (for a protecting codec, the ids of the data keys
    that opened their fields; empty: nothing, they may always be used again). None: they must
    never be used again beyond the request that read them."""

    events: list[E]
    relies_on: frozenset[str] | None


class ReusableDecoding(Protocol[E]):
    async def decode_reusable(
        self, stored: Sequence[StoredEvent], *, still_valid: frozenset[str] = NOTHING, connection: Any = None
    ) -> Decoded[E] | None:
        """``decode_all``, with what the events rely on; and, in the same lookup, whether all of
        ``still_valid`` (what events decoded before relied on) still is: None when not, and then
        whatever was decoded relying on it must not be used any more."""
        ...


class ContractCodec(EventCodec[C]):
    """Event contracts (pydantic models) <-> store records, for the contracts it is given.

    ``ContractCodec[GoalEvent](GOALS_EVENTS)``: encode refuses (InvalidValue) an event of a class
    not given, decode raises UnknownEventType for a stored type it does not know, and pydantic's
    ValidationError when a stored payload does not match its contract.
    """

    def __init__(self, contracts: Iterable[type[EventContract]]) -> None:
        self._by_type: dict[str, type[EventContract]] = {}
        for contract in contracts:
            self._by_type[contract.event_type()] = contract

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self._by_type)

    @property
    def contracts(self) -> tuple[type[EventContract], ...]:
        return tuple(self._by_type.values())

    def contract(self, event_type: str) -> type[EventContract] | None:
        """The contract class of a stored type, if this codec has it."""
        return self._by_type.get(event_type)

    def encode(self, event: C, *, event_id: UUID | None = None) -> NewEvent:
        event_type = type(event).event_type()
        if self._by_type.get(event_type) is not type(event):
            raise InvalidValue("event", f"{type(event).__name__} is not one of this codec's contracts")
        return NewEvent(
            event_type=event_type,
            payload=event.model_dump(mode="json"),
            event_id=event_id or uuid4(),
            occurred_at=event.moment(),
        )

    def decode(self, stored: StoredEvent) -> C:
        contract = self._by_type.get(stored.event_type)
        if contract is None:
            raise UnknownEventType(f"this codec has no contract of the type {stored.event_type!r}")
        return cast(C, contract.model_validate(stored.payload))

    async def encode_all(
        self, events: Sequence[C], *, connection: Any = None, event_ids: Sequence[UUID] | None = None
    ) -> list[NewEvent]:
        ids: Sequence[UUID | None] = event_ids if event_ids is not None else [None] * len(events)
        return [self.encode(event, event_id=event_id) for event, event_id in zip(events, ids, strict=True)]

    async def decode_all(self, stored: Sequence[StoredEvent], *, connection: Any = None) -> list[C]:
        return [self.decode(record) for record in stored]

    async def decode_reusable(
        self, stored: Sequence[StoredEvent], *, still_valid: frozenset[str] = NOTHING, connection: Any = None
    ) -> Decoded[C] | None:
        """A payload decodes the same whenever it is decoded: nothing to rely on."""
        return Decoded([self.decode(record) for record in stored], NOTHING)


class SyncCodecAdapter(AsyncEventCodec[E]):
    """The asynchronous side of a codec that has only the synchronous one."""

    def __init__(self, codec: EventCodec[E]) -> None:
        self.codec = codec

    async def encode_all(
        self, events: Sequence[E], *, connection: Any = None, event_ids: Sequence[UUID] | None = None
    ) -> list[NewEvent]:
        ids: Sequence[UUID | None] = event_ids if event_ids is not None else [None] * len(events)
        return [
            self.codec.encode(event, event_id=event_id) for event, event_id in zip(events, ids, strict=True)
        ]

    async def decode_all(self, stored: Sequence[StoredEvent], *, connection: Any = None) -> list[E]:
        return [self.codec.decode(record) for record in stored]

    async def decode_reusable(
        self, stored: Sequence[StoredEvent], *, still_valid: frozenset[str] = NOTHING, connection: Any = None
    ) -> Decoded[E] | None:
        """Decoding without I/O gives the same events every time: nothing to rely on."""
        return Decoded([self.codec.decode(record) for record in stored], NOTHING)


def reusable(codec: AsyncEventCodec[E]) -> ReusableDecoding[E] | None:
    """``codec`` when it says when its events may be used again, else None (never reuse them)."""
    if callable(getattr(codec, "decode_reusable", None)):
        return cast(ReusableDecoding[E], codec)
    return None


def asynchronous(codec: EventCodec[E] | AsyncEventCodec[E]) -> AsyncEventCodec[E]:
    """The batch side of ``codec``: itself when it has one, else an adapter."""
    if callable(getattr(codec, "encode_all", None)) and callable(getattr(codec, "decode_all", None)):
        return cast(AsyncEventCodec[E], codec)
    return SyncCodecAdapter(cast(EventCodec[E], codec))
