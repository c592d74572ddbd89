"""The Prometheus metrics every service exposes at ``/metrics``, defined once for all of them.

Counters and histograms move where things happen (the CommandHandler, the relay, the consumers);
gauges that need a query (how far the relay and each consumer group are behind) are measured
when Prometheus scrapes, by the samplers a service registers in its lifespan::

    samplers = Samplers()
    samplers.add(relay_lag_sampler(relay))
    samplers.add(consumer_lag)            # a ConsumerLag, entered with ``async with``
    app.state.metric_samplers = samplers

A replica reports the lag of its service's relay and of its consumer groups as a whole (read
from PostgreSQL and Kafka), so every replica shows the same figures: aggregate them with max().
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest

if TYPE_CHECKING:
    from trellis_kernel.relay.outbox_relay import OutboxRelay

logger = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
SAMPLE_TIMEOUT_SECONDS = 3.0

COMMANDS = Counter(
    "trellis_commands",
    "Commands handled, by command type and outcome (recorded, unchanged, rejected, conflict, "
    "or the error's name)",
    ["command", "outcome"],
)
APPEND_SECONDS = Histogram(
    "trellis_append_seconds",
    "Time to append one command's events to the store (inline projections included)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
EVENTS_APPENDED = Counter("trellis_events_appended", "Events appended to the store, by type", ["event_type"])

RELAY_PUBLISHED = Counter("trellis_relay_published_events", "Events the broker acknowledged", ["relay"])
RELAY_SET_ASIDE = Counter(
    "trellis_relay_set_aside_events",
    "Events the relay set aside as unpublishable, by reason",
    ["relay", "reason"],
)
RELAY_UNPUBLISHED = Gauge(
    "trellis_relay_unpublished_events", "Events stored and not yet published", ["relay"]
)
RELAY_OLDEST_UNPUBLISHED = Gauge(
    "trellis_relay_oldest_unpublished_seconds", "Age of the oldest event not yet published", ["relay"]
)
RELAY_SET_ASIDE_WAITING = Gauge(
    "trellis_relay_set_aside_waiting_events", "Set-aside events not published since", ["relay"]
)
RELAY_HORIZON_STALLED = Gauge(
    "trellis_relay_horizon_stalled_seconds",
    "How long the read horizon has stood still while events wait (an open transaction holds it)",
    ["relay"],
)
RELAY_LEADER = Gauge("trellis_relay_leader", "1 when this replica leads the relay, else 0", ["relay"])

CONSUMER_EVENTS = Counter(
    "trellis_consumer_events",
    "Records a consumer handled, by outcome (applied, duplicate, skipped, dead_lettered)",
    ["consumer", "outcome"],
)
CONSUMER_DEAD_LETTERED = Counter(
    "trellis_consumer_dead_lettered_events",
    "Records a consumer sent to the dead-letter topic, by reason",
    ["consumer", "reason"],
)
CONSUMER_LAG = Gauge(
    "trellis_consumer_lag_records",
    "Records on the partition the consumer group has not committed yet",
    ["consumer", "topic", "partition"],
)

Sampler = Callable[[], Awaitable[None]]


class Samplers:
    """What to measure before each scrape; a sampler that fails or is slow leaves its figures as
    they were (and is logged), the page is still served."""

    def __init__(self, *, timeout: float = SAMPLE_TIMEOUT_SECONDS) -> None:
        self._samplers: list[Sampler] = []
        self._timeout = timeout

    def add(self, sampler: Sampler) -> None:
        self._samplers.append(sampler)

    async def run(self) -> None:
        await asyncio.gather(*(self._run_one(sampler) for sampler in self._samplers))

    async def _run_one(self, sampler: Sampler) -> None:
        try:
            await asyncio.wait_for(sampler(), self._timeout)
        except Exception:
            logger.warning("a metrics sampler failed; its figures are from an earlier scrape", exc_info=True)


def metrics_router() -> APIRouter:
    """``GET /metrics`` in Prometheus's text format; runs ``app.state.metric_samplers`` first."""
    router = APIRouter(include_in_schema=False)

    @router.get(METRICS_PATH)
    async def metrics(request: Request) -> Response:
        samplers: Samplers | None = getattr(request.app.state, "metric_samplers", None)
        if samplers is not None:
            await samplers.run()
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return router


