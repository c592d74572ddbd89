"""From a milestone reached in the goals API to its reward in the recognition service's
reward-trigger view, with both services running as processes on the local Kafka and PostgreSQL.

    python -m bench.reward_latency [--rate 200] [--seconds 20] [--employees 100]

Setup (not timed): fresh databases and topics; the goals and recognition services started as
uvicorn processes (as `trellis serve` runs them); a reward policy granting points for every
milestone reached; `--employees` employees with a manager and an agreed goal of enough milestones.

Then ``ReachMilestone`` commands go to the goals API at a steady rate (open loop: command i is
sent at start + i / rate, whatever the answers before it), each for another goal in turn. For
each command the time of its response is taken, and:

- reward: the time until the reward it caused is visible in the reward-trigger view (rows are
  looked up by triggering event id whenever the recognition database announces a commit, and
  every 20 ms in any case);
- relay (the baseline, same run): the time until the MilestoneReached record is read from the
  goals topic by a plain consumer: the goals service's relay publishing it. The reward's path is
  that one plus the recognition consumer's transaction (facts, policy evaluation, the outcome and
  the view, committed together).

Where the CPU goes: the CPU seconds each process used from the first command sent until the last
reward was seen (the goals and recognition services, the Kafka broker, the PostgreSQL cluster
with its backends, the driver itself; read with psutil, see ``bench/cpu.py``), as CPU milliseconds
per command answered, and the cores that cost would take at the target rate beside the cores
the machine has; and beforehand, for 3 s with no command sent, the cores each process uses anyway.

Prints p50, p99 and the achieved rate for both, the ratio of the two p99s, the CPU per command
per process, and one JSON line. Target: reward p99 within 50 ms at 200 commands per second.
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
import time
import uuid
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.cpu import CpuMeter, listening_pid
from bench.database import admin_dsn, scratch_database
from bench.relay import kafka_bootstrap
from trellis_contracts.envelope import decode_envelope
from trellis_contracts.goals import MilestoneReachedV2
from trellis_deploy.local import processes
from trellis_kernel.identity import mint_token
from trellis_kernel.privacy import KEY_ENCRYPTION_KEYS_SETTING, new_key_encryption_key
from trellis_kernel.store import NOTIFY_CHANNEL

ORG = "org_bench"
SECRET = "reward-latency-bench-secret-32-bytes!"
TARGET_P99_MS = 50.0
MILESTONE_REACHED = MilestoneReachedV2.event_type()
IDLE_SAMPLE_SECONDS = 3.0
"""How long the processes' CPU is sampled with no command sent, just before driving: what they
use anyway (polling consumers, the broker's own work), part of every figure per command."""
IN_FLIGHT = 8
"""Requests to the goals API at once, at most: its command handling takes a second pooled
connection while holding one (the reporting line's lookup), so more requests at once than its
pool (10) can hold every connection and wait for ever."""
POLICY = """\
format: trellis.reward-policy.v1
policy_id: milestones
title: A point for every milestone
effective_on: {today}
rules:
  - id: milestone-point
    when: {{event: goals.MilestoneReached}}
    then: [{{points: {{amount: 1}}}}]
"""


def token(subject: str, *, hr: bool = False) -> dict[str, str]:
    roles = ("hr_admin",) if hr else ()
    return {"Authorization": f"Bearer {mint_token(SECRET, subject, roles=roles, organisation_id=ORG)}"}


@dataclass
class Service:
    name: str
    factory: str
    environment: dict[str, str]
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is timed
            [sys.executable, "-m", "uvicorn", self.factory, "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning", "--no-access-log"],
            env={**os.environ, **self.environment},
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        async with httpx.AsyncClient() as http:
            for _ in range(600):
                if self.process.poll() is not None:
                    raise SystemExit(f"{self.name} exited: see {self.log}")
                try:
                    if (await http.get(f"{self.url}/health/ready", timeout=2)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        raise SystemExit(f"{self.name} did not become ready: see {self.log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()


@dataclass
class Command:
    sent: float
    answered: float | None = None
    event_id: str | None = None
    on_topic: float | None = None
    in_view: float | None = None


@dataclass
class Run:
    commands: list[Command] = field(default_factory=list)
    by_event: dict[str, Command] = field(default_factory=dict)
    failed: int = 0
    seen_on_topic: dict[str, float] = field(default_factory=dict)
    seen_in_view: dict[str, float] = field(default_factory=dict)

    def resolve(self, command: Command) -> None:
        assert command.event_id is not None
        self.by_event[command.event_id] = command
        command.on_topic = self.seen_on_topic.get(command.event_id)
        command.in_view = self.seen_in_view.get(command.event_id)


async def create_topics(bootstrap: str, names: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=12, replication_factor=1) for name in names])
    finally:
        await admin.close()


async def prepare(
    goals: httpx.AsyncClient, recognition: httpx.AsyncClient, employees: int, milestones: int
) -> None:
    today = datetime.now(UTC).date()
    published = await recognition.post(
        "/policies",
        content=POLICY.format(today=today.isoformat()).encode(),
        headers={**token("hr_1", hr=True), "content-type": "application/yaml"},
    )
    published.raise_for_status()
    due = (today + timedelta(days=180)).isoformat()

    async def one(n: int) -> None:
        employee, manager = f"emp_{n}", f"mgr_{n % 10}"
        (await goals.post(f"/employees/{employee}/manager", json={"manager_id": manager},
                          headers=token("hr_1", hr=True))).raise_for_status()  # fmt: skip
        (await goals.post("/goals", headers=token(employee), json={
            "goal_id": f"goal_{n}", "employee_id": employee, "title": "Grow", "description": "Grow steadily",
            "due_date": due, "career_track_id": "leadership",
            "milestones": [{"milestone_id": f"ms_{m}", "title": f"Step {m}", "owner_id": employee, "due_date": due}
                           for m in range(milestones)],
        })).raise_for_status()  # fmt: skip
        (await goals.post(f"/goals/goal_{n}/agreement", json={}, headers=token(manager))).raise_for_status()

    for start in range(0, employees, IN_FLIGHT):
        await asyncio.gather(*(one(n) for n in range(start, min(start + IN_FLIGHT, employees))))


async def watch_topic(bootstrap: str, topic: str, run: Run, stop: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="latest",
                                fetch_max_wait_ms=5)  # fmt: skip
    await consumer.start()
    try:
        while not stop.is_set():
            for records in (await consumer.getmany(timeout_ms=50)).values():
                now = time.perf_counter()
                for record in records:
                    headers = dict(record.headers)
                    if headers.get("ce_type") == MILESTONE_REACHED.encode():
                        envelope, _ = decode_envelope(list(record.headers), record.value)
                        run.seen_on_topic.setdefault(envelope.id, now)
                        if (command := run.by_event.get(envelope.id)) is not None:
                            command.on_topic = command.on_topic or now
    finally:
        await consumer.stop()


async def watch_view(dsn: str, run: Run, pending: set[str], stop: asyncio.Event) -> None:
    """Looks the pending triggering events up in the view on every commit the recognition
    database announces (and every 20 ms)."""
    wake = asyncio.Event()
    listener = await asyncpg.connect(dsn)
    reader = await asyncpg.connect(dsn)
    await listener.add_listener(NOTIFY_CHANNEL, lambda *_: wake.set())
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), 0.02)
            wake.clear()
            if not pending:
                continue
            rows = await reader.fetch(
                "SELECT triggering_event_id FROM reward_triggers WHERE organisation_id = $1"
                " AND triggering_event_id = ANY($2::text[])",
                ORG,
                list(pending),
            )
            now = time.perf_counter()
            for row in rows:
                event_id = row["triggering_event_id"]
                pending.discard(event_id)
                run.seen_in_view.setdefault(event_id, now)
                if (command := run.by_event.get(event_id)) is not None:
                    command.in_view = command.in_view or now
    finally:
        await listener.close()
        await reader.close()


