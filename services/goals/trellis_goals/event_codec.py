"""The goals service's events to and from the event store's records: the kernel's codec for the
goals contracts, with the personal fields of the protecting events sealed with the employee's
data key on the way in and opened on the way out (``ProtectingCodec``). The one place a goals
payload becomes stored JSON and back."""

from __future__ import annotations

from typing import Any, Final, get_args

from trellis_contracts.goals import GOALS_EVENTS, GoalEvent
from trellis_kernel.codec import ContractCodec
from trellis_kernel.privacy import DataKeyStore, ProtectingCodec

GOALS_CONTRACTS: ContractCodec[Any] = ContractCodec(GOALS_EVENTS)
"""The goals contracts, without keys: which types the service stores."""

GoalsCodec = ProtectingCodec[Any]

GOAL_EVENT_TYPES: Final = frozenset(event.event_type() for event in get_args(GoalEvent))
"""The CloudEvents types of a goal stream's events."""


def goals_codec(keys: DataKeyStore) -> GoalsCodec:
    """The codec of the goals store, with the data keys in the service's database."""
    return ProtectingCodec(GOALS_CONTRACTS, keys)
