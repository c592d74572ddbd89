"""The CloudEvents decoder consumers use: either content mode, read by the contracts' envelope."""

from __future__ import annotations

from uuid import UUID

from trellis_contracts.envelope import decode_envelope
from trellis_kernel.consumers.incoming import DecodedEvent, Headers


def decode_cloudevent(headers: Headers, value: bytes) -> DecodedEvent:
    """Attributes and the raw data dict; handlers validate ``data`` against their contract.

    The data is not validated here so that a type this consumer has no handler for is
    skipped, not dead-lettered. Raises (and the record is dead-lettered) when the record is
    not a Trellis CloudEvent or its id is not a UUID.
    """
    envelope, data = decode_envelope(headers, value)
    return DecodedEvent(
        event_id=UUID(envelope.id),
        event_type=envelope.type,
        source=envelope.source,
        subject=envelope.subject,
        data=data,
        attributes=envelope.attributes(),
    )
