"""The acting principal, recorded on the events a request appends."""

from __future__ import annotations

from uuid import UUID

from trellis_kernel.identity.principal import Principal
from trellis_kernel.metadata import EventMetadata


def event_metadata(
    principal: Principal,
    *,
    correlation_id: UUID | None = None,
    causation_id: UUID | None = None,
    traceparent: str | None = None,
) -> EventMetadata:
    """EventMetadata for an append made on behalf of ``principal`` (its subject is recorded)."""
    return EventMetadata(
        principal=principal.subject,
        correlation_id=correlation_id,
        causation_id=causation_id,
        traceparent=traceparent,
    )
