"""Consume Trellis goals events from Kafka with only `trellis-contracts` and `aiokafka`.

    pip install ./contracts aiokafka
    python docs/examples/consume_goals.py --bootstrap "$KAFKA_BOOTSTRAP_SERVERS" --group payroll-sync

Delivery is at-least-once: a record can arrive twice (a producer retry, a rebalance before
the offset was committed), so the handler deduplicates on the CloudEvents id and the offset
is committed only after the record was handled. Here "handled" means appended to a list and
the processed ids live in memory; a real integration records the id in the same database
transaction as its own change (e.g. a unique key on ``event_id``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer
from pydantic import ValidationError

from trellis_contracts.base import EventContract
from trellis_contracts.catalogue import UnknownEventType
from trellis_contracts.envelope import DecodedEvent, EnvelopeError, decode_record
from trellis_contracts.goals import DevelopmentActivityCompleted, GoalCompleted, MilestoneReached
from trellis_contracts.topics import GOALS_TOPIC


@dataclass
class MilestoneFeed:
    """What a payroll or LMS integration takes from the goals topic, deduplicated by event id."""

    processed_ids: set[str] = field(default_factory=set)
    actions: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def handle(self, headers: Iterable[tuple[str, bytes | None]], value: bytes) -> bool:
        """Handle one record; False when it was a duplicate or of no interest."""
        try:
            decoded: DecodedEvent[EventContract] = decode_record(headers, value)
        except UnknownEventType as unknown:
            # A newer producer may publish types (or major versions) this consumer does not
            # know yet: skip them rather than stop.
            self.skipped.append(str(unknown))
            return False
        except (EnvelopeError, ValidationError) as broken:
            # Not a Trellis event or data that breaks its contract: park it for a person.
            self.skipped.append(f"unreadable record: {broken}")
            return False

        event_id = decoded.envelope.id
        if event_id in self.processed_ids:
            return False
        event = decoded.data
        if isinstance(event, MilestoneReached):
            self.actions.append(
                f"milestone {event.milestone_id} of goal {event.goal_id} reached by "
                f"{event.employee_id} on {event.reached_on}"
            )
        elif isinstance(event, GoalCompleted):
            self.actions.append(f"goal {event.goal_id} completed by {event.employee_id}")
        elif isinstance(event, DevelopmentActivityCompleted):
            self.actions.append(f"{event.kind} {event.activity_id} completed by {event.employee_id}")
        self.processed_ids.add(event_id)
        return True


async def consume(
    bootstrap: str,
    group_id: str,
    feed: MilestoneFeed,
    topic: str = GOALS_TOPIC.name,
    stop: Callable[[MilestoneFeed], bool] = lambda _: False,
) -> None:
    """Read the topic from the start for a new group, committing after each handled batch."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group_id,
        enable_auto_commit=False,  # commit only what was handled: at-least-once
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        while not stop(feed):
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    feed.handle(record.headers, record.value or b"")
            if batches:
                await consumer.commit()
    finally:
        await consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"))
    parser.add_argument("--group", default="trellis-example-consumer")
    parser.add_argument("--topic", default=GOALS_TOPIC.name, help="e.g. a topic a backfill replayed to")
    options = parser.parse_args()
    feed = MilestoneFeed()

    def report_and_continue(current: MilestoneFeed) -> bool:
        while current.actions:
            print(current.actions.pop(0))
        return False

    asyncio.run(consume(options.bootstrap, options.group, feed, options.topic, stop=report_and_continue))


if __name__ == "__main__":
    main()
