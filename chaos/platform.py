"""The platform under test: a private Kafka broker and PostgreSQL cluster (under
`.trellis/chaos/<run>` of the checkout, restarted by the faults without touching the shared test
stack) and every service in two processes, as `trellis serve` runs them in two pods each."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from tests.deploy.test_replicas import members_reading
from tests.integrations.lrs import Lrs, running_lrs
from tests.integrations.receiver import Receiver, receiving
from tests.observability.test_metrics_page import scrape, value
from tests.service_process import ServiceProcess
from trellis_contracts.topics import FEEDBACK_TOPIC, GOALS_TOPIC, RECOGNITION_TOPIC
from trellis_deploy.local import processes
from trellis_deploy.local.kafka import LocalKafka
from trellis_deploy.local.postgres import LocalPostgres
from trellis_deploy.settings import PROJECT_DIR, trellis_home
from trellis_deploy.topics import ensure_topics
from trellis_feedback.app import RELAY_NAME as FEEDBACK_RELAY
from trellis_goals.app import RELAY_NAME as GOALS_RELAY
from trellis_recognition.app import RELAY_NAME as RECOGNITION_RELAY

SECRET = "chaos-suite-secret-of-at-least-32-bytes"
SERVICES = ("goals", "feedback", "recognition")
"""The services commands go to: each has an event store, a relay and a topic."""
PROCESSES = (*SERVICES, "integrations")
REPLICAS = 2
RELAYS = {"goals": GOALS_RELAY, "feedback": FEEDBACK_RELAY, "recognition": RECOGNITION_RELAY}
TOPICS = {"goals": GOALS_TOPIC.name, "feedback": FEEDBACK_TOPIC.name, "recognition": RECOGNITION_TOPIC.name}
FEEDBACK_GROUP = "trellis-feedback"
RECOGNITION_GROUP = "trellis-recognition"
INTEGRATIONS_GROUP = "trellis-integrations"
CONSUMER_GROUPS: dict[str, tuple[str, ...]] = {
    FEEDBACK_GROUP: (GOALS_TOPIC.name,),
    RECOGNITION_GROUP: (GOALS_TOPIC.name, FEEDBACK_TOPIC.name),
    INTEGRATIONS_GROUP: (GOALS_TOPIC.name, FEEDBACK_TOPIC.name, RECOGNITION_TOPIC.name),
}
"""Each consumer group and the topics it reads."""
CONSUMING_SERVICES = {
    "feedback": FEEDBACK_GROUP,
    "recognition": RECOGNITION_GROUP,
    "integrations": INTEGRATIONS_GROUP,
}


@dataclass
class PrivateStack:
    """A broker and a cluster of the run's own; the broker's jars are shared with the local stack."""

    home: Path
    kafka: LocalKafka = field(init=False)
    postgres: LocalPostgres = field(init=False)

    def __post_init__(self) -> None:
        # Ports below the ephemeral range (see tests/kernel/relay/test_relay_outage.py).
        port = processes.free_port_from(random.randrange(20000, 30000, 10))
        controller = processes.free_port_from(port + 1, excluding=frozenset({port}))
        self.kafka = LocalKafka(self.home, libs=LocalKafka(trellis_home()).libs, ports=(port, controller))
        self.postgres = LocalPostgres(self.home)

    @classmethod
    def fresh(cls, name: str) -> PrivateStack:
        return cls(PROJECT_DIR / ".trellis" / "chaos" / name)

    @property
    def bootstrap(self) -> str:
        return self.kafka.status().bootstrap_servers

    def database_urls(self) -> dict[str, str]:
        return self.postgres.status().database_urls

    def up(self) -> None:
        self.kafka.up()
        self.postgres.up()

    def down(self) -> None:
        self.kafka.down()
        self.postgres.down()
        if self.postgres.cluster != self.postgres.root:  # as root the cluster lives elsewhere
            shutil.rmtree(self.postgres.cluster, ignore_errors=True)
        shutil.rmtree(self.home, ignore_errors=True)


@dataclass
class Platform:
    stack: PrivateStack
    logs: Path
    replicas: dict[str, list[ServiceProcess]] = field(default_factory=dict)
    pools: dict[str, asyncpg.Pool] = field(default_factory=dict)
    receiver: Receiver = field(default_factory=lambda: Receiver([]))
    """The integrator's webhook endpoint; its secret is set when the subscription is made."""
    lrs: Lrs | None = None
    _started: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def environment(self) -> dict[str, str]:
        urls = self.stack.database_urls()
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.stack.bootstrap,
            "TRELLIS_JWT_SECRET": SECRET,
            **{f"{s.upper()}_DATABASE_URL": urls[s] for s in PROCESSES},
            "INTEGRATIONS_ALLOW_LOOPBACK_HTTP": "true",
            "INTEGRATIONS_RETRY_FIRST_DELAY_SECONDS": "0.5",
            "INTEGRATIONS_RETRY_MAX_DELAY_SECONDS": "3",
            "INTEGRATIONS_RETRY_WINDOW_SECONDS": "3600",
            "INTEGRATIONS_POLL_SECONDS": "0.2",
            "INTEGRATIONS_LEASE_MARGIN_SECONDS": "2",
            "GOALS_OVERDUE_SWEEP_SECONDS": "0",
            "FEEDBACK_SWEEP_SECONDS": "0",
            "RECOGNITION_CONSUMER_WORKERS": "1",
        }

    async def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(self.stack.up)
        await ensure_topics(self.stack.bootstrap, PROCESSES)
        self._started.enter_context(receiving(self.receiver))
        (self.stack.home / "lrs").mkdir(parents=True, exist_ok=True)
        self.lrs = self._started.enter_context(running_lrs(self.stack.home / "lrs"))
        environment = self.environment()
        self.replicas = {
            service: [
                ServiceProcess(environment, self.logs / f"{service}-{n}.log", service=service)
                for n in range(1, REPLICAS + 1)
            ]
            for service in PROCESSES
        }
        # The first process of each service creates its tables; the others join it.
        for n in range(REPLICAS):
            await asyncio.to_thread(_start_together, [pair[n] for pair in self.replicas.values()])
        for service, dsn in self.stack.database_urls().items():
            if service in PROCESSES:
                # No idle connections kept: the cluster restarts under them.
                self.pools[service] = await asyncpg.create_pool(dsn, min_size=0, max_size=3)

    async def stop(self) -> None:
        for pair in self.replicas.values():
            for replica in pair:
                if replica.process is not None and replica.process.poll() is None:
                    os.kill(replica.process.pid, signal.SIGCONT)  # a paused one cannot stop
                replica.stop()
        for pool in self.pools.values():
            await pool.close()
        self._started.close()
        await asyncio.to_thread(self.stack.down)

    def processes(self) -> list[tuple[str, ServiceProcess]]:
        return [(service, replica) for service, pair in self.replicas.items() for replica in pair]

    def urls(self, service: str) -> list[str]:
        return [replica.url for replica in self.replicas[service]]

    async def relay_leader(self, http: httpx.AsyncClient, service: str) -> ServiceProcess | None:
        for replica in self.replicas[service]:
            try:
                page = await scrape(http, replica)
            except (httpx.HTTPError, AssertionError):
                continue
            if value(page, "trellis_relay_leader", relay=RELAYS[service]) == 1:
                return replica
        return None

    async def relay_unpublished(self, http: httpx.AsyncClient, service: str) -> float | None:
        """Events the service stored and its leading relay has not published; None while no
        replica leads."""
        leader = await self.relay_leader(http, service)
        if leader is None:
            return None
        try:
            page = await scrape(http, leader)
        except (httpx.HTTPError, AssertionError):
            return None
        return value(page, "trellis_relay_unpublished_events", relay=RELAYS[service])

    async def all_ready(self, http: httpx.AsyncClient) -> bool:
        for _, replica in self.processes():
            try:
                answer = await http.get(f"{replica.url}/health/ready", timeout=3)
            except httpx.HTTPError:
                return False
            if answer.status_code != 200:
                return False
        return True

    async def groups_stable(self) -> bool:
        """Every consumer group stable, with a member in each process of its service."""
        for service, group in CONSUMING_SERVICES.items():
            members = await members_reading(self.stack.bootstrap, group, CONSUMER_GROUPS[group][0])
            if members < len(self.replicas[service]):
                return False
        return True


def _start_together(processes_: Sequence[ServiceProcess]) -> None:
    for process in processes_:
        process.launch()
    for process in processes_:
        process.wait_ready()
