"""One event that cannot be published never stops the relay: it is set aside, with the reason, a
notice goes to the dead-letter topic, and the events after it are published; once the cause is
fixed, a retry publishes the stream's set-aside events in order."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import defaultdict
from typing import Any
from uuid import UUID, uuid4

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from tests.kernel.relay.conftest import RelayWorld, running
from tests.kernel.relay.support import (
    EVENT_TYPE,
    METADATA,
    eventually,
    header,
    new_event,
    new_stream,
    read_topic,
)
from trellis_kernel.consumers import dead_letter_topic
from trellis_kernel.relay import request_retry, set_aside_events
from trellis_kernel.store import NewEvent


async def insert_behind_the_stores_back(
    world: RelayWorld,
    stream: str,
    version: int,
    *,
    event_type: str = EVENT_TYPE,
    traceparent: str | None = None,
) -> UUID:
    """A row the store's checks never saw (written before they existed, or by hand)."""
    event_id = uuid4()
    await world.pool.execute(
        "INSERT INTO events (event_id, stream_id, version, event_type, schema_version, payload,"
        " occurred_at, principal, traceparent) VALUES ($1, $2, $3, $4, 1, '{\"n\": 0}', now(), 'x', $5)",
        event_id,
        stream,
        version,
        event_type,
        traceparent,
    )
    return event_id


def versions_by_key(records: list[Any]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        found[record.key.decode()].append(int(header(record, "ce_sequence") or 0))
    return dict(found)


async def create_topic(world: RelayWorld, name: str, **configs: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=world.bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(name, num_partitions=1, replication_factor=1, topic_configs=configs)]
        )
    finally:
        await admin.close()


async def test_events_no_record_can_be_made_of_are_set_aside_and_the_rest_published_once(
    world: RelayWorld,
) -> None:
    await create_topic(world, dead_letter_topic(world.topic))
    good, blocked, bad_trace = new_stream(), new_stream(), new_stream()
    await world.store.append(good, [new_event(1)], expected=0, metadata=METADATA)
    spaced = await insert_behind_the_stores_back(world, "goal-a b", 1)
    untyped = await insert_behind_the_stores_back(world, blocked, 1, event_type="GoalProgressUpdated")
    behind = (await world.store.append_stored(blocked, [new_event(2)], expected=1, metadata=METADATA))[
        0
    ].event_id
    traced = await insert_behind_the_stores_back(world, bad_trace, 1, traceparent="not-a-trace")
    await world.store.append(good, [new_event(2)], expected=1, metadata=METADATA)

    async with world.relay() as relay, running(relay):
        await eventually(
            lambda: relay.published == 2 and relay.set_aside == 4, what="2 published, 4 set aside"
        )
    records = await read_topic(world.bootstrap, world.topic, 2, settle=1.0)
    assert versions_by_key(records) == {good: [1, 2]}

    set_aside = {e.event_id: e for e in await set_aside_events(world.store, "outbox")}
    assert {(e.reason, e.stream_id) for e in set_aside.values()} == {
        ("unpublishable", "goal-a b"),
        ("unpublishable", blocked),
        ("stream-blocked", blocked),
        ("unpublishable", bad_trace),
    }
    assert set(set_aside) == {spaced, untyped, behind, traced}
    assert "not an opaque id" in set_aside[spaced].error
    assert "not a Trellis event type" in set_aside[untyped].error
    assert "traceparent" in set_aside[traced].error

    notices = await read_topic(world.bootstrap, dead_letter_topic(world.topic), 4, settle=0.5)
    assert {header(n, "trellis-event-id") for n in notices} == {str(i) for i in set_aside}
    assert {header(n, "dlt-reason") for n in notices} == {"unpublishable", "stream-blocked"}
    assert all(header(n, "dlt-original-topic") == world.topic and n.value == b"" for n in notices)

    # A restarted relay goes on from its checkpoint: nothing published or set aside again.
    async with world.relay() as again, running(again):
        await world.store.append(good, [new_event(3)], expected=2, metadata=METADATA)
        await eventually(lambda: again.published == 1, what="the next event published")
        await asyncio.sleep(0.5)
    assert again.set_aside == 0
    assert versions_by_key(await read_topic(world.bootstrap, world.topic, 3, settle=0.5)) == {good: [1, 2, 3]}
    assert all(e.attempts == 1 for e in await set_aside_events(world.store, "outbox"))


