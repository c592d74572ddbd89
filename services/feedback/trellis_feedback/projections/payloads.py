"""Stored events back into the contract models a projection handles (and nothing else).

The feedback service's own events are read back through its one codec, in the projection's
connection (their personal fields opened with the people's keys, or ``"[erased]"``); the goals
events its consumer hands over are validated against their contracts, with any protected field
read as ``"[erased]"``: the feedback service holds no goals keys and keeps no goals text.
"""

from __future__ import annotations

from typing import Any

from trellis_contracts import EventContract
from trellis_contracts.catalogue import CATALOGUE
from trellis_contracts.feedback import SERVICE
from trellis_contracts.protected import reveal
from trellis_kernel.codec import AsyncEventCodec
from trellis_kernel.store import Connection, StoredEvent


def handling(*contracts: type[EventContract]) -> dict[str, type[EventContract]]:
    """The types of the contracts, and of every later major derived from one of them (a
    protecting major keeps the fields of the major it supersedes)."""
    return {
        event_type: contract
        for event_type, contract in CATALOGUE.items()
        if any(issubclass(contract, handled) for handled in contracts)
    }


async def decoded(
    event: StoredEvent,
    handled: dict[str, type[EventContract]],
    *,
    codec: AsyncEventCodec[Any] | None = None,
    connection: Connection | None = None,
) -> Any:
    """The event's contract model if its type is one of ``handled``, else None. Typed ``Any``:
    callers match on the classes they listed. A feedback event needs the service's codec."""
    contract = handled.get(event.event_type)
    if contract is None:
        return None
    if contract.service == SERVICE:
        if codec is None:
            raise TypeError("feedback events decode through the service's codec")
        [model] = await codec.decode_all([event], connection=connection)
        return model
    return contract.model_validate(reveal(contract, event.payload))


def updated(status: str) -> int:
    """The rows an UPDATE changed, from its command tag (``UPDATE 3``)."""
    return int(status.rpartition(" ")[2] or 0)