async def drive(goals: httpx.AsyncClient, goals_db: asyncpg.Pool, run: Run, pending: set[str],
                rate: float, seconds: float, employees: int) -> float:  # fmt: skip
    total = int(rate * seconds)
    start = time.perf_counter()
    in_flight = asyncio.Semaphore(IN_FLIGHT)

    async def reach(i: int) -> None:
        n, milestone = i % employees, i // employees
        command = Command(sent=start + i / rate)
        run.commands.append(command)
        delay = command.sent - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            async with in_flight:
                answer = await goals.post(f"/goals/goal_{n}/milestones/ms_{milestone}/reached", json={},
                                          headers=token(f"emp_{n}"))  # fmt: skip
        except httpx.HTTPError:
            run.failed += 1
            return
        command.answered = time.perf_counter()
        if answer.status_code != 200:
            run.failed += 1
            return
        body = answer.json()
        offset = body["events"].index(MILESTONE_REACHED)
        version = body["version"] - len(body["events"]) + 1 + offset
        event_id = await goals_db.fetchval(
            "SELECT event_id::text FROM events WHERE stream_id = $1 AND version = $2",
            body["stream_id"],
            version,
        )
        command.event_id = event_id
        pending.add(event_id)
        run.resolve(command)

    await asyncio.gather(*(reach(i) for i in range(total)))
    return time.perf_counter() - start


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return {"p50": round(statistics.median(ordered), 2), "p99": round(p99, 2), "max": round(ordered[-1], 2)}


