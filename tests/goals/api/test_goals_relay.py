"""Goals recorded through the API reach Kafka as CloudEvents, keyed by stream."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord

from tests.goals.api.conftest import SECRET, Clock, bearer
from tests.goals.codec import opened
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_contracts.goals import GoalCreatedV2, GoalProposedV2
from trellis_contracts.personal import ERASED
from trellis_contracts.protected import is_protected_value, reveal
from trellis_goals.app import create_app
from trellis_goals.settings import GoalsSettings

pytestmark = pytest.mark.infra

HR = bearer("hr_1", roles=("hr_admin",))


async def test_events_recorded_by_the_api_are_published_in_order(
    database_dsn: str,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
    clock: Clock,
) -> None:
    topic = await new_topic()
    settings = GoalsSettings(
        key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS,
        database_url=database_dsn,
        jwt_secret=SECRET,
        kafka_bootstrap_servers=kafka_bootstrap,
        events_topic=topic,
        overdue_sweep_seconds=0,
    )
    app = create_app(settings, clock=clock)
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://goals") as client:
                line = await client.post("/employees/emp_1/manager", json={"manager_id": "mgr_1"}, headers=HR)
                assert line.status_code == 200
                proposed = await client.post(
                    "/goals",
                    json={
                        "goal_id": "goal_k",
                        "employee_id": "emp_1",
                        "title": "Master Photoshop",
                        "description": "Produce campaign visuals alone.",
                        "metric": {"name": "Visuals", "baseline": 0, "target": 4},
                        "due_date": "2026-03-31",
                    },
                    headers=bearer("emp_1"),
                )
                assert proposed.status_code == 201
                agreed = await client.post("/goals/goal_k/agreement", json={}, headers=bearer("mgr_1"))
                assert agreed.status_code == 200

                records: list[ConsumerRecord[bytes, bytes]] = []
                async with asyncio.timeout(30):
                    while len(records) < 4:
                        batch = await consumer.getmany(timeout_ms=500)
                        for partition_records in batch.values():
                            records.extend(partition_records)
                goal_records = [r for r in records if r.key == b"goal-org_1/goal_k"]
                published = json.loads(goal_records[2].value)
                created = GoalCreatedV2.model_validate(
                    await opened(app.state.goals.keys, GoalCreatedV2, published)
                )
    finally:
        with contextlib.suppress(Exception):
            await consumer.stop()

    headers = [dict(r.headers) for r in goal_records]
    assert [h["ce_type"].decode() for h in headers] == [
        "dev.trellis.goals.GoalProposed.v2",
        "dev.trellis.goals.GoalAgreed.v1",
        "dev.trellis.goals.GoalCreated.v2",
    ]
    assert {h["ce_subject"].decode() for h in headers} == {"org_1/goal_k"}
    first = GoalProposedV2.model_validate(reveal(GoalProposedV2, json.loads(goal_records[0].value)))
    assert (first.employee_id, first.manager_id, first.proposer_role) == ("emp_1", "mgr_1", "employee")
    assert first.terms.title == ERASED  # without the employee's key
    assert is_protected_value(published["terms"]["title"])
    assert "Master Photoshop" not in goal_records[2].value.decode()
    assert created.terms.title == "Master Photoshop"
    assert [r.key for r in records if r.key != b"goal-org_1/goal_k"] == [b"reportingline-org_1/emp_1"]
