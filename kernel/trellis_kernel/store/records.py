"""The values that go into and come out of the event store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from trellis_kernel.store.errors import InvalidValue
from trellis_kernel.store.validation import check_category, check_stream_id


@dataclass(frozen=True)
class NewEvent:
    """An event a service appends; the store gives it a stream, version and position."""

    event_type: str
    payload: dict[str, Any]
    schema_version: int = 1
    event_id: UUID = field(default_factory=uuid4)
    occurred_at: datetime | None = None  # None means "now", taken at append


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
    """The stream of one aggregate, e.g. stream_id("goal", id) -> "goal-<id>".

    Raises InvalidValue (a ValueError) when the result is not a stream id the store accepts.
    """
    check_category(aggregate_type)
    return check_stream_id(f"{aggregate_type}-{aggregate_id}")


def organisation_stream_id(
    aggregate_type: str, organisation_id: str, aggregate_id: UUID | str, *more_ids: str
) -> str:
    """The stream of an aggregate scoped by its organisation (tenant):
    organisation_stream_id("feedback", "org_7", "fb_1") -> "feedback-org_7/fb_1".

    Two organisations may then use the same aggregate id without sharing a stream. The
    CloudEvents subject of its events is what follows the category: "org_7/fb_1". An aggregate
    identified by several ids (a pair of people, say) names them all, in order:
    organisation_stream_id("cadence", "org_7", "emp_1", "mgr_1") -> "cadence-org_7/emp_1/mgr_1".
    """
    parts = [("organisation_id", organisation_id), ("aggregate_id", str(aggregate_id))]
    parts += [("aggregate_id", part) for part in more_ids]
    for name, part in parts:
        if not part or "/" in part:
            raise InvalidValue(name, f"{part!r} must be a non-empty opaque id without '/'")
    return stream_id(aggregate_type, "/".join(part for _, part in parts))


def stream_category(stream: str) -> str:
    """The aggregate type a stream id starts with: "goal-<id>" -> "goal"."""
    return stream.split("-", 1)[0]


def stream_subject(stream: str) -> str:
    """What follows the category: "goal-<id>" -> "<id>" (the CloudEvents subject)."""
    _, separator, identifier = stream.partition("-")
    return identifier if separator else stream
