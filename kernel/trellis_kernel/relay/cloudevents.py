"""The CloudEvents encoder the relay uses: binary mode, built by the contracts' envelope."""

from __future__ import annotations

from trellis_contracts.envelope import Envelope, encode_binary
from trellis_kernel.relay.encoding import EncodedEvent
from trellis_kernel.store.records import StoredEvent, stream_subject


def encode_cloudevent(event: StoredEvent) -> EncodedEvent:
    """ce_* headers from the stored event's metadata, the payload as the JSON value."""
    envelope = Envelope.for_event(
        event.event_type,
        id=str(event.event_id),
        subject=stream_subject(event.stream_id),
        time=event.occurred_at,
        traceparent=event.traceparent,
        correlationid=None if event.correlation_id is None else str(event.correlation_id),
        causationid=None if event.causation_id is None else str(event.causation_id),
        sequence=event.version,
    )
    record = encode_binary(envelope, event.payload)
    return EncodedEvent(value=record.value, headers=record.headers)
