"""The integrations service's configuration, from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from trellis_contracts.topics import FEEDBACK_TOPIC, GOALS_TOPIC, RECOGNITION_TOPIC
from trellis_integrations.domain.retries import RetryPolicy
from trellis_integrations.domain.xapi import DEFAULT_ACTIVITY_BASE
from trellis_kernel.settings import ServiceSettings

BACKFILL_TOPIC = "trellis.integrations.backfill.v1"


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True, kw_only=True)
class IntegrationsSettings(ServiceSettings):
    goals_topic: str = GOALS_TOPIC.name
    feedback_topic: str = FEEDBACK_TOPIC.name
    recognition_topic: str = RECOGNITION_TOPIC.name
    backfill_topic: str = BACKFILL_TOPIC
    """Where services replay history for a subscription (``trellis backfill ... --subscription``)."""
    consumer_group: str = "trellis-integrations"
    loopback_http: bool = False
    """Development only: allow plain http endpoints on 127.0.0.1 / localhost (tests, local receivers)."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_concurrent_deliveries: int = 64
    backfill_per_second: float = 100.0
    """Replayed events routed, and delivered, a second at most (each): a backfill leaves room for
    live deliveries in the same process."""
    lease_margin_seconds: float = 30.0
    """A delivery in flight is leased for its timeout plus this; a crashed replica's leases expire."""
    xapi_activity_base: str = DEFAULT_ACTIVITY_BASE
    poll_seconds: float = 1.0
    """How often the dispatcher looks for due deliveries without being woken."""
    delivery_retention_days: float = 30.0
    """Finished deliveries (with the events' bodies) are erased from the log after this long."""

    @classmethod
    def from_env(cls) -> IntegrationsSettings:
        environ = os.environ
        default = RetryPolicy()
        return cls(
            **ServiceSettings.common_values("integrations"),
            goals_topic=environ.get("INTEGRATIONS_GOALS_TOPIC", GOALS_TOPIC.name),
            feedback_topic=environ.get("INTEGRATIONS_FEEDBACK_TOPIC", FEEDBACK_TOPIC.name),
            recognition_topic=environ.get("INTEGRATIONS_RECOGNITION_TOPIC", RECOGNITION_TOPIC.name),
            backfill_topic=environ.get("INTEGRATIONS_BACKFILL_TOPIC", BACKFILL_TOPIC),
            consumer_group=environ.get("INTEGRATIONS_CONSUMER_GROUP", "trellis-integrations"),
            loopback_http=_flag(environ.get("INTEGRATIONS_ALLOW_LOOPBACK_HTTP", "false")),
            retry=RetryPolicy(
                first_delay=float(
                    environ.get("INTEGRATIONS_RETRY_FIRST_DELAY_SECONDS", str(default.first_delay))
                ),
                max_delay=float(environ.get("INTEGRATIONS_RETRY_MAX_DELAY_SECONDS", str(default.max_delay))),
                window=float(environ.get("INTEGRATIONS_RETRY_WINDOW_SECONDS", str(default.window))),
                disable_after_failures=int(
                    environ.get("INTEGRATIONS_DISABLE_AFTER_FAILURES", str(default.disable_after_failures))
                ),
                disable_after=float(
                    environ.get("INTEGRATIONS_DISABLE_AFTER_SECONDS", str(default.disable_after))
                ),
            ),
            max_concurrent_deliveries=int(environ.get("INTEGRATIONS_MAX_CONCURRENT_DELIVERIES", "64")),
            backfill_per_second=float(environ.get("INTEGRATIONS_BACKFILL_PER_SECOND", "100")),
            lease_margin_seconds=float(environ.get("INTEGRATIONS_LEASE_MARGIN_SECONDS", "30")),
            xapi_activity_base=environ.get("INTEGRATIONS_XAPI_ACTIVITY_BASE", DEFAULT_ACTIVITY_BASE),
            poll_seconds=float(environ.get("INTEGRATIONS_POLL_SECONDS", "1")),
            delivery_retention_days=float(environ.get("INTEGRATIONS_DELIVERY_RETENTION_DAYS", "30")),
        )

    @property
    def topics(self) -> tuple[str, ...]:
        return (self.goals_topic, self.feedback_topic, self.recognition_topic)