def cpu_meter(goals: Service, recognition: Service, admin: str, bootstrap: str) -> CpuMeter:
    """The processes whose CPU a run accounts for: both services, the broker and the PostgreSQL
    cluster (found by the ports they listen on: local ones only) and the driver."""
    assert goals.process is not None and recognition.process is not None
    postgres_port = urlsplit(admin).port or 5432
    kafka_port = int(bootstrap.split(",")[0].rsplit(":", 1)[1])
    return CpuMeter(
        {
            "goals": goals.process.pid,
            "recognition": recognition.process.pid,
            "kafka": listening_pid(kafka_port),
            "postgres": listening_pid(postgres_port),
        },
        alone={"driver": os.getpid()},
    )


def cpu_figures(
    used: dict[str, float],
    window: float,
    idle: dict[str, float],
    commands: int,
    rate: float,
    unknown: list[str],
) -> dict[str, Any]:
    """CPU seconds per process over ``window``, CPU ms per command, and the cores ``rate``
    commands a second would take at that cost: counting all of it per command (what a run at
    this rate cost), and with what the processes use anyway (``idle``, cores) apart, as the cores
    they idle on plus the rest per command."""
    total = sum(used.values())
    above_idle = {name: max(0.0, seconds - idle.get(name, 0.0) * window) for name, seconds in used.items()}

    def per_command(seconds: dict[str, float]) -> dict[str, float]:
        if not commands:
            return {}
        each = {name: round(cpu * 1000 / commands, 2) for name, cpu in seconds.items()}
        return {**each, "total": round(sum(seconds.values()) * 1000 / commands, 2)}

    idle_total = sum(idle.values())
    marginal = sum(above_idle.values()) * 1000 / commands if commands else float("nan")
    return {
        "window_s": round(window, 1),
        "cpu_seconds": {**used, "total": round(total, 2)},
        "cpu_ms_per_command": per_command(used),
        "cpu_ms_per_command_above_idle": per_command(above_idle),
        "idle_cores": {
            **{name: round(cores, 3) for name, cores in idle.items()},
            "total": round(idle_total, 3),
        },
        "cores_busy": round(total / window, 2) if window else None,
        "cores_needed_at_target_rate": round(total * rate / commands, 2) if commands else None,
        "cores_needed_at_target_rate_idle_apart": round(idle_total + marginal * rate / 1000, 2),
        "cores_on_machine": os.cpu_count(),
        "not_measured": unknown,
    }


