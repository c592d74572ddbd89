"""The fault injector: a schedule drawn from a seed (the same seed, the same schedule), each
fault injected when the load has sent a given number of commands, one fault at a time, and the
time the platform took to recover from it measured.

Recovery, measured from the end of the disruption, per kind: a killed process restarted and answering ready (for the relay leader, also a
replica leading the relay again); a paused consumer's group stable again with every process in
it; the broker or cluster back and every process ready; a poison record dead-lettered by every
consumer group that reads its topic."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field

import httpx
from aiokafka import AIOKafkaProducer

from chaos.load import DELIVERY_TIMEOUT, Ledger
from chaos.platform import CONSUMER_GROUPS, CONSUMING_SERVICES, PROCESSES, SERVICES, TOPICS, Platform
from tests.recognition.test_end_to_end import read_topic
from trellis_kernel.consumers import dead_letter_topic
from trellis_kernel.consumers.dead_letters import CONSUMER, ORIGINAL_OFFSET, ORIGINAL_PARTITION

KINDS = (
    "sigkill_relay_leader",
    "sigkill_consumer",
    "sigkill_any",
    "sigstop_consumer",
    "poison_record",
    "kafka_restart",
    "postgres_restart",
    "webhook_500",
    "webhook_hang",
)
SESSION_TIMEOUT = 10.0
"""aiokafka's (and FastStream's) default consumer group session timeout."""
PAUSE = SESSION_TIMEOUT + 5.0
RECEIVER_OUTAGE = 8.0
"""Seconds the webhook receiver answers 500, or hangs past the delivery timeout."""
HANG = DELIVERY_TIMEOUT + 3.0
KAFKA_OUTAGE = 45.0
"""Seconds the broker stays down: longer than a producer's request timeout (aiokafka: 40 s), so
that records handed to a producer before the outage fail rather than wait for the broker."""
POSTGRES_OUTAGE = 3.0
RECOVERY_BOUND = 240.0


@dataclass(frozen=True)
class Fault:
    number: int
    kind: str
    after_commands: int
    service: str
    replica: int
    topic: str = ""

    @property
    def target(self) -> str:
        if self.kind == "sigkill_relay_leader":
            return f"the {self.service} relay leader"
        if self.kind.startswith("sig"):
            return f"{self.service}-{self.replica + 1}"
        if self.kind == "poison_record":
            return self.topic
        return {"kafka_restart": "the broker", "postgres_restart": "the cluster"}.get(
            self.kind, "the webhook receiver"
        )


@dataclass
class Injected:
    fault: Fault
    recovery_seconds: float
    detail: str


@dataclass(frozen=True)
class Poison:
    topic: str
    partition: int
    offset: int
    key: str


def schedule(seed: int, faults: int, commands: int) -> list[Fault]:
    """``faults`` faults over the first 85% of ``commands``: every kind in turn (shuffled), so
    a short run has each of the first ones and a long run each several times."""
    rng = random.Random(seed)
    kinds: list[str] = []
    while len(kinds) < faults:
        batch = list(KINDS)
        rng.shuffle(batch)
        kinds.extend(batch)
    spacing = 0.85 * commands / (faults + 1)
    planned = []
    for n, kind in enumerate(kinds[:faults]):
        after = int(spacing * (n + 1) + rng.uniform(-0.25, 0.25) * spacing)
        if kind in ("sigkill_consumer", "sigstop_consumer"):
            service = rng.choice(sorted(CONSUMING_SERVICES))
        elif kind == "poison_record":
            service = rng.choice(["goals", "feedback"])
        elif kind == "sigkill_any":
            service = rng.choice(PROCESSES)
        elif kind.startswith("webhook"):
            service = "integrations"
        else:
            service = rng.choice(SERVICES)
        planned.append(
            Fault(
                n + 1,
                kind,
                max(after, 1),
                service,
                rng.randrange(2),
                TOPICS[service] if kind == "poison_record" else "",
            )
        )
    return planned


@dataclass
class Injector:
    platform: Platform
    plan: list[Fault]
    ledger: Ledger
    log: Callable[[str], None]
    injected: list[Injected] = field(default_factory=list)
    poison: list[Poison] = field(default_factory=list)
    _done: dict[int, asyncio.Event] = field(default_factory=dict)
    _back: float = 0.0
    """When the fault's disruption ended (the broker or cluster started again, the process
    resumed, the receiver answering again; the fault itself for a kill or a poison record):
    recovery is measured from there."""

    def __post_init__(self) -> None:
        self._done = {fault.number: asyncio.Event() for fault in self.plan}

    async def gate(self, command_number: int) -> None:
        """Hold the load at a fault's trigger until the fault before it has recovered, so that
        faults are one at a time and each one meets traffic."""
        for fault in self.plan:
            if fault.after_commands <= command_number and fault.number > 1:
                await self._done[fault.number - 1].wait()

    async def run(self, http: httpx.AsyncClient) -> None:
        for fault in self.plan:
            await self.ledger.reached(fault.after_commands)
            self._back = time.monotonic()
            detail = await self._inject(http, fault)
            recovery = time.monotonic() - self._back
            self.injected.append(Injected(fault, round(recovery, 2), detail))
            self.log(f"fault {fault.number} {fault.kind} ({detail}): recovered in {recovery:.1f}s")
            self._done[fault.number].set()

    async def _inject(self, http: httpx.AsyncClient, fault: Fault) -> str:
        platform = self.platform
        if fault.kind == "sigkill_relay_leader":
            leader = await platform.relay_leader(http, fault.service)
            replica = leader or platform.replicas[fault.service][fault.replica]
            index = platform.replicas[fault.service].index(replica)
            await self._kill_and_restart(fault.service, index)

            async def leads() -> bool:
                return await platform.relay_leader(http, fault.service) is not None

            await eventually(leads, f"a {fault.service} replica leads its relay again")
            return f"{fault.service}-{index + 1}, {'the relay leader' if leader else 'no leader found'}"
        if fault.kind in ("sigkill_consumer", "sigkill_any"):
            await self._kill_and_restart(fault.service, fault.replica)
            return f"{fault.service}-{fault.replica + 1}"
        if fault.kind == "sigstop_consumer":
            replica = platform.replicas[fault.service][fault.replica]
            assert replica.process is not None
            os.kill(replica.process.pid, signal.SIGSTOP)
            await asyncio.sleep(PAUSE)
            os.kill(replica.process.pid, signal.SIGCONT)
            self._back = time.monotonic()
            await eventually(platform.groups_stable, "every consumer group stable with all its processes")
            return f"{fault.service}-{fault.replica + 1} paused {PAUSE:.0f}s"
        if fault.kind == "poison_record":
            poison = await self._produce_poison(fault)
            self.poison.append(poison)
            groups = [g for g, topics in CONSUMER_GROUPS.items() if poison.topic in topics]

            async def dead_lettered() -> bool:
                found = await dead_letters(platform.stack.bootstrap, poison.topic)
                return all((poison.partition, poison.offset, g) in found for g in groups)

            await eventually(dead_lettered, f"the poison record on {poison.topic} dead-lettered by {groups}")
            return f"{poison.topic}[{poison.partition}]@{poison.offset}"
        if fault.kind in ("webhook_500", "webhook_hang"):
            receiver = platform.receiver
            if fault.kind == "webhook_500":
                receiver.answer = lambda n: 500
            else:
                receiver.delay = HANG
            await asyncio.sleep(RECEIVER_OUTAGE)
            receiver.answer, receiver.delay = (lambda n: 204), 0.0
            self._back = time.monotonic()
            accepted = len(receiver.accepted())

            async def delivering() -> bool:
                return len(receiver.accepted()) > accepted

            await eventually(delivering, "the webhook receiver accepting deliveries again")
            what = "answered 500" if fault.kind == "webhook_500" else f"hung {HANG:.0f}s a request"
            return f"the receiver {what} for {RECEIVER_OUTAGE:.0f}s"
        if fault.kind == "kafka_restart":
            await asyncio.to_thread(platform.stack.kafka.down)
            await asyncio.sleep(KAFKA_OUTAGE)
            await asyncio.to_thread(platform.stack.kafka.up)
            self._back = time.monotonic()
            await eventually(lambda: platform.all_ready(http), "every process ready after the broker restart")
            return f"broker down {KAFKA_OUTAGE:.0f}s"
        if fault.kind == "postgres_restart":
            await asyncio.to_thread(platform.stack.postgres.down)
            await asyncio.sleep(POSTGRES_OUTAGE)
            await asyncio.to_thread(platform.stack.postgres.up)
            self._back = time.monotonic()
            await eventually(
                lambda: platform.all_ready(http), "every process ready after the cluster restart"
            )
            return f"cluster down {POSTGRES_OUTAGE:.0f}s"
        raise ValueError(f"unknown fault kind {fault.kind}")

    async def _kill_and_restart(self, service: str, index: int) -> None:
        replica = self.platform.replicas[service][index]
        await asyncio.to_thread(replica.kill)
        await asyncio.to_thread(replica.start)

    async def _produce_poison(self, fault: Fault) -> Poison:
        producer = AIOKafkaProducer(bootstrap_servers=self.platform.stack.bootstrap)
        await producer.start()
        try:
            key = f"poison-{fault.number}-{uuid.uuid4().hex[:6]}"
            metadata = await producer.send_and_wait(
                fault.topic,
                value=b"\x00 not a CloudEvent \xff",
                key=key.encode(),
                headers=[("chaos", b"poison")],
            )
        finally:
            await producer.stop()
        return Poison(fault.topic, metadata.partition, metadata.offset, key)


async def dead_letters(bootstrap: str, topic: str) -> list[tuple[int, int, str]]:
    """(original partition, offset, consumer) of every record on the topic's dead-letter topic."""
    found = []
    for record in await read_topic(bootstrap, dead_letter_topic(topic)):
        headers = {name: value.decode() for name, value in record.headers}
        found.append((int(headers[ORIGINAL_PARTITION]), int(headers[ORIGINAL_OFFSET]), headers[CONSUMER]))
    return found


async def eventually(check: Callable[[], Awaitable[bool]], what: str, within: float = RECOVERY_BOUND) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            if await check():
                return
        except Exception:  # the broker or cluster is still coming back
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within:.0f}s: {what}")
        await asyncio.sleep(0.2)


def as_json(fault: Fault) -> dict[str, object]:
    return asdict(fault)
