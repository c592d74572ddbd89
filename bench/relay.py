"""Outbox relay rate beside a plain aiokafka producer, on the same broker, in one run.

    python -m bench.relay [--events 20000]      (or as the "relay" slot of bench.event_store)

- relay: OutboxRelay.relay_pending from a checkpoint just before N stored events: read them in
  gap-safe global order (batches of 1,000), encode each as a binary-mode CloudEvent, send,
  wait for every acknowledgement (idempotent producer, acks=all), write the checkpoint;
- plain: one AIOKafkaProducer (idempotent, acks=all) sending the same N values with the same
  keys, 1,000 at a time, waiting for every acknowledgement; no database, no headers.

Both publish to new 3-partition topics. The figure is events (records) per second; the target
is relay >= 50% of plain.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from trellis_kernel.relay import OutboxRelay, RelayCheckpoints, RelaySettings
from trellis_kernel.relay.cloudevents import encode_cloudevent
from trellis_kernel.store import EventMetadata, EventStore, NewEvent, Position, stream_id

EVENT_TYPE = "dev.trellis.goals.GoalProgressUpdated.v1"
STREAMS = 200
BATCH = 1000
TARGET = 0.5


def kafka_bootstrap() -> str:
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if configured:
        return configured
    from trellis_deploy import infrastructure

    endpoints = infrastructure.running_endpoints()
    if endpoints is None:
        raise SystemExit("Kafka is not running: `trellis infra up` or set KAFKA_BOOTSTRAP_SERVERS")
    return endpoints.kafka_bootstrap_servers


def payload(n: int) -> dict[str, Any]:
    return {
        "goal_id": str(uuid.uuid4()),
        "organisation_id": "org_7f3a",
        "progress_percent": n % 101,
        "recorded_by": str(uuid.uuid4()),
        "milestone_id": str(uuid.uuid4()),
    }


async def create_topics(bootstrap: str, *names: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=3, replication_factor=1) for name in names])
    finally:
        await admin.close()


async def last_position(connection: asyncpg.Connection) -> Position:
    row = await connection.fetchrow(
        "select transaction_id::text::bigint as xid, global_position from events "
        "order by transaction_id desc, global_position desc limit 1"
    )
    return Position.START if row is None else Position(row["xid"], row["global_position"])


async def store_events(store: EventStore, count: int) -> None:
    per_stream = count // STREAMS
    streams = [stream_id("goal", uuid.uuid4()) for _ in range(STREAMS)]
    metadata = EventMetadata(principal="bench", correlation_id=uuid.uuid4())
    for start in range(0, per_stream, 10):
        size = min(10, per_stream - start)
        for stream in streams:
            events = [NewEvent(EVENT_TYPE, payload(start + i)) for i in range(size)]
            await store.append(stream, events, expected=start, metadata=metadata)


async def measure_relay(dsn: str, bootstrap: str, topic: str, count: int) -> tuple[int, float]:
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
    try:
        store = EventStore(pool)
        await store.setup()
        name = f"bench-{uuid.uuid4().hex[:8]}"
        checkpoints = RelayCheckpoints(name)
        connection = await asyncpg.connect(dsn)
        try:
            await checkpoints.setup(connection)
            before = await last_position(connection)
            await checkpoints.save(connection, before)
            await store_events(store, count)
            # Gap-safe reads wait for every older transaction in the cluster (other clients'
            # included): start the clock once all N events are readable.
            while len(await store.read_all(before, count, connection=connection)) < count:
                await asyncio.sleep(0.05)
            relay = OutboxRelay(
                dsn=dsn,
                store=store,
                bootstrap_servers=bootstrap,
                topic_for=lambda event: topic,
                encode=encode_cloudevent,
                settings=RelaySettings(name=name, batch_size=BATCH),
                checkpoints=checkpoints,
            )
            async with relay:
                started = time.perf_counter()
                published = await relay.relay_pending(connection)
                return published, time.perf_counter() - started
        finally:
            await connection.close()
    finally:
        await pool.close()


async def measure_plain(bootstrap: str, topic: str, count: int) -> tuple[int, float]:
    keys = [stream_id("goal", uuid.uuid4()).encode() for _ in range(STREAMS)]
    values = [json.dumps(payload(n), separators=(",", ":")).encode() for n in range(count)]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=5)
    await producer.start()
    try:
        started = time.perf_counter()
        for start in range(0, count, BATCH):
            deliveries = [
                await producer.send(topic, value=values[n], key=keys[n % STREAMS])
                for n in range(start, min(start + BATCH, count))
            ]
            await asyncio.gather(*deliveries)
        return count, time.perf_counter() - started
    finally:
        await producer.stop()


async def measure(dsn: str, events: int = 20_000) -> dict[str, Any]:
    """The slot bench.event_store calls with its scratch database."""
    bootstrap = kafka_bootstrap()
    suffix = uuid.uuid4().hex[:8]
    relay_topic, plain_topic = f"bench.relay.{suffix}", f"bench.plain.{suffix}"
    await create_topics(bootstrap, relay_topic, plain_topic)
    await measure_plain(bootstrap, plain_topic, 1_000)  # warm up the broker and the client
    plain_count, plain_seconds = await measure_plain(bootstrap, plain_topic, events)
    relay_count, relay_seconds = await measure_relay(dsn, bootstrap, relay_topic, events)
    plain_rate = plain_count / plain_seconds
    relay_rate = relay_count / relay_seconds
    ratio = round(relay_rate / plain_rate, 3)
    print(f"{'plain aiokafka':>14}: {plain_rate:9.1f} records/s ({plain_count} in {plain_seconds:.2f}s)")
    print(f"{'relay':>14}: {relay_rate:9.1f} events/s ({relay_count} in {relay_seconds:.2f}s)")
    return {
        "events": events,
        "relay_per_s": round(relay_rate, 1),
        "relay_published": relay_count,
        "plain_aiokafka_per_s": round(plain_rate, 1),
        "relay_vs_plain": ratio,
        "target_relay_vs_plain_met": ratio >= TARGET,
    }


async def main_async(events: int) -> dict[str, Any]:
    from bench.database import admin_dsn, scratch_database

    admin = await asyncio.to_thread(admin_dsn)
    async with scratch_database(admin, "bench_relay") as database:
        return {"bench": "relay", **await measure(database.dsn, events)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    arguments = parser.parse_args(argv)
    print(json.dumps(asyncio.run(main_async(arguments.events))), flush=True)


if __name__ == "__main__":
    main()