@asynccontextmanager
async def services(admin: str, bootstrap: str, logs: Path) -> Any:
    async with AsyncExitStack() as stack:
        goals_db = await stack.enter_async_context(scratch_database(admin, "bench_goals"))
        recognition_db = await stack.enter_async_context(scratch_database(admin, "bench_recognition"))
        suffix = uuid.uuid4().hex[:8]
        topics = {name: f"bench.{name}.{suffix}" for name in ("goals", "feedback", "recognition")}
        await create_topics(bootstrap, list(topics.values()))
        common = {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "TRELLIS_JWT_SECRET": SECRET,
            KEY_ENCRYPTION_KEYS_SETTING: new_key_encryption_key("bench"),
            "GOALS_EVENTS_TOPIC": topics["goals"],
            "FEEDBACK_EVENTS_TOPIC": topics["feedback"],
            "RECOGNITION_EVENTS_TOPIC": topics["recognition"],
        }
        taken: set[int] = set()
        ports = []
        for preferred in (18401, 18403):
            ports.append(processes.free_port_from(preferred, excluding=frozenset(taken)))
            taken.add(ports[-1])
        goals = Service("goals", "trellis_goals.app:create_app",
                        {**common, "GOALS_DATABASE_URL": goals_db.dsn, "GOALS_OVERDUE_SWEEP_SECONDS": "0"},
                        ports[0], logs / "goals.log")  # fmt: skip
        recognition = Service("recognition", "trellis_recognition.app:create_app",
                              {**common, "RECOGNITION_DATABASE_URL": recognition_db.dsn,
                               "RECOGNITION_CONSUMER_GROUP": f"bench-{suffix}"},
                              ports[1], logs / "recognition.log")  # fmt: skip
        stack.callback(goals.stop)
        stack.callback(recognition.stop)
        await goals.start()
        await recognition.start()
        yield goals, recognition, goals_db.dsn, recognition_db.dsn, topics


