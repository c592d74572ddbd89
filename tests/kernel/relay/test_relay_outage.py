"""The relay recovers by itself from a broker outage longer than the producer's request timeout.

A broker of the test's own (its own home, ports and data; the jars shared with the local stack)
is stopped for 60 seconds under steady writes and started again, so the broker other tests use
is never touched. Publishing must resume within seconds, with no restart of the relay, nothing
lost, per-stream order kept (by first appearance) and the duplicates counted.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tests.kernel.relay.conftest import running
from tests.kernel.relay.support import (
    METADATA,
    eventually,
    header,
    new_event,
    new_stream,
    read_topic,
    store_in,
)
from trellis_deploy.local import processes
from trellis_deploy.local.kafka import LocalKafka
from trellis_deploy.settings import PROJECT_DIR, trellis_home
from trellis_kernel.relay import OutboxRelay, RelaySettings
from trellis_kernel.relay.cloudevents import encode_cloudevent
from trellis_kernel.store import Position

OUTAGE_SECONDS = 60.0
STREAMS = 20


@pytest.fixture
async def private_broker() -> AsyncIterator[LocalKafka]:
    # Under the project folder like the other test stacks (see tests/infra/test_local_stack.py);
    # ports below the ephemeral range, or a client retrying the stopped broker can connect to
    # itself on its port (a TCP self-connect) and keep the broker from starting again.
    home = PROJECT_DIR / ".trellis" / "test-stacks" / f"broker-{uuid.uuid4().hex[:8]}"
    port = processes.free_port_from(random.randrange(20000, 30000, 10))
    controller = processes.free_port_from(port + 1, excluding=frozenset({port}))
    broker = LocalKafka(home, libs=LocalKafka(trellis_home()).libs, ports=(port, controller))
    await asyncio.to_thread(broker.up)
    try:
        yield broker
    finally:
        await asyncio.to_thread(broker.down)
        shutil.rmtree(home, ignore_errors=True)


async def create_topic(bootstrap: str) -> str:
    name = f"outage.{uuid.uuid4().hex[:12]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()
    return name


async def test_publishing_resumes_after_a_long_broker_outage_without_a_restart(
    database_dsn: str, private_broker: LocalKafka
) -> None:
    bootstrap = private_broker.status().bootstrap_servers
    topic = await create_topic(bootstrap)
    store, pool = await store_in(database_dsn)
    relay = OutboxRelay(
        dsn=database_dsn,
        store=store,
        bootstrap_servers=bootstrap,
        topic_for=lambda event: topic,
        encode=encode_cloudevent,
        settings=RelaySettings(poll_interval=0.2, retry_delay=0.5),
    )
    streams = [new_stream() for _ in range(STREAMS)]
    stop_writing = asyncio.Event()
    written = 0

    async def write_steadily() -> None:
        nonlocal written
        while not stop_writing.is_set():
            version, stream = divmod(written, STREAMS)
            await store.append(streams[stream], [new_event(version + 1)], expected=version, metadata=METADATA)
            written += 1
            await asyncio.sleep(0.01)

    try:
        async with relay, running(relay):
            writer = asyncio.create_task(write_steadily())
            await eventually(lambda: relay.published >= 200, within=60.0, what="publishing under way")

            await asyncio.to_thread(private_broker.down)
            stopped = time.monotonic()
            written_at_stop, published_at_stop = written, relay.published
            await asyncio.sleep(OUTAGE_SECONDS)
            restarting = time.monotonic()
            await asyncio.to_thread(private_broker.up)
            back = time.monotonic()
            published_when_back = relay.published

            await eventually(
                lambda: relay.published > published_when_back, within=60.0, what="publishing again"
            )
            resumed_after = time.monotonic() - back
            stop_writing.set()
            await writer

            async def caught_up() -> bool:
                return (await relay.lag()).waiting == 0

            await eventually(caught_up, within=120.0, what="the relay caught up")
            caught_up_after = time.monotonic() - back

        records = await read_topic(bootstrap, topic, written, within=60.0, settle=2.0)
        stored = {e.event_id for e in await store.read_all(Position.START, 10 * written)}
        first_seen: dict[UUID, Any] = {}
        for record in sorted(records, key=lambda r: (r.partition, r.offset)):
            first_seen.setdefault(UUID(header(record, "ce_id") or ""), record)
        versions: dict[str, list[int]] = defaultdict(list)
        for record in sorted(first_seen.values(), key=lambda r: (r.partition, r.offset)):
            versions[record.key.decode()].append(int(header(record, "ce_sequence") or 0))

        figures = {
            "outage_seconds": round(back - stopped, 1),
            "broker_start_seconds": round(back - restarting, 1),
            "events_written": written,
            "written_during_outage": written - written_at_stop,
            "published_before_outage": published_at_stop,
            "resumed_seconds_after_broker_back": round(resumed_after, 2),
            "caught_up_seconds_after_broker_back": round(caught_up_after, 2),
            "records_on_topic": len(records),
            "duplicates": len(records) - len(first_seen),
            "producers_started": relay.producers_started,
        }
        print("\nbroker outage: " + json.dumps(figures))

        assert len(stored) == written
        assert set(first_seen) == stored  # nothing lost
        assert all(v == list(range(1, len(v) + 1)) for v in versions.values()), "per-stream order broken"
        assert set(versions) == set(streams)
        assert figures["duplicates"] <= written  # bounded: at most the failed rounds' records again
    finally:
        stop_writing.set()
        await pool.close()


def test_a_private_broker_shares_the_stacks_jars(tmp_path: Path) -> None:
    broker = LocalKafka(tmp_path, libs=tmp_path / "shared-libs", ports=(1, 2))
    assert broker.libs == tmp_path / "shared-libs"
    assert broker._ports_for_start() == (1, 2)
