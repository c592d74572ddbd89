"""The integrations service on fresh databases and topics, a stand-in publishing service, and
real HTTP receivers."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from tests.integrations.events import Publisher, open_publisher
from tests.integrations.lrs import Lrs, running_lrs
from trellis_integrations.app import create_app
from trellis_integrations.domain.retries import RetryPolicy
from trellis_integrations.settings import IntegrationsSettings
from trellis_kernel.consumers import dead_letter_topic
from trellis_kernel.identity import mint_token

SECRET = "integrations-tests-secret-of-32-bytes"
ORG = "org_1"
SHORT_RETRIES = RetryPolicy(
    first_delay=0.05,
    factor=2.0,
    max_delay=0.4,
    jitter=0.25,
    window=30.0,
    disable_after_failures=50,
    disable_after=60.0,
)


def bearer(
    subject: str = "hr_1", *, org: str | None = ORG, roles: tuple[str, ...] = ("hr_admin",)
) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(SECRET, subject, roles=roles, organisation_id=org)}"}


HR = bearer()
PLATFORM = bearer("ops_1", roles=("platform_admin",))


@dataclass
class World:
    bootstrap: str
    integrations_dsn: str
    topics: dict[str, str]
    backfill_topic: str
    publisher: Publisher

    def settings(self, **overrides: Any) -> IntegrationsSettings:
        settings = IntegrationsSettings(
            database_url=self.integrations_dsn,
            kafka_bootstrap_servers=self.bootstrap,
            jwt_secret=SECRET,
            goals_topic=self.topics["goals"],
            feedback_topic=self.topics["feedback"],
            recognition_topic=self.topics["recognition"],
            backfill_topic=self.backfill_topic,
            consumer_group=f"integrations-{uuid.uuid4().hex[:8]}",
            loopback_http=True,
            retry=SHORT_RETRIES,
            poll_seconds=0.1,
            lease_margin_seconds=1.0,
        )
        return replace(settings, **overrides)

    def environment(self, settings: IntegrationsSettings) -> dict[str, str]:
        """The same settings as environment variables, for the service in a process of its own."""
        return {
            "INTEGRATIONS_DATABASE_URL": settings.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "TRELLIS_JWT_SECRET": SECRET,
            "INTEGRATIONS_GOALS_TOPIC": settings.goals_topic,
            "INTEGRATIONS_FEEDBACK_TOPIC": settings.feedback_topic,
            "INTEGRATIONS_RECOGNITION_TOPIC": settings.recognition_topic,
            "INTEGRATIONS_BACKFILL_TOPIC": settings.backfill_topic,
            "INTEGRATIONS_CONSUMER_GROUP": settings.consumer_group,
            "INTEGRATIONS_ALLOW_LOOPBACK_HTTP": "true",
            "INTEGRATIONS_RETRY_FIRST_DELAY_SECONDS": str(settings.retry.first_delay),
            "INTEGRATIONS_RETRY_MAX_DELAY_SECONDS": str(settings.retry.max_delay),
            "INTEGRATIONS_RETRY_WINDOW_SECONDS": str(settings.retry.window),
            "INTEGRATIONS_POLL_SECONDS": str(settings.poll_seconds),
            "INTEGRATIONS_LEASE_MARGIN_SECONDS": str(settings.lease_margin_seconds),
        }


@pytest.fixture
async def world(
    postgres: Any, kafka_bootstrap: str, new_topic: Callable[..., Awaitable[str]]
) -> AsyncIterator[World]:
    topics = {
        service: await new_topic(3, prefix=f"test.{service}")
        for service in ("goals", "feedback", "recognition")
    }
    backfill_topic = await new_topic(3, prefix="test.backfill")
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(dead_letter_topic(t), 1, 1) for t in [*topics.values(), backfill_topic]]
        )
    finally:
        await admin.close()
    publisher = await open_publisher(await postgres.create_database("publisher"), topics, kafka_bootstrap)
    try:
        yield World(
            kafka_bootstrap, await postgres.create_database("integrations"), topics, backfill_topic, publisher
        )
    finally:
        await publisher.pool.close()


@pytest.fixture(scope="session")
def lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lrs]:
    """One real LRS for the session; each test uses an organisation of its own."""
    with running_lrs(Path(tmp_path_factory.mktemp("ralph"))) as started:
        yield started


@dataclass
class Running:
    app: FastAPI
    client: httpx.AsyncClient


@contextlib.asynccontextmanager
async def running(settings: IntegrationsSettings) -> AsyncIterator[Running]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://integrations") as client:
            yield Running(app, client)


async def deliveries_counted(client: httpx.AsyncClient, kind: str, outcome: str) -> float:
    """``trellis_deliveries_total`` for ``kind`` and ``outcome`` on the service's /metrics page."""
    page = await client.get("/metrics")
    assert page.status_code == 200
    for family in text_string_to_metric_families(page.text):
        for sample in family.samples:
            if sample.name == "trellis_deliveries_total" and sample.labels == {"kind": kind, "outcome": outcome}:
                return sample.value
    return 0.0


def webhook(
    url: str, event_types: list[str], secret: str, subscription_id: str, **more: Any
) -> dict[str, Any]:
    return {
        "subscription_id": subscription_id,
        "endpoint": url,
        "event_types": event_types,
        "secret": secret,
        **more,
    }
