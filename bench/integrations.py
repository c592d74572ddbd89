"""Webhook delivery and backfill rates, beside plain signed HTTP posts to the same receiver.

    python -m bench.integrations [--history 10000] [--live-rate 20]

The integrations service runs as `trellis serve integrations` in a process of its own; a
stand-in goals service (the kernel's store and relay, in this process) publishes; receivers are
processes of their own that verify every signature with the standardwebhooks library. Figures:

- plain: signed POSTs of the same CloudEvent bodies straight from httpx to a receiver, 8 at a
  time: the ceiling for delivering from Python on this machine;
- live latency: publish (append to the store) to arrival at the receiver, p50 and p95, while
  nothing else happens, while a failing receiver (500s, then 410) is retried, and while a
  backfill runs;
- backfill: a seeded history of ``--history`` progress events (only in the store, as if older
  than the topic's retention) replayed by the stand-in goals service and delivered to a new
  subscription in order per aggregate, from the request to the last arrival, beside plain.

The failing receiver answers 500 six times, then 410; the service runs with short back-off
(0.25 s doubling to 2 s) so that the phase shows the schedule in seconds. Ends with one JSON line
holding every figure, and the machine's load average (figures scale with the CPU left over).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.database import admin_dsn
from bench.relay import kafka_bootstrap
from tests.integrations.conftest import SECRET, bearer
from tests.integrations.events import (
    goal_completed,
    goal_stream,
    milestone_reached,
    open_publisher,
    seed_history,
)
from tests.service_process import ServiceProcess, free_port
from trellis_integrations.delivery.webhooks import new_secret, signed_headers
from trellis_kernel.backfill import BackfillRequest, Backfills
from trellis_kernel.consumers import dead_letter_topic

ORG = "org_bench"
REACHED = "dev.trellis.goals.MilestoneReached.v1"
PROGRESS = "dev.trellis.goals.MilestoneProgressUpdated.v1"
COMPLETED = "dev.trellis.goals.GoalCompleted.v1"
PER_GOAL = 10
HEADERS = bearer("ops_1", org=ORG, roles=("platform_admin",))


class Receiver:
    def __init__(self, workdir: Path, name: str, *extra: str) -> None:
        self.secret = new_secret()
        self.port = free_port()
        self.arrivals = workdir / f"{name}.jsonl"
        self.arrivals.touch()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.webhook_receiver",
                str(self.port),
                self.secret,
                str(self.arrivals),
                *extra,
            ],
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        self.process.stdout.readline()  # "ready"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def read(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.arrivals.read_text().splitlines() if line.strip()]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@contextlib.contextmanager
def receivers(workdir: Path, **extras: tuple[str, ...]) -> Iterator[dict[str, Receiver]]:
    started = {name: Receiver(workdir, name, *extra) for name, extra in extras.items()}
    try:
        yield started
    finally:
        for receiver in started.values():
            receiver.stop()


async def database(admin: str, prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return admin.rsplit("/", 1)[0] + "/" + name


async def topics(bootstrap: str) -> dict[str, str]:
    names = {
        kind: f"bench.{kind}.{uuid.uuid4().hex[:8]}"
        for kind in ("goals", "feedback", "recognition", "backfill")
    }
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(n, 12 if k == "backfill" else 3, 1) for k, n in names.items()]
            + [NewTopic(dead_letter_topic(n), 1, 1) for n in names.values()]
        )
    finally:
        await admin.close()
    return names


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")


async def plain_rate(receiver: Receiver, count: int = 2000, concurrency: int = 8) -> float:
    """Signed POSTs of a CloudEvent body straight to the receiver: the ceiling."""
    body = json.dumps({"specversion": "1.0", "id": "x", "type": REACHED, "source": "/trellis/goals"})
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def worker(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            n = queue.get_nowait()
            from datetime import UTC, datetime

            headers = signed_headers(f"plain-{n}", body, (receiver.secret,), datetime.now(UTC))
            response = await http.post(receiver.url, content=body.encode(), headers=headers)
            assert response.status_code == 204

    async with httpx.AsyncClient() as http:
        started = time.perf_counter()
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
        return count / (time.perf_counter() - started)


async def live_feed(
    publisher: Any, prefix: str, rate: float, stop: asyncio.Event, sent: dict[str, float]
) -> None:
    n = 0
    while not stop.is_set():
        goal = f"live_{n % 20}"
        milestone = f"{prefix}_{n}"
        sent[milestone] = time.time()
        await publisher.publish(goal_stream(ORG, goal), milestone_reached(ORG, goal, milestone))
        n += 1
        await asyncio.sleep(1 / rate)


def latencies(receiver: Receiver, sent: dict[str, float]) -> list[float]:
    return [a["arrived"] - sent[a["milestone"]] for a in receiver.read() if a["milestone"] in sent]


async def wait_for(condition: Any, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def feeding(publisher: Any, prefix: str, rate: float, sent: dict[str, float]) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(live_feed(publisher, prefix, rate, stop, sent))
    try:
        yield
    finally:
        stop.set()
        await task


async def run(history: int, live_rate: float, seconds: float, backfill_rate: float) -> dict[str, Any]:
    bootstrap, admin = kafka_bootstrap(), await asyncio.to_thread(admin_dsn)
    names = await topics(bootstrap)
    publisher = await open_publisher(
        await database(admin, "bench_goals"),
        {k: names[k] for k in ("goals", "feedback", "recognition")},
        bootstrap,
    )
    seeded = await seed_history(publisher, ORG, history // PER_GOAL, PER_GOAL)
    workdir = Path(tempfile.mkdtemp(prefix="bench-integrations-"))
    environment = {
        "INTEGRATIONS_DATABASE_URL": await database(admin, "bench_integrations"),
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "TRELLIS_JWT_SECRET": SECRET,
        "INTEGRATIONS_GOALS_TOPIC": names["goals"],
        "INTEGRATIONS_FEEDBACK_TOPIC": names["feedback"],
        "INTEGRATIONS_RECOGNITION_TOPIC": names["recognition"],
        "INTEGRATIONS_BACKFILL_TOPIC": names["backfill"],
        "INTEGRATIONS_CONSUMER_GROUP": f"bench-{uuid.uuid4().hex[:8]}",
        "INTEGRATIONS_ALLOW_LOOPBACK_HTTP": "true",
        "INTEGRATIONS_RETRY_FIRST_DELAY_SECONDS": "0.25",
        "INTEGRATIONS_RETRY_MAX_DELAY_SECONDS": "2",
        "INTEGRATIONS_POLL_SECONDS": "0.5",
        "INTEGRATIONS_BACKFILL_PER_SECOND": str(backfill_rate),
    }
    service = ServiceProcess(environment, workdir / "integrations.log")
    figures: dict[str, Any] = {
        "history": seeded,
        "live_rate": live_rate,
        "backfill_rate_setting": backfill_rate,
    }
    with receivers(
        workdir, plain=(), live=(), late=(), failing=("--fail", "6", "--gone", "--delay", "0.2")
    ) as rx:
        service.start()
        try:
            async with (
                httpx.AsyncClient(base_url=service.url, headers=HEADERS, timeout=30) as api,
                publisher.relaying(),
            ):
                for name, types, in_flight in (
                    ("live", [REACHED], 4),
                    ("late", [PROGRESS], 8),
                    ("failing", [COMPLETED], 4),
                ):
                    body = {
                        "subscription_id": name,
                        "endpoint": rx[name].url,
                        "event_types": types,
                        "secret": rx[name].secret,
                        "max_in_flight": in_flight,
                        "timeout_seconds": 5,
                    }
                    created = await api.post("/subscriptions/webhooks", json=body)
                    assert created.status_code == 201, created.text
                figures["plain_per_second"] = round(await plain_rate(rx["plain"]), 1)

                idle: dict[str, float] = {}
                async with feeding(publisher, "idle", live_rate, idle):
                    await asyncio.sleep(seconds)
                await wait_for(
                    lambda: len(latencies(rx["live"], idle)) >= len(idle), 60, "the idle live events"
                )
                quiet = latencies(rx["live"], idle)

                failing: dict[str, float] = {}
                await publisher.publish(goal_stream(ORG, "failing"), goal_completed(ORG, "failing"))
                async with feeding(publisher, "failing", live_rate, failing):
                    await asyncio.sleep(seconds)
                await wait_for(
                    lambda: len(latencies(rx["live"], failing)) >= len(failing), 60, "the live events"
                )
                beside_failing = latencies(rx["live"], failing)
                for _ in range(120):  # until the 410 has disabled it
                    shown = (await api.get("/subscriptions/failing")).json()
                    if shown["status"] == "disabled":
                        break
                    await asyncio.sleep(0.5)
                attempts = (await api.get("/subscriptions/failing/deliveries")).json()[0]["attempt_log"]

                during: dict[str, float] = {}
                job = (await api.post("/subscriptions/late/backfills", json={"service": "goals"})).json()
                replay = job["replay_request"]
                backfills = Backfills(publisher.pool)
                await backfills.setup()
                runner = publisher.backfill_runner()
                await runner.setup()
                started = time.time()
                await backfills.request(
                    BackfillRequest(
                        uuid.UUID(replay["backfill_id"]),
                        replay["topic"],
                        organisation_id=ORG,
                        event_types=frozenset(replay["event_types"]),
                        rate_per_second=5000,
                    ),
                    requested_by="bench",
                )
                replaying = asyncio.create_task(runner.run())
                async with feeding(publisher, "during", live_rate, during):
                    await wait_for(lambda: len(rx["late"].read()) >= seeded, 3600, "the backfill")
                arrivals = rx["late"].read()
                finished = max(a["arrived"] for a in arrivals)
                runner.stop()
                replaying.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await replaying
                await wait_for(
                    lambda: len(latencies(rx["live"], during)) >= len(during), 60, "the live events"
                )
                beside_backfill = latencies(rx["live"], during)
                replayed = await backfills.get(uuid.UUID(replay["backfill_id"]))
        finally:
            service.stop()
    in_order = _in_order(arrivals)
    seconds_taken = finished - started
    figures.update(
        {
            "backfill_seconds": round(seconds_taken, 1),
            "backfill_per_second": round(seeded / seconds_taken, 1),
            "backfill_vs_plain": round(seeded / seconds_taken / figures["plain_per_second"], 3),
            "replay_per_second": round(replayed.rate or 0, 1),
            "backfill_in_order": in_order,
            "live_ms_idle": _ms(quiet),
            "live_ms_beside_failing": _ms(beside_failing),
            "live_ms_during_backfill": _ms(beside_backfill),
            "live_p50_during_vs_idle": round(
                statistics.median(beside_backfill) / statistics.median(quiet), 2
            ),
            "failing": {
                "status": shown["status"],
                "reason": shown["disabled_reason"],
                "attempts": [a["status_code"] for a in attempts],
                "waits_s": [
                    round(
                        _seconds(a["next_attempt_at"]) - _seconds(a["started_at"]) - a["latency_ms"] / 1000, 2
                    )
                    for a in attempts
                    if a["next_attempt_at"]
                ],
            },
            "load_average": os.getloadavg()[0],
        }
    )
    return figures


def _seconds(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


def _ms(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(percentile(values, 0.5) * 1000, 1),
        "p95": round(percentile(values, 0.95) * 1000, 1),
    }


def _in_order(arrivals: list[dict[str, Any]]) -> bool:
    seen: set[str] = set()
    last: dict[str, int] = {}
    for arrival in arrivals:
        if arrival["id"] in seen:
            continue
        seen.add(arrival["id"])
        if arrival["sequence"] <= last.get(arrival["subject"], 0):
            return False
        last[arrival["subject"]] = arrival["sequence"]
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=10_000)
    parser.add_argument("--live-rate", type=float, default=20.0, help="live events a second")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the idle and failing phases")
    parser.add_argument(
        "--backfill-rate", type=float, default=100.0, help="INTEGRATIONS_BACKFILL_PER_SECOND of the service"
    )
    args = parser.parse_args()
    figures = asyncio.run(run(args.history, args.live_rate, args.seconds, args.backfill_rate))
    print(f"plain signed POSTs (ceiling):          {figures['plain_per_second']:>8.0f} /s")
    print(
        f"backfill of {figures['history']} events:        {figures['backfill_per_second']:>8.0f} /s"
        f"  ({figures['backfill_vs_plain']:.2f} of plain; replay {figures['replay_per_second']:.0f} /s;"
        f" in order: {figures['backfill_in_order']})"
    )
    for phase in ("idle", "beside_failing", "during_backfill"):
        ms = figures[f"live_ms_{phase}"]
        print(f"live latency {phase:<16} p50 {ms['p50']:>7.0f} ms  p95 {ms['p95']:>7.0f} ms  (n={ms['n']})")
    failing = figures["failing"]
    print(
        f"failing receiver: {failing['status']} ({failing['reason']}), answers {failing['attempts']},"
        f" waits {failing['waits_s']} s"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
