"""Kafka topics: one per publishing service, keyed by aggregate id.

Every event of a service goes to that service's topic with the aggregate (stream) id as
the record key, so all events of one goal, feedback request or reward land in the same
partition and keep their order. The topic name carries a major version of its own: a
change that breaks every consumer at once (a new key scheme, a new partition count for a
compacted topic) means a new topic, never a change in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

TOPIC_PREFIX = "trellis"
DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class Topic:
    """A service's event topic and the settings it is created with."""

    service: str
    name: str
    partitions: int
    replication_factor: int
    retention_ms: int
    key_description: str
    config: Mapping[str, str] = field(default_factory=dict)

    def topic_config(self) -> dict[str, str]:
        """Broker-side topic configuration (as for ``kafka-topics --config``)."""
        return {
            "cleanup.policy": "delete",
            "retention.ms": str(self.retention_ms),
            "min.insync.replicas": str(max(1, self.replication_factor - 1)),
            **self.config,
        }


def topic_name(service: str, version: int = 1) -> str:
    return f"{TOPIC_PREFIX}.{service}.events.v{version}"


def _topic(service: str, key: str) -> Topic:
    return Topic(
        service=service,
        name=topic_name(service),
        # 12 divides evenly among 1, 2, 3, 4, 6 or 12 consumers of a group.
        partitions=12,
        # Production clusters use 3; a local single broker overrides it at creation.
        replication_factor=3,
        # Consumers rebuild from the services' own event stores, not from Kafka, so the
        # topic only needs to outlast a consumer outage with room to spare.
        retention_ms=30 * DAY_MS,
        key_description=key,
    )


_KEY = (
    "Identifies the aggregate (stream) the event belongs to; every event of one aggregate "
    "has the same key. The aggregate id itself is the CloudEvents subject: {ids}."
)
GOALS_TOPIC = _topic("goals", _KEY.format(ids="a goal, an employee or a career track"))
FEEDBACK_TOPIC = _topic(
    "feedback",
    _KEY.format(
        ids="request_id, feedback_id, conversation_id, the employee and manager of a cadence, "
        "or the organisation for its settings"
    ),
)
RECOGNITION_TOPIC = _topic(
    "recognition",
    _KEY.format(ids="recognition_id, reward_id, adjustment_id, assignment_id or policy_id"),
)

TOPICS: Mapping[str, Topic] = MappingProxyType(
    {topic.service: topic for topic in (GOALS_TOPIC, FEEDBACK_TOPIC, RECOGNITION_TOPIC)}
)
"""The event topic of each publishing service."""


def topic_for(service: str) -> Topic:
    try:
        return TOPICS[service]
    except KeyError:
        raise LookupError(f"no Trellis service {service!r} publishes events") from None
