"""The recognition app on a fresh real PostgreSQL database, driven over HTTP with signed tokens;
events of the goals and feedback services handed to its consumer's own processing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from tests.recognition.upstream import Feed
from trellis_kernel.consumers import ConsumerSettings
from trellis_kernel.identity import mint_token
from trellis_recognition.app import create_app
from trellis_recognition.application import RecognitionApplication
from trellis_recognition.consumers import recognition_consumer
from trellis_recognition.settings import RecognitionSettings

SECRET = "recognition-api-tests-secret-32-bytes!!"
ORG = "org_1"
OTHER_ORG = "org_2"
TODAY = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = TODAY

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def bearer(subject: str, *, hr: bool = False, org: str | None = ORG) -> dict[str, str]:
    roles = ("hr_admin",) if hr else ()
    return {"Authorization": f"Bearer {mint_token(SECRET, subject, roles=roles, organisation_id=org)}"}


HR = bearer("hr_1", hr=True)


def policy_text(policy_id: str, rules: str, *, effective_on: str = "2026-04-01", extra: str = "") -> str:
    return (
        f"format: trellis.reward-policy.v1\npolicy_id: {policy_id}\ntitle: Policy {policy_id}\n"
        f"effective_on: {effective_on}\nrules:\n{rules}{extra}"
    )


@dataclass
class Recognition:
    http: httpx.AsyncClient
    feed: Feed
    app: FastAPI

    @property
    def application(self) -> RecognitionApplication:
        application: RecognitionApplication = self.app.state.recognition
        return application

    async def publish(self, text: str, headers: dict[str, str] = HR) -> httpx.Response:
        response = await self.http.post(
            "/policies", content=text.encode(), headers={**headers, "content-type": "application/yaml"}
        )
        return response

    async def triggers(self, **query: Any) -> list[dict[str, Any]]:
        response = await self.http.get("/reward-triggers", params=query, headers=HR)
        assert response.status_code == 200, response.text
        rows: list[dict[str, Any]] = response.json()
        return rows


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def recognition(database_dsn: str, clock: Clock) -> AsyncIterator[Recognition]:
    app = create_app(
        RecognitionSettings(
            database_url=database_dsn, jwt_secret=SECRET, key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS
        ),
        clock=clock,
    )
    async with app.router.lifespan_context(app):
        # The consumer's processing, fed directly (the Kafka path has tests of its own).
        consumer = recognition_consumer(
            app.state.recognition,
            KafkaBroker("127.0.0.1:9"),
            ["unused"],
            settings=ConsumerSettings(max_attempts=1, retry_backoff=0.0),
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://recognition") as http:
            yield Recognition(http, Feed(consumer), app)
