"""The goals service's events to and from the event store's records: the kernel's codec for
the goals contracts, the one place a goals payload becomes stored JSON and back."""

from __future__ import annotations

from typing import Any

from trellis_contracts.goals import GOALS_EVENTS
from trellis_kernel.codec import ContractCodec

GOALS_CODEC: ContractCodec[Any] = ContractCodec(GOALS_EVENTS)
