"""An event as a consumer receives it: CloudEvents attributes, data, and where it was read."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from trellis_kernel.metadata import EventMetadata, trace_context

Headers = Sequence[tuple[str, bytes]]


@dataclass(frozen=True)
class RecordCoordinates:
    """Where a record was read; a dead letter carries them so it can be traced and replayed."""

    topic: str
    partition: int
    offset: int
    key: bytes | None


@dataclass(frozen=True)
class DecodedEvent:
    """What a decoder makes of a record's headers and value."""

    event_id: UUID
    event_type: str
    source: str
    data: dict[str, Any]
    subject: str | None = None
    attributes: dict[str, str] | None = None  # every CloudEvents attribute, as received


@dataclass(frozen=True)
class IncomingEvent:
    """A decoded event plus its record coordinates; what a handler is given."""

    decoded: DecodedEvent
    coordinates: RecordCoordinates

    @property
    def event_id(self) -> UUID:
        return self.decoded.event_id

    @property
    def event_type(self) -> str:
        return self.decoded.event_type

    @property
    def data(self) -> dict[str, Any]:
        return self.decoded.data

    def reaction_metadata(self, principal: str) -> EventMetadata:
        """Metadata for the events a consumer appends in reaction to this one: caused by it, in
        the same flow (its correlation id, or its own id when it has none) and the same trace."""
        attributes = self.decoded.attributes or {}
        return EventMetadata(
            principal=principal,
            correlation_id=_uuid_or_none(attributes.get("correlationid")) or self.event_id,
            causation_id=self.event_id,
            traceparent=trace_context(attributes.get("traceparent")),
        )


def _uuid_or_none(value: str | None) -> UUID | None:
    try:
        return None if value is None else UUID(value)
    except ValueError:
        return None


EventDecoder = Callable[[Headers, bytes], DecodedEvent]
"""Decodes a record (CloudEvents binary mode); raises on a record it cannot read."""
