"""The goals app on a fresh real PostgreSQL database, driven over HTTP with signed tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_goals.app import create_app
from trellis_goals.settings import GoalsSettings
from trellis_kernel.identity import mint_token

SECRET = "goals-api-tests-secret-of-32-bytes!!"
ORG = "org_1"


@dataclass
class Clock:
    now: datetime = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, days: int) -> None:
        self.now += timedelta(days=days)


def bearer(subject: str, *, roles: tuple[str, ...] = (), organisation_id: str | None = ORG) -> dict[str, str]:
    token = mint_token(SECRET, subject, roles=roles, organisation_id=organisation_id)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def goals_app(database_dsn: str, clock: Clock) -> AsyncIterator[FastAPI]:
    settings = GoalsSettings(key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS, database_url=database_dsn, jwt_secret=SECRET, overdue_sweep_seconds=0)
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(goals_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=goals_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://goals") as http:
        yield http
