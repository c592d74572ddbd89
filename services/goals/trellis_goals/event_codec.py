"""Contract events to and from the event store's records."""

from __future__ import annotations

from typing import Any

from trellis_contracts import EventContract
from trellis_contracts.catalogue import contract_for
from trellis_kernel.store import NewEvent, StoredEvent


def to_new_event(event: EventContract) -> NewEvent:
    occurred_at = getattr(event, "occurred_at", None)
    return NewEvent(
        event_type=event.event_type(),
        payload=event.model_dump(mode="json"),
        occurred_at=occurred_at,
    )


def from_stored(stored: StoredEvent) -> Any:
    """The contract model of a stored event (typed ``Any``: callers know their stream)."""
    return contract_for(stored.event_type).model_validate(stored.payload)
