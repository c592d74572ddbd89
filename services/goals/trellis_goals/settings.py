"""The goals service's configuration, from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

from trellis_contracts.topics import GOALS_TOPIC
from trellis_kernel.privacy import KEY_ENCRYPTION_KEYS_SETTING, LocalKeyEncryptionKeys
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


def key_encryption_from_env() -> LocalKeyEncryptionKeys:
    """The service's key-encryption keys alone, for tools that open its database without serving
    (migrations, rebuilds); MissingSetting when they are not configured."""
    return GoalsSettings(
        database_url="", key_encryption_keys=os.environ.get(KEY_ENCRYPTION_KEYS_SETTING) or None
    ).key_encryption()
