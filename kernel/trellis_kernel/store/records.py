"""The values that go into and come out of the event store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4


@dataclass(frozen=True)
class NewEvent:
    """An event a service appends; the store gives it a stream, version and position."""

    event_type: str
    payload: dict[str, Any]
    schema_version: int = 1
    event_id: UUID = field(default_factory=uuid4)
    occurred_at: datetime | None = None  # None means "now", taken at append


@dataclass(frozen=True)
class EventMetadata:
    """Who caused the events and why; shared by every event of one append."""

    principal: str
    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    traceparent: str | None = None  # W3C trace context of the request that wrote the events


@dataclass(frozen=True, order=True)
class Position:
    """A reader's checkpoint in global order: (writing transaction id, global position).

    Ordering compares the transaction id first, exactly like the store's read order.
    """

    transaction_id: int
    global_position: int

    START: ClassVar[Position]


Position.START = Position(0, 0)


@dataclass(frozen=True)
class StoredEvent:
    """An event as the store holds it (after upcasting to its current schema version)."""

    event_id: UUID
    stream_id: str
    version: int
    position: Position
    event_type: str
    schema_version: int
    payload: dict[str, Any]
    occurred_at: datetime
    recorded_at: datetime
    correlation_id: UUID | None
    causation_id: UUID | None
    principal: str
    traceparent: str | None = None


def stream_id(aggregate_type: str, aggregate_id: UUID | str) -> str:
    """The stream of one aggregate, e.g. stream_id("goal", id) -> "goal-<id>"."""
    if not aggregate_type or "-" in aggregate_type:
        raise ValueError(f"aggregate type must be non-empty and contain no '-': {aggregate_type!r}")
    return f"{aggregate_type}-{aggregate_id}"


def stream_category(stream: str) -> str:
    """The aggregate type a stream id starts with: "goal-<id>" -> "goal"."""
    return stream.split("-", 1)[0]
