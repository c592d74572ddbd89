"""Feedback events as the consumer would hand them to the fact projections: with the event id
the feedback service gave them (a CloudEvents id), in the recognition database."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from trellis_kernel.projections import InlineProjector
from trellis_kernel.store import EventMetadata, EventStore, ExpectedVersion, NewEvent
from trellis_recognition.domain.triggers import TriggeringEvent


async def store_feedback(
    store: EventStore, projector: InlineProjector, events: Sequence[TriggeringEvent]
) -> None:
    for event in events:
        new = NewEvent(
            event_type=event.event_type,
            payload=dict(event.payload),
            event_id=UUID(event.event_id),
            occurred_at=event.occurred_at,
        )
        await projector.append(
            f"feedback-{event.payload['feedback_id']}",
            [new],
            expected=ExpectedVersion.ANY,
            metadata=EventMetadata("test"),
        )
