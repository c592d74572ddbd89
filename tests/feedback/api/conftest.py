"""The feedback app on a fresh real PostgreSQL database, driven over HTTP with signed tokens, and
what it knows from the goals topic put straight into its facts tables."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_contracts import EventContract
from trellis_contracts import goals as g
from trellis_feedback.app import create_app
from trellis_feedback.application import FeedbackApplication
from trellis_feedback.projections import GOALS_FACTS
from trellis_feedback.settings import FeedbackSettings
from trellis_kernel.identity import mint_token
from trellis_kernel.store import Position, StoredEvent

SECRET = "feedback-api-tests-secret-of-32-bytes!"
ORG = "org_1"
OTHER_ORG = "org_2"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DUE = date(2026, 3, 13)


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, days: int) -> None:
        self.now += timedelta(days=days)


def bearer(subject: str, *, roles: tuple[str, ...] = (), organisation_id: str | None = ORG) -> dict[str, str]:
    token = mint_token(SECRET, subject, roles=roles, organisation_id=organisation_id)
    return {"Authorization": f"Bearer {token}"}


HR = ("hr_admin",)


@dataclass
class Goals:
    """Feeds goals events to the feedback service's facts, as its consumer would."""

    app: FeedbackApplication
    versions: dict[str, itertools.count[int]] = field(default_factory=dict)

    async def tell(self, stream: str, *events: EventContract) -> None:
        counter = self.versions.setdefault(stream, itertools.count(1))
        async with self.app.pool.acquire() as connection, connection.transaction():
            for event in events:
                stored = StoredEvent(
                    event_id=uuid4(),
                    stream_id=stream,
                    version=next(counter),
                    position=Position.START,
                    event_type=event.event_type(),
                    schema_version=1,
                    payload=event.model_dump(mode="json"),
                    occurred_at=NOW,
                    recorded_at=NOW,
                    correlation_id=None,
                    causation_id=None,
                    principal="goals",
                )
                for projection in GOALS_FACTS:
                    await projection.apply(connection, stored, "public")

    async def manages(self, manager: str | None, *employees: str, org: str = ORG) -> None:
        for employee in employees:
            await self.tell(
                f"reportingline-{org}/{employee}",
                g.ReportingLineChanged(
                    organisation_id=org,
                    employee_id=employee,
                    manager_id=manager,
                    changed_by="hr_1",
                    occurred_at=NOW,
                ),
            )

    async def goal(
        self,
        goal_id: str,
        employee: str,
        manager: str,
        milestones: tuple[str, ...] = ("ms_1",),
        org: str = ORG,
    ) -> None:
        plans = tuple(
            g.MilestonePlan(milestone_id=m, title=f"Step {m}", owner_id=employee, due_date=date(2026, 3, 20))
            for m in milestones
        )
        terms = g.GoalTerms(
            title="Master Photoshop", description="Campaign visuals alone.", due_date=date(2026, 6, 30)
        )
        ref: dict[str, Any] = {
            "goal_id": goal_id,
            "organisation_id": org,
            "employee_id": employee,
            "manager_id": manager,
        }
        await self.tell(
            f"goal-{org}/{goal_id}", g.GoalCreated(**ref, terms=terms, milestones=plans, occurred_at=NOW)
        )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def feedback_app(database_dsn: str, clock: Clock) -> AsyncIterator[FastAPI]:
    settings = FeedbackSettings(
        database_url=database_dsn,
        jwt_secret=SECRET,
        sweep_seconds=0,
        key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS,
    )
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def service(feedback_app: FastAPI) -> FeedbackApplication:
    found: FeedbackApplication = feedback_app.state.feedback
    return found


@pytest.fixture
def goals(service: FeedbackApplication) -> Goals:
    return Goals(service)


@pytest.fixture
async def client(feedback_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=feedback_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://feedback") as http:
        yield http
