"""The recognition service's configuration, from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

from trellis_contracts.topics import FEEDBACK_TOPIC, GOALS_TOPIC, RECOGNITION_TOPIC
from trellis_kernel.settings import ServiceSettings


@dataclass(frozen=True, kw_only=True)
class RecognitionSettings(ServiceSettings):
    events_topic: str = RECOGNITION_TOPIC.name
    """Where the service publishes its events."""
    goals_topic: str = GOALS_TOPIC.name
    feedback_topic: str = FEEDBACK_TOPIC.name
    """The topics it consumes (with Kafka configured)."""
    consumer_group: str = "trellis-recognition"
    """The consumer's Kafka group id (every replica in one group) and its processed-events key."""
    consumer_workers: int = 4
    """Members of the group per consumed topic in each replica: partitions handled at once."""

    @classmethod
    def from_env(cls) -> RecognitionSettings:
        return cls(
            **ServiceSettings.common_values("recognition"),
            events_topic=os.environ.get("RECOGNITION_EVENTS_TOPIC", RECOGNITION_TOPIC.name),
            goals_topic=os.environ.get("GOALS_EVENTS_TOPIC", GOALS_TOPIC.name),
            feedback_topic=os.environ.get("FEEDBACK_EVENTS_TOPIC", FEEDBACK_TOPIC.name),
            consumer_group=os.environ.get("RECOGNITION_CONSUMER_GROUP", "trellis-recognition"),
            consumer_workers=int(os.environ.get("RECOGNITION_CONSUMER_WORKERS", "4")),
        )