async def main_async(rate: float, seconds: float, employees: int) -> dict[str, Any]:
    admin = await asyncio.to_thread(admin_dsn)  # it may start the local stack, with a loop of its own
    bootstrap = kafka_bootstrap()
    logs = Path(os.environ.get("BENCH_LOG_DIR", "/tmp")) / f"reward-latency-{uuid.uuid4().hex[:6]}"
    logs.mkdir(parents=True)
    milestones = int(rate * seconds) // employees + 1
    async with services(admin, bootstrap, logs) as (goals, recognition, goals_dsn, recognition_dsn, topics):
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
        async with (
            httpx.AsyncClient(base_url=goals.url, timeout=30, limits=limits) as goals_http,
            httpx.AsyncClient(base_url=recognition.url, timeout=30) as recognition_http,
        ):
            print(
                f"setup: {employees} agreed goals of {milestones} milestones, a points policy ...", flush=True
            )
            await prepare(goals_http, recognition_http, employees, milestones)
            await asyncio.sleep(2)  # the setup's events consumed before the clock starts
            run, pending, stop = Run(), set[str](), asyncio.Event()
            goals_db = await asyncpg.create_pool(goals_dsn, min_size=4, max_size=16)
            watchers = [
                asyncio.create_task(watch_topic(bootstrap, topics["goals"], run, stop)),
                asyncio.create_task(watch_view(recognition_dsn, run, pending, stop)),
            ]
            await asyncio.sleep(1)  # the topic watcher is at the end of the topic
            meter = cpu_meter(goals, recognition, admin, bootstrap)
            idle_before, idle_began = meter.sample(), time.perf_counter()
            await asyncio.sleep(IDLE_SAMPLE_SECONDS)
            idle_used, idle_window = meter.since(idle_before), time.perf_counter() - idle_began
            print(f"driving {rate:g} milestone-reached commands per second for {seconds:g} s ...", flush=True)
            cpu_before, began = meter.sample(), time.perf_counter()
            elapsed = await drive(goals_http, goals_db, run, pending, rate, seconds, employees)
            for _ in range(300):  # up to 30 s for the last rewards
                if not pending:
                    break
                await asyncio.sleep(0.1)
            cpu_used, window = meter.since(cpu_before), time.perf_counter() - began
            stop.set()
            await asyncio.gather(*watchers)
            await goals_db.close()

    answered = [c for c in run.commands if c.answered is not None and c.event_id is not None]
    reward = [
        (c.in_view - c.answered) * 1000 for c in answered if c.in_view is not None and c.answered is not None
    ]
    relay = [
        (c.on_topic - c.answered) * 1000
        for c in answered
        if c.on_topic is not None and c.answered is not None
    ]
    response = [(c.answered - c.sent) * 1000 for c in answered if c.answered is not None]
    achieved = len(answered) / elapsed if elapsed else 0.0
    reward_p, relay_p = percentiles(reward), percentiles(relay)
    idle_cores = {name: seconds / idle_window for name, seconds in idle_used.items()}
    cpu = cpu_figures(cpu_used, window, idle_cores, len(answered), rate, meter.unknown)
    return {
        "bench": "reward_latency",
        "rate_target": rate,
        "rate_achieved": round(achieved, 1),
        "commands": len(run.commands),
        "failed": run.failed,
        "rewards_seen": len(reward),
        "reward_latency_ms": reward_p,
        "relay_latency_ms": relay_p,
        "command_response_ms": percentiles(response),
        "reward_over_relay_p99": round(reward_p["p99"] / relay_p["p99"], 2) if relay_p["p99"] else None,
        "target_p99_ms": TARGET_P99_MS,
        "target_met": bool(reward) and reward_p["p99"] <= TARGET_P99_MS and achieved >= 0.95 * rate,
        "cpu": cpu,
        "logs": str(logs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="commands per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--employees", type=int, default=100, help="goals driven in turn")
    args = parser.parse_args()
    result = asyncio.run(main_async(args.rate, args.seconds, args.employees))
    print(f"achieved {result['rate_achieved']} of {result['rate_target']:g} commands/s "
          f"({result['failed']} failed), {result['rewards_seen']} rewards seen")  # fmt: skip
    for name in ("reward_latency_ms", "relay_latency_ms", "command_response_ms"):
        figures = result[name]
        print(f"{name:22} p50 {figures['p50']:8.2f}  p99 {figures['p99']:8.2f}  max {figures['max']:8.2f}")
    print(f"reward p99 / relay p99: {result['reward_over_relay_p99']}; target p99 <= {TARGET_P99_MS:g} ms: "
          f"{'met' if result['target_met'] else 'not met'}")  # fmt: skip
    cpu = result["cpu"]
    print(f"CPU ms per command over {cpu['window_s']} s (first command to last reward): "
          + ", ".join(f"{name} {ms:.2f}" for name, ms in cpu["cpu_ms_per_command"].items()))  # fmt: skip
    print("cores used with no command sent: "
          + ", ".join(f"{name} {cores:.3f}" for name, cores in cpu["idle_cores"].items()))  # fmt: skip
    print("CPU ms per command above that: "
          + ", ".join(f"{name} {ms:.2f}" for name, ms in cpu["cpu_ms_per_command_above_idle"].items()))  # fmt: skip
    print(f"cores needed at {result['rate_target']:g} commands/s: {cpu['cores_needed_at_target_rate']} "
          f"({cpu['cores_needed_at_target_rate_idle_apart']} with the idle use apart; "
          f"busy during the run: {cpu['cores_busy']}; this machine has {cpu['cores_on_machine']})"
          + (f"; not measured: {', '.join(cpu['not_measured'])}" if cpu["not_measured"] else ""))  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
