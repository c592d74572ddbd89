"""The goals service's configuration, from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

from trellis_contracts.topics import GOALS_TOPIC


@dataclass(frozen=True)
class GoalsSettings:
    database_url: str
    jwt_secret: str | None = None
    """HS256 secret for local tokens; set this or ``jwks_url``."""
    jwks_url: str | None = None
    """An OIDC provider's JWKS URL for RS256 tokens."""
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    kafka_bootstrap_servers: str | None = None
    """When set, the app runs the outbox relay to ``events_topic``."""
    events_topic: str = GOALS_TOPIC.name
    overdue_sweep_seconds: float = 3600.0
    """How often the app marks passed milestones missed; 0 turns the sweep off."""

    @classmethod
    def from_env(cls) -> GoalsSettings:
        database_url = os.environ.get("GOALS_DATABASE_URL") or os.environ.get("DATABASE_URL")
        if not database_url:
            raise RuntimeError("set GOALS_DATABASE_URL (or DATABASE_URL) to the goals database")
        return cls(
            database_url=database_url,
            jwt_secret=os.environ.get("TRELLIS_JWT_SECRET"),
            jwks_url=os.environ.get("TRELLIS_JWKS_URL"),
            jwt_issuer=os.environ.get("TRELLIS_JWT_ISSUER"),
            jwt_audience=os.environ.get("TRELLIS_JWT_AUDIENCE"),
            kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"),
            events_topic=os.environ.get("GOALS_EVENTS_TOPIC", GOALS_TOPIC.name),
            overdue_sweep_seconds=float(os.environ.get("GOALS_OVERDUE_SWEEP_SECONDS", "3600")),
        )
