"""The topic services replay history to for a subscription, created like the services' own."""

from __future__ import annotations

import contextlib

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from trellis_kernel.consumers import dead_letter_topic

PARTITIONS = 12
RETENTION_MS = 7 * 24 * 3600 * 1000  # a replay is delivered within days, or asked for again


async def ensure_backfill_topic(bootstrap_servers: str, topic: str) -> list[str]:
    """Create the backfill topic and its dead-letter topic if missing; returns those created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        brokers = len((await admin.describe_cluster())["brokers"])
        replication = min(3, brokers)
        config = {"retention.ms": str(RETENTION_MS), "min.insync.replicas": str(max(1, replication - 1))}
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name, partitions, replication, topic_configs=config)
            for name, partitions in ((topic, PARTITIONS), (dead_letter_topic(topic), 3))
            if name not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
        return [t.name for t in missing]
    finally:
        await admin.close()
