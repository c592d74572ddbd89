"""The event codec: a service's domain events to the store's records and back.

It is the one place a payload becomes the JSON the store keeps and is read back into a domain
event: command handling, projections and tools go through it, so that what is stored can change
shape here alone (fields encrypted, say) without the domain noticing.

ContractCodec does it for the pydantic models of ``trellis_contracts`` (the events a service
stores are its published contracts): the payload is ``model_dump(mode="json")``, the type is
the CloudEvents type, ``occurred_at`` is the event's moment (the field its contract names in
``moment_field``: ``occurred_at``, ``given_at``, ``awarded_at``...).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar, cast
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
