"""An erasure racing a command about the same person: whichever commits first, none of the
person's text is left in the read models or in any answer once both have committed.

Each test holds one transaction open at a chosen point (the erasure's, as the erasure route runs
it; or a command's, at a gate read model applied after the goals read model) and starts the other
while it is open, so the interleaving is the same on every run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import httpx
import pytest
from fastapi import FastAPI

from tests.goals.api.conftest import SECRET, Clock
from tests.goals.api.test_erasure import every_answer
from tests.goals.api.test_goals_api import AS_EMPLOYEE, AS_MANAGER, HR, active_goal, goal_body
from tests.kernel.privacy.support import text_everywhere
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_contracts.goals import GoalProposed
from trellis_contracts.personal import ERASED
from trellis_goals import read_models
from trellis_goals.app import create_app
from trellis_goals.event_codec import GoalsCodec
from trellis_goals.settings import GoalsSettings
from trellis_kernel.projections import Projection
from trellis_kernel.store import Connection, StoredEvent

pytestmark = pytest.mark.infra

NEW_GOAL_TEXTS = ("Speak at the design meetup", "A talk on colour grading", "Conference ticket")
ACTIVITY_TEXT = "Colour grading masterclass"
STILL_WAITING = 0.5
"""Seconds a blocked request is given to finish: it must not, while the other transaction is open."""


def new_goal() -> dict[str, object]:
    return goal_body(
        goal_id="goal_9",
        title=NEW_GOAL_TEXTS[0],
        description=NEW_GOAL_TEXTS[1],
        resources_needed=[NEW_GOAL_TEXTS[2]],
        milestones=[{"milestone_id": "ms_9", "title": "Slides", "owner_id": "emp_1", "due_date": "2026-02-28"}],
    )


async def nothing_left_of(app: FastAPI, client: httpx.AsyncClient, texts: Sequence[str]) -> list[str]:
    """The texts still found in a table of the goals database or in a read endpoint's answer."""
    everything = await text_everywhere(app.state.goals.pool) + await every_answer(app, client)
    return [text for text in texts if text in everything]


class Gate:
    """A read model applied after the goals read model: while armed, the transaction appending a
    proposed goal waits at it (the goal's row written, not yet committed) until it is opened."""

    name = "goals.test_erasure_race_gate"
    tables: Sequence[str] = ("erasure_race_gate",)
    ddl: Sequence[str] = ("CREATE TABLE {schema}.erasure_race_gate (held integer NOT NULL)",)

    def __init__(self) -> None:
        self.armed = False
        self.reached = asyncio.Event()
        self.opened = asyncio.Event()

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        if self.armed and event.event_type.startswith(GoalProposed.event_type().rsplit(".v", 1)[0]):
            self.armed = False
            self.reached.set()
            await self.opened.wait()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Gate:
    gate = Gate()
    service_read_models = read_models.projections

    def with_gate(codec: GoalsCodec) -> tuple[Projection, ...]:
        return (*service_read_models(codec), gate)

    monkeypatch.setattr(read_models, "projections", with_gate)
    return gate


@pytest.fixture
async def gated_app(database_dsn: str, gate: Gate) -> AsyncIterator[FastAPI]:
    settings = GoalsSettings(
        key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS,
        database_url=database_dsn,
        jwt_secret=SECRET,
        overdue_sweep_seconds=0,
    )
    app = create_app(settings, clock=Clock())
    async with app.router.lifespan_context(app):
        assert gate in app.state.goals.read_models
        yield app


@pytest.fixture
async def gated_client(gated_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gated_app), base_url="http://goals") as http:
        yield http


async def test_commands_that_wait_for_an_open_erasure_leave_none_of_their_text(
    goals_app: FastAPI, client: httpx.AsyncClient
) -> None:
    await active_goal(client)
    goals = goals_app.state.goals
    async with goals.pool.acquire() as connection, connection.transaction():
        # As the erasure route does it: the keys deleted, PersonErased recorded and the read
        # models forgetting the person's text, all in one transaction still open here.
        erasure = await goals.keys.erase(
            "org_1", "emp_1", erased_by="hr_1", reason="Asked to be forgotten", connection=connection
        )
        await goals.erasures.record(connection, erasure)
        proposal = asyncio.create_task(client.post("/goals", json=new_goal(), headers=AS_EMPLOYEE))
        activity = asyncio.create_task(
            client.post(
                "/goals/goal_1/activities",
                json={
                    "activity_id": "act_9",
                    "kind": "training",
                    "title": ACTIVITY_TEXT,
                    "due_date": "2026-02-20",
                },
                headers=AS_MANAGER,
            )
        )
        await asyncio.sleep(STILL_WAITING)
        waited = not proposal.done() and not activity.done()

    proposed, added = await proposal, await activity
    assert proposed.status_code == 201, proposed.text
    assert added.status_code == 200, added.text
    assert await nothing_left_of(goals_app, client, (*NEW_GOAL_TEXTS, ACTIVITY_TEXT, "Master Photoshop")) == []
    assert waited, "the commands went ahead while the erasure was open"
    titles = await goals.pool.fetch("SELECT goal_id, title FROM goal_views ORDER BY goal_id")
    assert [tuple(row) for row in titles] == [("goal_1", ERASED), ("goal_9", ERASED)]
    deadlines = await goals.pool.fetch("SELECT DISTINCT title, goal_title FROM goal_deadlines")
    assert [tuple(row) for row in deadlines] == [(ERASED, ERASED)]


async def test_an_erasure_waits_for_a_goal_proposed_before_it_and_forgets_it_too(
    gated_app: FastAPI, gated_client: httpx.AsyncClient, gate: Gate
) -> None:
    client = gated_client
    await active_goal(client)
    gate.armed = True
    proposal = asyncio.create_task(client.post("/goals", json=new_goal(), headers=AS_EMPLOYEE))
    await asyncio.wait_for(gate.reached.wait(), timeout=10)
    # The proposal's transaction has opened its text and written its row, and is still open.
    erasure = asyncio.create_task(
        client.post("/privacy/people/emp_1/erasure", json={"reason": "Asked to be forgotten"}, headers=HR)
    )
    await asyncio.sleep(STILL_WAITING)
    waited = not erasure.done()
    gate.opened.set()

    proposed, erased = await proposal, await erasure
    assert proposed.status_code == 201, proposed.text
    assert erased.status_code == 200, erased.text
    assert await nothing_left_of(gated_app, client, (*NEW_GOAL_TEXTS, "Master Photoshop")) == []
    assert waited, "the erasure went ahead while the proposal was open"
    titles = await gated_app.state.goals.pool.fetch("SELECT goal_id, title FROM goal_views ORDER BY goal_id")
    assert [tuple(row) for row in titles] == [("goal_1", ERASED), ("goal_9", ERASED)]