async def test_a_record_the_broker_refuses_is_set_aside_and_published_in_order_on_retry(
    world: RelayWorld,
) -> None:
    # The broker refuses records over 4 KB on this topic; the store's own limit is far higher.
    world.topic = f"small.{uuid4().hex[:12]}"
    await create_topic(world, world.topic, **{"max.message.bytes": "4096"})
    await create_topic(world, dead_letter_topic(world.topic))
    big_one, other = new_stream(), new_stream()
    large = NewEvent(EVENT_TYPE, {"n": 2, "notes": "x" * 8000})
    await world.store.append(big_one, [new_event(1), large, new_event(3)], expected=0, metadata=METADATA)
    await world.store.append(other, [new_event(1), new_event(2)], expected=0, metadata=METADATA)

    async with world.relay(name="goals-outbox") as relay, running(relay):
        await eventually(
            lambda: relay.published == 3 and relay.set_aside == 2, what="3 published, 2 set aside"
        )
        await world.store.append(big_one, [new_event(4)], expected=3, metadata=METADATA)
        await world.store.append(other, [new_event(3)], expected=2, metadata=METADATA)
        await eventually(
            lambda: relay.published == 4 and relay.set_aside == 3, what="the blocked stream held back"
        )
        listed = await cli(world, "relay", "quarantined", "goals")
        assert listed.returncode == 0, listed.stderr
        assert str(large.event_id) in listed.stdout
        assert "refused-by-broker: MessageSizeTooLargeError" in listed.stdout
        assert listed.stdout.count("stream-blocked") == 2

        # Fixed: the topic now takes larger records. Retrying any of the stream's set-aside
        # events publishes all of them, oldest first.
        admin = AIOKafkaAdminClient(bootstrap_servers=world.bootstrap)
        await admin.start()
        try:
            await admin.alter_configs(
                [
                    ConfigResource(
                        ConfigResourceType.TOPIC, world.topic, configs={"max.message.bytes": "1048588"}
                    )
                ]
            )
        finally:
            await admin.close()
        waiting = await set_aside_events(world.store, "goals-outbox")
        last = max(waiting, key=lambda e: e.version)
        retried = await cli(world, "relay", "retry", "goals", str(last.event_id), "--wait", "60")
        assert retried.returncode == 0, retried.stdout + retried.stderr
        assert retried.stdout.count("[published]") == 3
        await world.store.append(big_one, [new_event(5)], expected=4, metadata=METADATA)
        await eventually(lambda: relay.published == 8, what="the stream flowing again")

    records = await read_topic(world.bootstrap, world.topic, 8, settle=1.0)
    assert versions_by_key(records) == {big_one: [1, 2, 3, 4, 5], other: [1, 2, 3]}
    assert await set_aside_events(world.store, "goals-outbox") == []
    assert len(await set_aside_events(world.store, "goals-outbox", include_published=True)) == 3
    assert relay.set_aside == 3


async def test_retrying_an_event_that_is_not_set_aside_says_so(world: RelayWorld) -> None:
    async with world.relay(name="goals-outbox"):
        pass
    try:
        await request_retry(world.store, "goals-outbox", uuid4())
    except LookupError as error:
        assert "no event" in str(error)
    else:
        raise AssertionError("a retry of nothing was accepted")
    unknown = await cli(world, "relay", "retry", "goals", str(uuid4()))
    assert unknown.returncode == 1
    assert "has no event" in unknown.stderr


async def cli(world: RelayWorld, *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "trellis_deploy.cli", *args],
        env={**os.environ, "GOALS_DATABASE_URL": world.dsn, "KAFKA_BOOTSTRAP_SERVERS": world.bootstrap},
        capture_output=True,
        text=True,
        timeout=120,
    )
