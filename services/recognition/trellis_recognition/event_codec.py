"""The recognition service's events to and from the event store's records: the kernel's codec
for the recognition contracts, the one place a recognition payload becomes stored JSON and back
(each event stored at its own moment: ``awarded_at``, ``granted_at``, ...)."""

from __future__ import annotations

from typing import Any

from trellis_contracts.recognition import RECOGNITION_EVENTS
from trellis_kernel.codec import ContractCodec

RECOGNITION_CODEC: ContractCodec[Any] = ContractCodec(RECOGNITION_EVENTS)
