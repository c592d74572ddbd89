"""The integrations service's one codec: its subscription events to stored records and back."""

from __future__ import annotations

from typing import Any

from trellis_integrations.domain.events import SUBSCRIPTION_EVENTS
from trellis_kernel.codec import ContractCodec

INTEGRATIONS_CODEC: ContractCodec[Any] = ContractCodec(SUBSCRIPTION_EVENTS)
