"""The goals app's health endpoints check its real database, broker and relay, without a token."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest

from tests.goals.api.conftest import SECRET, Clock
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_goals.app import create_app
from trellis_goals.settings import GoalsSettings
from trellis_kernel.health import LIVENESS_PATH, READINESS_PATH

pytestmark = pytest.mark.infra


async def test_with_kafka_readiness_checks_the_database_the_broker_and_the_relay(
    database_dsn: str, kafka_bootstrap: str, new_topic: Callable[..., Awaitable[str]], clock: Clock
) -> None:
    settings = GoalsSettings(
        key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS,
        database_url=database_dsn,
        jwt_secret=SECRET,
        kafka_bootstrap_servers=kafka_bootstrap,
        events_topic=await new_topic(),
        overdue_sweep_seconds=0,
    )
    replicas = [create_app(settings, clock=clock) for _ in range(2)]
    async with replicas[0].router.lifespan_context(replicas[0]), replicas[1].router.lifespan_context(replicas[1]):
        clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://goals") for app in replicas
        ]
        for client in clients:
            assert (await client.get(LIVENESS_PATH)).status_code == 200
        relays: list[str] = []
        for _ in range(200):  # until one of the two relays holds the lock
            answers = [await client.get(READINESS_PATH) for client in clients]
            relays = sorted(answer.json()["checks"]["relay"]["detail"] for answer in answers)
            if relays == ["leader", "standby"]:
                break
            await asyncio.sleep(0.1)
        for client in clients:
            await client.aclose()
    # Two replicas on one database: one relay leads, the other waits, and both are ready.
    assert relays == ["leader", "standby"]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        checks = answer.json()["checks"]
        assert set(checks) == {"database", "broker", "relay"}
        assert all(check["ok"] for check in checks.values())


async def test_without_kafka_readiness_checks_the_database_only(database_dsn: str, clock: Clock) -> None:
    app = create_app(GoalsSettings(key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS, database_url=database_dsn, jwt_secret=SECRET, overdue_sweep_seconds=0), clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://g") as client:
        ready = await client.get(READINESS_PATH)
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": {"ok": True, "detail": "answers"}}}
