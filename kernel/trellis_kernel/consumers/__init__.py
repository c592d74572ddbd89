"""Idempotent, at-least-once consumers of other services' events, with a dead-letter topic."""

from trellis_kernel.consumers.dead_letters import dead_letter_topic
from trellis_kernel.consumers.event_consumer import (
    ConsumerSettings,
    ConsumerStats,
    EventConsumer,
    EventHandler,
)
from trellis_kernel.consumers.incoming import (
    DecodedEvent,
    EventDecoder,
    IncomingEvent,
    RecordCoordinates,
)

__all__ = [
    "ConsumerSettings",
    "ConsumerStats",
    "DecodedEvent",
    "EventConsumer",
    "EventDecoder",
    "EventHandler",
    "IncomingEvent",
    "RecordCoordinates",
    "dead_letter_topic",
]
