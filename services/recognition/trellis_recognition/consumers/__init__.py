"""Reactions to other services' topics: the goals and feedback events the service keeps facts
of, and the events reward policies react to."""

from trellis_recognition.consumers.goals_and_feedback import (
    CONSUMER_NAME,
    handled_types,
    recognition_consumer,
)

__all__ = ["CONSUMER_NAME", "handled_types", "recognition_consumer"]
