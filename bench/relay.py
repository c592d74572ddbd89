"""Outbox relay rate beside a plain aiokafka producer, on the same broker, in one run.

    python -m bench.relay [--events 10000] [--rounds 5]   (or the "relay" slot of bench.event_store)

Each round stores N events (not timed), then measures, in alternating order:

- relay: OutboxRelay.relay_pending from a checkpoint just before those N events: read them in
  gap-safe global order (batches of 1,000), encode each as a binary-mode CloudEvent, send, wait
  for every acknowledgement (idempotent producer, acks=all), write the checkpoints;
- plain: one AIOKafkaProducer (idempotent, acks=all, same linger) sending the very same N
  records (key, CloudEvents headers, value; encoded before the clock starts), 1,000 at a time,
  waiting for every acknowledgement: the ceiling for publishing these records from Python;
- bare: the same producer sending only the N values and keys, no headers (for reference: what
  the ten CloudEvents headers cost aiokafka).

Figures are records per second, the median over the rounds; the target is relay >= 50% of plain.
Then latency: with the relay's run loop going (NOTIFY wake-up, 1 s polling fallback), one event
at a time is appended and the time until the broker acknowledged it is taken (p50, p99).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from trellis_kernel.relay import OutboxRelay, RelayCheckpoints, RelaySettings
from trellis_kernel.relay.cloudevents import encode_cloudevent
from trellis_kernel.relay.encoding import EncodedEvent, record_key
from trellis_kernel.store import EventMetadata, EventStore, NewEvent, Position, create_pool, stream_id

EVENT_TYPE = "dev.trellis.goals.GoalProgressUpdated.v1"
STREAMS = 200
BATCH = 1000
LINGER_MS = 5
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


def producer(bootstrap: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=LINGER_MS
    )


async def send_plain(
    bootstrap: str, topic: str, records: Sequence[tuple[bytes, EncodedEvent]], *, headers: bool
) -> float:
    """Seconds to send every record and have every acknowledgement."""
    plain = producer(bootstrap)
    await plain.start()
    try:
        started = time.perf_counter()
        for start in range(0, len(records), BATCH):
            deliveries = [
                await plain.send(
                    topic, value=record.value, key=key, headers=record.headers if headers else None
                )
                for key, record in records[start : start + BATCH]
            ]
            await asyncio.gather(*deliveries)
        return time.perf_counter() - started
    finally:
        await plain.stop()


class Round:
    """N freshly stored events, not yet relayed, in the service database `dsn`."""

    def __init__(self, dsn: str, store: EventStore, bootstrap: str, count: int) -> None:
        self.dsn, self.store, self.bootstrap, self.count = dsn, store, bootstrap, count
        self.checkpoints = RelayCheckpoints(f"bench-{uuid.uuid4().hex[:8]}")
        self.records: list[tuple[bytes, EncodedEvent]] = []

    async def prepare(self, connection: asyncpg.Connection) -> None:
        await self.checkpoints.setup(connection)
        before = await last_position(connection)
        await self.checkpoints.save(connection, before)
        await store_events(self.store, self.count)
        # Gap-safe reads wait for every older transaction in the cluster (other clients'
        # included): start the clocks once all N events are readable.
        events = await self.store.read_all(before, self.count, connection=connection)
        while len(events) < self.count:
            await asyncio.sleep(0.05)
            events = await self.store.read_all(before, self.count, connection=connection)
        self.records = [(record_key(event), encode_cloudevent(event)) for event in events]

    async def relay(self, connection: asyncpg.Connection, topic: str) -> float:
        relay = OutboxRelay(
            dsn=self.dsn,
            store=self.store,
            bootstrap_servers=self.bootstrap,
            topic_for=lambda event: topic,
            encode=encode_cloudevent,
            settings=RelaySettings(name=self.checkpoints.name, batch_size=BATCH),
            checkpoints=self.checkpoints,
            producer_options={"linger_ms": LINGER_MS},
        )
        async with relay:
            started = time.perf_counter()
            published = await relay.relay_pending(connection)
            seconds = time.perf_counter() - started
        if published != self.count:
            raise RuntimeError(f"the relay published {published} of {self.count} events")
        return seconds


async def measure_latency(
    dsn: str, store: EventStore, bootstrap: str, topic: str, samples: int = 200
) -> dict[str, float]:
    """Seconds from an append's commit to the broker's acknowledgement, one event at a time."""
    connection = await asyncpg.connect(dsn)
    try:
        checkpoints = RelayCheckpoints(f"bench-latency-{uuid.uuid4().hex[:8]}")
        await checkpoints.setup(connection)
        await checkpoints.save(connection, await last_position(connection))
    finally:
        await connection.close()
    relay = OutboxRelay(
        dsn=dsn,
        store=store,
        bootstrap_servers=bootstrap,
        topic_for=lambda event: topic,
        encode=encode_cloudevent,
        settings=RelaySettings(name=checkpoints.name, poll_interval=1.0),
        checkpoints=checkpoints,
    )
    latencies: list[float] = []
    stream = stream_id("goal", uuid.uuid4())
    metadata = EventMetadata(principal="bench")
    async with relay:
        running = asyncio.create_task(relay.run())
        try:
            while not relay.is_leader:  # noqa: ASYNC110 - a flag set by the relay's task
                await asyncio.sleep(0.01)
            for n in range(samples):
                await store.append(stream, [NewEvent(EVENT_TYPE, payload(n))], expected=n, metadata=metadata)
                appended = time.perf_counter()
                while relay.published <= n:  # noqa: ASYNC110
                    await asyncio.sleep(0.0005)
                latencies.append(time.perf_counter() - appended)
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
    latencies.sort()
    return {
        "latency_p50_ms": round(1000 * latencies[len(latencies) // 2], 2),
        "latency_p99_ms": round(1000 * latencies[int(len(latencies) * 0.99) - 1], 2),
        "latency_max_ms": round(1000 * latencies[-1], 2),
    }


async def measure(dsn: str, events: int = 10_000, rounds: int = 5) -> dict[str, Any]:
    """The slot bench.event_store calls with its scratch database."""
    bootstrap = kafka_bootstrap()
    suffix = uuid.uuid4().hex[:8]
    relay_topic, plain_topic = f"bench.relay.{suffix}", f"bench.plain.{suffix}"
    await create_topics(bootstrap, relay_topic, plain_topic)
    rates: dict[str, list[float]] = {"relay": [], "plain": [], "bare": []}
    pool = await create_pool(dsn, min_size=1, max_size=4)
    connection = await asyncpg.connect(dsn)
    try:
        store = EventStore(pool)
        await store.setup()
        warm_up = Round(dsn, store, bootstrap, 1_000)
        await warm_up.prepare(connection)
        await send_plain(bootstrap, plain_topic, warm_up.records, headers=True)
        await warm_up.relay(connection, relay_topic)
        for number in range(rounds):
            current = Round(dsn, store, bootstrap, events)
            await current.prepare(connection)
            plain_first = number % 2 == 0
            if not plain_first:
                rates["relay"].append(events / await current.relay(connection, relay_topic))
            rates["plain"].append(
                events / await send_plain(bootstrap, plain_topic, current.records, headers=True)
            )
            rates["bare"].append(
                events / await send_plain(bootstrap, plain_topic, current.records, headers=False)
            )
            if plain_first:
                rates["relay"].append(events / await current.relay(connection, relay_topic))
            print(
                f"round {number + 1}: relay {rates['relay'][-1]:8.0f}/s   plain (same records) "
                f"{rates['plain'][-1]:8.0f}/s   bare values {rates['bare'][-1]:8.0f}/s",
                flush=True,
            )
        latency = await measure_latency(dsn, store, bootstrap, relay_topic)
        print(
            f"latency append -> broker ack: p50 {latency['latency_p50_ms']} ms, "
            f"p99 {latency['latency_p99_ms']} ms",
            flush=True,
        )
    finally:
        await connection.close()
        await pool.close()
    median = {name: statistics.median(values) for name, values in rates.items()}
    ratio = round(median["relay"] / median["plain"], 3)
    return {
        "events_per_round": events,
        "rounds": rounds,
        "relay_per_s": round(median["relay"], 1),
        "plain_aiokafka_same_records_per_s": round(median["plain"], 1),
        "plain_aiokafka_bare_values_per_s": round(median["bare"], 1),
        "relay_vs_plain": ratio,
        "relay_vs_bare": round(median["relay"] / median["bare"], 3),
        "target_relay_vs_plain_met": ratio >= TARGET,
        **latency,
        "all_rounds": {name: [round(value) for value in values] for name, values in rates.items()},
    }


async def main_async(events: int, rounds: int) -> dict[str, Any]:
    from bench.database import admin_dsn, scratch_database

    admin = await asyncio.to_thread(admin_dsn)
    async with scratch_database(admin, "bench_relay") as database:
        return {"bench": "relay", **await measure(database.dsn, events, rounds)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000, help="events per round")
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args(argv)
    print(json.dumps(asyncio.run(main_async(arguments.events, arguments.rounds))), flush=True)


if __name__ == "__main__":
    main()
