"""Stored events back into the contract models a projection handles (and nothing else).

The feedback service's own events are read back through its one codec; the goals events its
consumer hands over are validated against their contracts."""

from __future__ import annotations

from typing import Any

from trellis_contracts import EventContract
from trellis_contracts.feedback import SERVICE
from trellis_feedback.event_codec import FEEDBACK_CODEC
from trellis_kernel.store import StoredEvent


def handling(*contracts: type[EventContract]) -> dict[str, type[EventContract]]:
    return {contract.event_type(): contract for contract in contracts}


def decoded(event: StoredEvent, handled: dict[str, type[EventContract]]) -> Any:
    """The event's contract model if its type is one of ``handled``, else None. Typed ``Any``:
    callers match on the classes they listed."""
    contract = handled.get(event.event_type)
    if contract is None:
        return None
    if contract.service == SERVICE:
        return FEEDBACK_CODEC.decode(event)
    return contract.model_validate(event.payload)