def relay_lag_sampler(relay: OutboxRelay) -> Sampler:
    """The relay's lag as the relay computes it (``trellis relay lag``), and whether it leads."""
    name = relay.settings.name

    async def sample() -> None:
        RELAY_LEADER.labels(name).set(1 if relay.is_leader else 0)
        lag = await relay.lag()
        RELAY_UNPUBLISHED.labels(name).set(lag.waiting)
        RELAY_OLDEST_UNPUBLISHED.labels(name).set(lag.oldest_waiting_seconds)
        RELAY_SET_ASIDE_WAITING.labels(name).set(lag.set_aside)
        RELAY_HORIZON_STALLED.labels(name).set(lag.horizon_stalled_seconds)

    return sample


class ConsumerLag:
    """Per partition, the records each consumer group has not committed: the topic's end offset
    minus the group's committed offset (minus the start offset where it has committed none).

    ``groups`` maps a consumer group (an EventConsumer's name) to its topics. The Kafka clients
    start at the first scrape, so a broker that is away only leaves the gauges unset.
    """

    def __init__(
        self, bootstrap_servers: str, groups: Mapping[str, Iterable[str]], **client_options: Any
    ) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._groups = {group: tuple(topics) for group, topics in groups.items()}
        self._client_options = {"request_timeout_ms": int(SAMPLE_TIMEOUT_SECONDS * 1000), **client_options}
        self._admin: AIOKafkaAdminClient | None = None
        self._offsets: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._close()

    async def __call__(self) -> None:
        async with self._lock:
            try:
                admin, offsets = await self._clients()
                for group, topics in self._groups.items():
                    await self._sample(admin, offsets, group, topics)
            except Exception:
                await self._close()  # start afresh at the next scrape
                raise

    async def _sample(
        self, admin: AIOKafkaAdminClient, offsets: AIOKafkaConsumer, group: str, topics: tuple[str, ...]
    ) -> None:
        partitions = [
            TopicPartition(described["topic"], partition["partition"])
            for described in await admin.describe_topics(list(topics))
            if described["error_code"] == 0
            for partition in sorted(described["partitions"], key=lambda p: int(p["partition"]))
        ]
        if not partitions:
            return
        committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
        ends = await offsets.end_offsets(partitions)
        starts = await offsets.beginning_offsets(partitions)
        for tp in partitions:
            found = committed.get(tp)
            position = found.offset if found is not None and found.offset >= 0 else starts[tp]
            CONSUMER_LAG.labels(group, tp.topic, str(tp.partition)).set(max(0, ends[tp] - position))

    async def _clients(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._admin is None or self._offsets is None:
            admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap_servers, **self._client_options)
            offsets = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap_servers, enable_auto_commit=False, **self._client_options
            )
            try:
                await admin.start()
                await offsets.start()
            except BaseException:
                with contextlib.suppress(Exception):
                    await admin.close()
                with contextlib.suppress(Exception):
                    await offsets.stop()
                raise
            self._admin, self._offsets = admin, offsets
        return self._admin, self._offsets

    async def _close(self) -> None:
        admin, offsets, self._admin, self._offsets = self._admin, self._offsets, None, None
        if admin is not None:
            with contextlib.suppress(Exception):
                await admin.close()
        if offsets is not None:
            with contextlib.suppress(Exception):
                await offsets.stop()


def outcome_of(error: BaseException) -> str:
    """A failed command's outcome label: the error's class name in snake case (``NotFound`` ->
    ``not_found``); a bounded set, the kinds of errors the code raises."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__.lstrip("_")).lower()
