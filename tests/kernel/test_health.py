"""Readiness reports each check by name, answers 503 while any fails, and never hangs on one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from trellis_deploy.local.processes import free_port_from
from trellis_kernel.health import (
    LIVENESS_PATH,
    READINESS_PATH,
    BrokerCheck,
    CheckResult,
    Readiness,
    database_check,
    health_router,
    relay_check,
)
from trellis_kernel.relay import OutboxRelay
from trellis_kernel.relay.cloudevents import encode_cloudevent
from trellis_kernel.store import EventStore, Pool, create_pool

pytestmark = pytest.mark.infra


@pytest.fixture
async def pool(database_dsn: str) -> AsyncIterator[Pool]:
    pool = await create_pool(database_dsn, min_size=1, max_size=2)
    yield pool
    await pool.close()


async def probe(readiness: Readiness | None, path: str) -> httpx.Response:
    app = FastAPI()
    app.include_router(health_router())
    if readiness is not None:
        app.state.readiness = readiness
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
        return await client.get(path)


async def test_ready_when_the_database_and_the_broker_answer(pool: Pool, kafka_bootstrap: str) -> None:
    readiness = Readiness()
    readiness.add("database", database_check(pool))
    async with BrokerCheck(kafka_bootstrap) as broker:
        readiness.add("broker", broker)
        response = await probe(readiness, READINESS_PATH)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == {"ok": True, "detail": "answers"}
    assert body["checks"]["broker"]["ok"] is True


async def test_a_broker_nobody_listens_on_makes_the_service_not_ready(pool: Pool) -> None:
    readiness = Readiness(timeout=2.0)
    readiness.add("database", database_check(pool))
    async with BrokerCheck(f"127.0.0.1:{free_port_from(29500)}") as broker:
        readiness.add("broker", broker)
        response = await probe(readiness, READINESS_PATH)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["broker"]["ok"] is False
    assert checks["broker"]["detail"]


async def test_a_closed_database_pool_and_a_hanging_check_are_reported_not_waited_for(database_dsn: str) -> None:
    async def hangs() -> CheckResult:
        await asyncio.sleep(60)
        return CheckResult(True, "never")

    closed = await create_pool(database_dsn, min_size=1, max_size=1)
    await closed.close()
    readiness = Readiness(timeout=0.5)
    readiness.add("database", database_check(closed))
    readiness.add("slow", hangs)
    started = asyncio.get_running_loop().time()
    response = await probe(readiness, READINESS_PATH)
    assert asyncio.get_running_loop().time() - started < 5
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is False
    assert checks["slow"] == {"ok": False, "detail": "no answer within 0.5s"}


async def test_liveness_answers_even_before_readiness_is_known() -> None:
    assert (await probe(None, LIVENESS_PATH)).json() == {"status": "live"}
    starting = await probe(None, READINESS_PATH)
    assert starting.status_code == 503
    assert starting.json()["status"] == "starting"


async def test_the_relay_is_ready_as_leader_or_standby_and_not_once_it_stopped(
    pool: Pool, database_dsn: str, kafka_bootstrap: str
) -> None:
    store = EventStore(pool)
    await store.setup()
    relays = [
        OutboxRelay(
            dsn=database_dsn,
            store=store,
            bootstrap_servers=kafka_bootstrap,
            topic_for=lambda _: "unused",
            encode=encode_cloudevent,
        )
        for _ in range(2)
    ]
    for relay in relays:
        await relay.__aenter__()
    tasks = [asyncio.create_task(relay.run()) for relay in relays]
    try:
        deadline = asyncio.get_running_loop().time() + 20
        while not any(relay.is_leader for relay in relays):
            assert asyncio.get_running_loop().time() < deadline, "no relay became the leader"
            await asyncio.sleep(0.05)
        results = [await relay_check(relay, task)() for relay, task in zip(relays, tasks, strict=True)]
        assert sorted(result.detail for result in results) == ["leader", "standby"]
        assert all(result.ok for result in results)

        tasks[1].cancel()
        await asyncio.gather(tasks[1], return_exceptions=True)
        stopped = await relay_check(relays[1], tasks[1])()
        assert stopped == CheckResult(False, "the relay has stopped (cancelled)")
    finally:
        for relay, task in zip(relays, tasks, strict=True):
            await relay.stop(task)
            await relay.__aexit__(None, None, None)
