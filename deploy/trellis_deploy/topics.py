"""Creates each service's event topic and its dead-letter topic as the contracts declare them.

Replication is capped at the number of brokers, so the same declaration serves a one-node
local broker and a production cluster. Existing topics are left as they are.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from trellis_contracts.topics import TOPICS, Topic
from trellis_kernel.consumers import dead_letter_topic

DEAD_LETTER_PARTITIONS = 3


def declared_topics(brokers: int, services: Collection[str] | None = None) -> list[NewTopic]:
    """Every service's topic and dead-letter topic, or only those of ``services``."""
    topics = []
    for topic in TOPICS.values():
        if services is not None and topic.service not in services:
            continue
        replication = min(topic.replication_factor, brokers)
        config = {**topic.topic_config(), "min.insync.replicas": str(max(1, replication - 1))}
        topics.append(NewTopic(topic.name, topic.partitions, replication, topic_configs=config))
        topics.append(_dead_letters(topic, replication, config))
    return topics


def _dead_letters(topic: Topic, replication: int, config: dict[str, str]) -> NewTopic:
    return NewTopic(dead_letter_topic(topic.name), DEAD_LETTER_PARTITIONS, replication, topic_configs=config)


async def ensure_topics(bootstrap_servers: str, services: Collection[str] | None = None) -> list[str]:
    """Creates the declared topics (of ``services``, else all) that are missing; returns the names it created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        brokers = len((await admin.describe_cluster())["brokers"])
        existing = set(await admin.list_topics())
        missing = [t for t in declared_topics(brokers, services) if t.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # created meanwhile by another process
                await admin.create_topics(missing)
        return [t.name for t in missing]
    finally:
        await admin.close()
