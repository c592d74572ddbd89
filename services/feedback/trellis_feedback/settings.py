"""The feedback service's configuration, from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

from trellis_contracts.topics import FEEDBACK_TOPIC, GOALS_TOPIC
from trellis_kernel.settings import ServiceSettings


@dataclass(frozen=True, kw_only=True)
class FeedbackSettings(ServiceSettings):
    events_topic: str = FEEDBACK_TOPIC.name
    goals_topic: str = GOALS_TOPIC.name
    """Where the service learns reporting lines, goals and milestones."""
    goals_consumer_group: str = "trellis-feedback"
    """The Kafka consumer group (and processed-events name) of the goals consumer."""
    sweep_seconds: float = 3600.0
    """How often reminders, closing and missed cadences are swept; 0 turns the sweeps off."""
    anonymous_retention_days: int = 365
    """How long after an anonymous request closed its key and sealed answers are kept (a giver
    sees what they gave until then); afterwards its pseudonyms link to nobody."""

    @classmethod
    def from_env(cls) -> FeedbackSettings:
        return cls(
            **ServiceSettings.common_values("feedback"),
            events_topic=os.environ.get("FEEDBACK_EVENTS_TOPIC", FEEDBACK_TOPIC.name),
            goals_topic=os.environ.get("FEEDBACK_GOALS_TOPIC", GOALS_TOPIC.name),
            goals_consumer_group=os.environ.get("FEEDBACK_GOALS_CONSUMER_GROUP", "trellis-feedback"),
            sweep_seconds=float(os.environ.get("FEEDBACK_SWEEP_SECONDS", "3600")),
            anonymous_retention_days=int(os.environ.get("FEEDBACK_ANONYMOUS_RETENTION_DAYS", "365")),
        )
