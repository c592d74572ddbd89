"""Liveness and readiness endpoints a service mounts, and the checks its readiness is made of.

Liveness answers as long as the process serves HTTP: an orchestrator restarts a process that
stops answering. Readiness runs every registered check (each with a time limit, all at once)
and answers 503 with the failing ones while any fails: an orchestrator stops routing requests
to such a replica until it is ready again. Neither endpoint needs a token.

A service registers its checks in its lifespan, once its pool, broker client and relay exist::

    readiness = Readiness()
    readiness.add("database", database_check(pool))
    app.state.readiness = readiness
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiokafka.admin import AIOKafkaAdminClient
from fastapi import APIRouter, Request, Response, status

from trellis_kernel.relay import OutboxRelay
from trellis_kernel.store import Pool

LIVENESS_PATH = "/health/live"
READINESS_PATH = "/health/ready"
CHECK_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str


ReadinessCheck = Callable[[], Awaitable[CheckResult]]


class Readiness:
    """The named checks that must all pass for the service to take traffic."""

    def __init__(self, *, timeout: float = CHECK_TIMEOUT_SECONDS) -> None:
        self._checks: dict[str, ReadinessCheck] = {}
        self._timeout = timeout

    def add(self, name: str, check: ReadinessCheck) -> None:
        self._checks[name] = check

    async def run(self) -> dict[str, CheckResult]:
        names = list(self._checks)
        results = await asyncio.gather(*(self._run_one(self._checks[name]) for name in names))
        return dict(zip(names, results, strict=True))

    async def _run_one(self, check: ReadinessCheck) -> CheckResult:
        try:
            return await asyncio.wait_for(check(), self._timeout)
        except TimeoutError:
            return CheckResult(False, f"no answer within {self._timeout:g}s")
        except Exception as error:
            return CheckResult(False, f"{type(error).__name__}: {error}")


def database_check(pool: Pool) -> ReadinessCheck:
    """Passes when a pooled connection answers a query."""

    async def check() -> CheckResult:
        await pool.fetchval("select 1")
        return CheckResult(True, "answers")

    return check


class BrokerCheck:
    """Passes when the Kafka cluster answers a metadata request.

    Keeps one admin client for the service's lifetime (``async with BrokerCheck(...)``) and
    connects it lazily, so a broker that is down at start-up only makes the check fail.
    """

    def __init__(self, bootstrap_servers: str, **client_options: Any) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._client_options = {"request_timeout_ms": int(CHECK_TIMEOUT_SECONDS * 1000), **client_options}
        self._client: AIOKafkaAdminClient | None = None
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def __call__(self) -> CheckResult:
        client = await self._started_client()
        cluster = await client.describe_cluster()
        return CheckResult(True, f"{len(cluster['brokers'])} broker(s) answer")

    async def _started_client(self) -> AIOKafkaAdminClient:
        async with self._lock:
            if self._client is None:
                client = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap_servers, **self._client_options)
                try:
                    await client.start()
                except BaseException:
                    with contextlib.suppress(Exception):
                        await client.close()
                    raise
                self._client = client
            return self._client


def relay_check(relay: OutboxRelay, task: asyncio.Task[None]) -> ReadinessCheck:
    """Passes while the relay's task runs, as the leader or as a standby waiting for the lock."""

    async def check() -> CheckResult:
        if task.done():
            reason = "cancelled" if task.cancelled() else repr(task.exception())
            return CheckResult(False, f"the relay has stopped ({reason})")
        return CheckResult(True, "leader" if relay.is_leader else "standby")

    return check


def health_router() -> APIRouter:
    """The two endpoints; readiness uses the ``Readiness`` kept in ``app.state.readiness``.

    They are for orchestrators, not clients, so they stay out of the service's OpenAPI document.
    """
    router = APIRouter(include_in_schema=False)

    @router.get(LIVENESS_PATH, summary="The process answers")
    async def live() -> dict[str, str]:
        return {"status": "live"}

    @router.get(READINESS_PATH, summary="The database, the broker and the relay are usable")
    async def ready(request: Request, response: Response) -> dict[str, Any]:
        readiness: Readiness | None = getattr(request.app.state, "readiness", None)
        if readiness is None:
            response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
            return {"status": "starting", "checks": {}}
        results = await readiness.run()
        ready = all(result.ok for result in results.values())
        if not ready:
            response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {
            "status": "ready" if ready else "not ready",
            "checks": {name: {"ok": r.ok, "detail": r.detail} for name, r in results.items()},
        }

    return router
