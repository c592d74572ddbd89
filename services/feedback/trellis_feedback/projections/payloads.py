"""Stored events back into the contract models a projection handles (and nothing else)."""

from __future__ import annotations

from typing import Any

from trellis_contracts import EventContract
from trellis_kernel.store import StoredEvent


def handling(*contracts: type[EventContract]) -> dict[str, type[EventContract]]:
    return {contract.event_type(): contract for contract in contracts}


def decoded(event: StoredEvent, handled: dict[str, type[EventContract]]) -> Any:
    """The event's contract model if its type is one of ``handled``, else None. Typed ``Any``:
    callers match on the classes they listed."""
    contract = handled.get(event.event_type)
    return None if contract is None else contract.model_validate(event.payload)
