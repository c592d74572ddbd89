"""The goals and feedback services together on one broker, each with its own database: what
happens in goals reaches feedback only through the goals topic."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

import httpx
import pytest

from tests.conftest import PostgresServer
from tests.feedback.api.conftest import SECRET, Clock, bearer
from tests.kernel.relay.support import eventually
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_feedback.app import create_app as create_feedback_app
from trellis_feedback.settings import FeedbackSettings
from trellis_goals.app import create_app as create_goals_app
from trellis_goals.settings import GoalsSettings

pytestmark = pytest.mark.infra

HR = bearer("hr_1", roles=("hr_admin",))


async def test_a_reporting_line_and_a_milestone_set_in_goals_are_known_in_feedback(
    postgres: PostgresServer,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
) -> None:
    clock = Clock()
    goals_topic = await new_topic()
    goals_settings = GoalsSettings(
        database_url=await postgres.create_database("goals"),
        jwt_secret=SECRET,
        kafka_bootstrap_servers=kafka_bootstrap,
        events_topic=goals_topic,
        overdue_sweep_seconds=0,
        key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS,
    )
    feedback_settings = FeedbackSettings(
        database_url=await postgres.create_database("feedback"),
        jwt_secret=SECRET,
        kafka_bootstrap_servers=kafka_bootstrap,
        events_topic=await new_topic(),
        goals_topic=goals_topic,
        goals_consumer_group=f"feedback-{uuid.uuid4().hex[:8]}",
        sweep_seconds=0,
        key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS,
    )
    goals_app = create_goals_app(goals_settings, clock=clock)
    feedback_app = create_feedback_app(feedback_settings, clock=clock)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(goals_app.router.lifespan_context(goals_app))
        await stack.enter_async_context(feedback_app.router.lifespan_context(feedback_app))
        goals = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=goals_app), base_url="http://goals")
        )
        feedback = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=feedback_app), base_url="http://feedback")
        )
        ready = await feedback.get("/health/ready")
        assert ready.status_code == 200, ready.text
        assert set(ready.json()["checks"]) == {"database", "broker", "relay"}
        conversation = {
            "conversation_id": "conv_1",
            "employee_id": "emp_1",
            "kind": "check_in",
            "scheduled_for": "2026-03-04T14:00:00Z",
        }
        before = await feedback.post("/conversations", json=conversation, headers=bearer("mgr_1"))
        assert before.status_code == 403  # feedback does not know mgr_1 manages emp_1 yet

        line = await goals.post("/employees/emp_1/manager", json={"manager_id": "mgr_1"}, headers=HR)
        assert line.status_code == 200, line.text

        async def scheduled() -> bool:
            answer = await feedback.post("/conversations", json=conversation, headers=bearer("mgr_1"))
            return answer.status_code == 201

        await eventually(scheduled, what="the reporting line reaching the feedback service")
        log = (await feedback.get("/managers/mgr_1/conversations", headers=bearer("mgr_1"))).json()
        assert [(c["conversation_id"], c["employee_id"]) for c in log["conversations"]] == [
            ("conv_1", "emp_1")
        ]

        proposed = await goals.post(
            "/goals",
            json={
                "goal_id": "goal_1",
                "employee_id": "emp_1",
                "title": "Master Photoshop",
                "description": "Produce campaign visuals without design help.",
                "due_date": "2026-06-30",
                "milestones": [
                    {
                        "milestone_id": "ms_course",
                        "title": "Online course",
                        "owner_id": "emp_1",
                        "due_date": "2026-03-20",
                    }
                ],
            },
            headers=bearer("emp_1"),
        )
        assert proposed.status_code == 201, proposed.text
        assert (
            await goals.post("/goals/goal_1/agreement", json={}, headers=bearer("mgr_1"))
        ).status_code == 200
        reached = await goals.post(
            "/goals/goal_1/milestones/ms_course/reached", json={}, headers=bearer("emp_1")
        )
        assert reached.status_code == 200, reached.text

        async def milestones() -> list[dict[str, object]]:
            answer = await feedback.get("/employees/emp_1/milestones-reached", headers=bearer("emp_1"))
            found: list[dict[str, object]] = answer.json()["milestones"]
            return found

        async def known() -> bool:
            return bool(await milestones())

        await eventually(known, what="the reached milestone reaching the feedback service")
        assert [(m["goal_id"], m["milestone_id"], m["reached_on"]) for m in await milestones()] == [
            ("goal_1", "ms_course", clock.now.date().isoformat())
        ]
        # ... and the goal is one feedback may now be about.
        about_goal = await feedback.post(
            "/feedback",
            json={
                "recipient_id": "emp_1",
                "relationship": "manager",
                "kind": "praise",
                "content": "The course is done ahead of time: well done.",
                "goal_id": "goal_1",
                "milestone_id": "ms_course",
            },
            headers=bearer("mgr_1"),
        )
        assert about_goal.status_code == 201, about_goal.text
