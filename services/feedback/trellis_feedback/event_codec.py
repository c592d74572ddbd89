"""The feedback service's events to and from the event store's records: the kernel's codec for
the feedback contracts, the one place a feedback payload becomes stored JSON and back (so that
protecting its personal fields later changes this codec, not the events' meaning)."""

from __future__ import annotations

from typing import Any

from trellis_contracts.feedback import FEEDBACK_EVENTS
from trellis_kernel.codec import ContractCodec

FEEDBACK_CODEC: ContractCodec[Any] = ContractCodec(FEEDBACK_EVENTS)
