"""The goals service's configuration, from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

from trellis_contracts.topics import GOALS_TOPIC
from trellis_kernel.settings import ServiceSettings


@dataclass(frozen=True, kw_only=True)
class GoalsSettings(ServiceSettings):
    events_topic: str = GOALS_TOPIC.name
    overdue_sweep_seconds: float = 3600.0
    """How often the app marks passed milestones missed; 0 turns the sweep off."""

    @classmethod
    def from_env(cls) -> GoalsSettings:
        return cls(
            **ServiceSettings.common_values("goals"),
            events_topic=os.environ.get("GOALS_EVENTS_TOPIC", GOALS_TOPIC.name),
            overdue_sweep_seconds=float(os.environ.get("GOALS_OVERDUE_SWEEP_SECONDS", "3600")),
        )
