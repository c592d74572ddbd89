"""The goals service's events to and from the event store's records: the kernel's codec for
the goals contracts, the one place a goals payload becomes stored JSON and back."""

from __future__ import annotations

from typing import Any, Final, get_args

from trellis_contracts.goals import GOALS_EVENTS, GoalEvent
from trellis_kernel.codec import ContractCodec

GOALS_CODEC: ContractCodec[Any] = ContractCodec(GOALS_EVENTS)

GOAL_EVENT_TYPES: Final = frozenset(event.event_type() for event in get_args(GoalEvent))
"""The CloudEvents types of a goal stream's events."""
