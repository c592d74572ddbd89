"""The recognition service's events to and from the event store's records: the kernel's codec for
the recognition contracts, with personal fields sealed per person (each event stored at its own
moment: ``awarded_at``, ``granted_at``, ...). The one place a recognition payload becomes stored
JSON and back; the application holds one, built on its data keys."""

from __future__ import annotations

from typing import Any

from trellis_contracts.recognition import RECOGNITION_EVENTS
from trellis_kernel.codec import ContractCodec
from trellis_kernel.privacy import DataKeyStore, ProtectingCodec


def recognition_codec(keys: DataKeyStore) -> ProtectingCodec[Any]:
    """Messages, rejection reasons, justifications and initiatives sealed with the key of the
    person they are about, from ``keys`` (the service's own database)."""
    return ProtectingCodec(ContractCodec(RECOGNITION_EVENTS), keys)
