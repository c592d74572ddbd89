"""The seed's example, end to end: "Master Photoshop by the end of February through an online
course, tutorial watching, and hands-on practice" — proposed, agreed, three milestones, two
check-ins, a review that reschedules one milestone, completion; the employee's progress view
checked at every step, and every event on the goals topic in order as a valid CloudEvent."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat

from tests.contracts.test_artefacts import validator_for
from tests.contracts.test_consume_example import load_example
from tests.goals.api.conftest import ORG, SECRET, Clock, bearer
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_contracts.catalogue import contract_for
from trellis_contracts.goals import GoalCompletedV2, MilestoneReachedV2
from trellis_contracts.personal import ERASED
from trellis_contracts.protected import is_protected_value, key_ids, reveal
from trellis_goals.app import create_app
from trellis_goals.settings import GoalsSettings

pytestmark = pytest.mark.infra

EMPLOYEE, MANAGER = "emp_ana", "mgr_ben"
AS_EMPLOYEE, AS_MANAGER = bearer(EMPLOYEE), bearer(MANAGER)
HR = bearer("hr_1", roles=("hr_admin",))
INTEGRATOR = bearer("payroll_1", roles=("integrator",))
COMPLETED = GoalCompletedV2.event_type()
GOAL = "goal_photoshop"


def milestone(milestone_id: str, title: str, due: str) -> dict[str, str]:
    return {"milestone_id": milestone_id, "title": title, "owner_id": EMPLOYEE, "due_date": due}


async def progress(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get(f"/employees/{EMPLOYEE}/progress", headers=AS_EMPLOYEE)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def only_goal(client: httpx.AsyncClient) -> dict[str, Any]:
    view = await progress(client)
    [goal] = view["goals"]
    return dict(goal)


async def command(client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]) -> int:
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    return int(response.json()["version"])


async def test_master_photoshop_by_the_end_of_february(
    database_dsn: str, kafka_bootstrap: str, new_topic: Callable[..., Awaitable[str]]
) -> None:
    topic = await new_topic()
    clock = Clock(datetime.fromisoformat("2026-01-05T09:00:00+00:00"))
    settings = GoalsSettings(
        key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS,
        database_url=database_dsn,
        jwt_secret=SECRET,
        kafka_bootstrap_servers=kafka_bootstrap,
        events_topic=topic,
        overdue_sweep_seconds=0,
    )
    await run_the_scenario(settings, clock)
    records = await read_goal_records(kafka_bootstrap, topic, expected=14)
    events = assert_published_in_order(records)

    # The goal's texts travel as ciphertext; an integrator opens them with the employee's key,
    # which the service's key endpoint gives a token with the integrator role.
    assert not any(b"Photoshop" in r.value or b"online course" in r.value for r in records)
    app = create_app(dataclasses.replace(settings, kafka_bootstrap_servers=None), clock=clock)
    keys: dict[str, bytes] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://goals") as client:
            for event in events:
                for key_id in sorted(key_ids(contract_for(event.get_type()), event.get_data()) - set(keys)):
                    answer = await client.get(f"/privacy/data-keys/{key_id}", headers=INTEGRATOR)
                    assert answer.status_code == 200, answer.text
                    jwk = answer.json()
                    assert (jwk["org"], jwk["sub"]) == (ORG, EMPLOYEE)
                    keys[key_id] = base64.urlsafe_b64decode(jwk["k"] + "=" * (-len(jwk["k"]) % 4))
    assert len(keys) == 1  # one key per employee
    opened = [
        contract_for(e.get_type()).model_validate(reveal(contract_for(e.get_type()), e.get_data(), keys))
        for e in events
    ]
    assert [e.title for e in opened if isinstance(e, MilestoneReachedV2)] == [
        "Finish the online course",
        "Work through the tutorial series",
        "Ship three visuals from hands-on practice",
    ]
    [completed] = [e for e in opened if isinstance(e, GoalCompletedV2)]
    assert completed.title == "Master Photoshop"
    # Without the key, a consumer reads the same events with the texts erased.
    [shown] = [reveal(GoalCompletedV2, e.get_data()) for e in events if e.get_type() == COMPLETED]
    assert shown["title"] == ERASED and shown["on_time"] is True


async def test_the_integrators_example_consumer_reads_what_the_service_published(
    database_dsn: str, kafka_bootstrap: str, new_topic: Callable[..., Awaitable[str]]
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
    await run_the_scenario(settings, Clock(datetime.fromisoformat("2026-01-05T09:00:00+00:00")))

    example = load_example()
    feed = example.MilestoneFeed()
    await asyncio.wait_for(
        example.consume(
            kafka_bootstrap, f"payroll-{topic}", feed, topic=topic, stop=lambda f: len(f.processed_ids) >= 15
        ),
        timeout=60,
    )
    assert feed.skipped == []
    assert feed.actions == [
        f"milestone ms_course of goal {GOAL} reached by {EMPLOYEE} on 2026-01-22",
        f"milestone ms_tutorials of goal {GOAL} reached by {EMPLOYEE} on 2026-02-10",
        f"milestone ms_practice of goal {GOAL} reached by {EMPLOYEE} on 2026-02-26",
        f"goal {GOAL} completed by {EMPLOYEE}",
    ]


async def run_the_scenario(settings: GoalsSettings, clock: Clock) -> None:
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://goals") as client:
            await walk_the_scenario(client, clock)
        # Leaving the lifespan stops the relay once it has published what was stored.


async def walk_the_scenario(client: httpx.AsyncClient, clock: Clock) -> None:
    await command(client, f"/employees/{EMPLOYEE}/manager", {"manager_id": MANAGER}, HR)

    # Proposed by the employee: not active until the manager agrees.
    version = await command(
        client,
        "/goals",
        {
            "goal_id": GOAL,
            "employee_id": EMPLOYEE,
            "title": "Master Photoshop",
            "description": "Produce the team's campaign visuals in Photoshop without design help.",
            "due_date": "2026-02-28",
            "resources_needed": ["Photoshop licence", "Online course seat"],
            "milestones": [
                milestone("ms_course", "Finish the online course", "2026-01-23"),
                milestone("ms_tutorials", "Work through the tutorial series", "2026-02-06"),
                milestone("ms_practice", "Ship three visuals from hands-on practice", "2026-02-20"),
            ],
        },
        AS_EMPLOYEE,
    )
    assert version == 1
    view = await progress(client)
    assert view["active_goals"] == 0
    assert [g["status"] for g in view["goals"]] == ["proposed"]

    version = await command(client, f"/goals/{GOAL}/agreement", {"expected_version": 1}, AS_MANAGER)
    goal = await only_goal(client)
    assert (goal["status"], goal["percent_complete"]) == ("active", 0)
    assert goal["next_milestone"]["milestone_id"] == "ms_course"
    assert (await progress(client))["active_goals"] == 1

    # 22 January: the course is done; first check-in.
    clock.now = datetime.fromisoformat("2026-01-22T09:00:00+00:00")
    await command(client, f"/goals/{GOAL}/milestones/ms_course/reached", {}, AS_EMPLOYEE)
    await command(
        client,
        f"/goals/{GOAL}/check-ins",
        {
            "check_in_id": "ci_1",
            "progress_summary": "Course finished; halfway through the tutorials.",
            "milestone_progress": [{"milestone_id": "ms_tutorials", "progress_percent": 50}],
            "blockers": ["Licence arrives next week"],
        },
        AS_MANAGER,
    )
    goal = await only_goal(client)
    assert goal["percent_complete"] == 50  # (100 + 50 + 0) / 3
    assert goal["next_milestone"]["milestone_id"] == "ms_tutorials"
    assert goal["last_check_in_at"] == "2026-01-22T09:00:00Z"
    assert goal["overdue_items"] == 0

    # 10 February: tutorials done late, practice started; second check-in.
    clock.now = datetime.fromisoformat("2026-02-10T09:00:00+00:00")
    goal = await only_goal(client)
    assert [m["milestone_id"] for m in goal["overdue_milestones"]] == ["ms_tutorials"]
    await command(client, f"/goals/{GOAL}/milestones/ms_tutorials/reached", {}, AS_EMPLOYEE)
    await command(
        client,
        f"/goals/{GOAL}/check-ins",
        {
            "check_in_id": "ci_2",
            "progress_summary": "Tutorials done; one practice visual shipped.",
            "milestone_progress": [{"milestone_id": "ms_practice", "progress_percent": 30}],
            "resources_needed": ["Feedback from the design lead"],
        },
        AS_EMPLOYEE,
    )
    goal = await only_goal(client)
    assert goal["percent_complete"] == 77  # (100 + 100 + 30) / 3, rounded
    assert goal["overdue_items"] == 0
    assert goal["last_check_in_at"] == "2026-02-10T09:00:00Z"

    # The review keeps the goal and gives practice one more week.
    await command(
        client,
        f"/goals/{GOAL}/reviews",
        {
            "review_id": "rev_1",
            "summary": "Good pace; the late licence cost a week of practice.",
            "outcome": {
                "kind": "revise",
                "reason": "The licence arrived late",
                "reschedule_milestones": [{"milestone_id": "ms_practice", "due_date": "2026-02-27"}],
            },
        },
        AS_MANAGER,
    )
    goal = await only_goal(client)
    assert goal["next_milestone"]["milestone_id"] == "ms_practice"
    assert goal["next_milestone"]["due_date"] == "2026-02-27"
    assert goal["status"] == "active"

    # 26 February: practice done, and the goal is completed at the final review.
    clock.now = datetime.fromisoformat("2026-02-26T09:00:00+00:00")
    await command(client, f"/goals/{GOAL}/milestones/ms_practice/reached", {}, AS_EMPLOYEE)
    goal = await only_goal(client)
    assert (goal["percent_complete"], goal["next_milestone"]) == (100, None)
    await command(
        client,
        f"/goals/{GOAL}/reviews",
        {
            "review_id": "rev_2",
            "summary": "Photoshop mastered, ahead of the deadline.",
            "outcome": {"kind": "complete"},
        },
        AS_MANAGER,
    )
    view = await progress(client)
    assert (view["active_goals"], view["completed_goals"], view["overdue_items"]) == (0, 1, 0)
    assert view["goals"][0]["status"] == "completed"


async def read_goal_records(
    bootstrap: str, topic: str, *, expected: int
) -> list[ConsumerRecord[bytes, bytes]]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        async with asyncio.timeout(30):
            while len([r for r in records if r.key == f"goal-{ORG}/{GOAL}".encode()]) < expected:
                batch = await consumer.getmany(timeout_ms=500)
                for partition_records in batch.values():
                    records.extend(partition_records)
    finally:
        with contextlib.suppress(Exception):
            await consumer.stop()
    return [r for r in records if r.key == f"goal-{ORG}/{GOAL}".encode()]


def assert_published_in_order(records: list[ConsumerRecord[bytes, bytes]]) -> list[Any]:
    events = [
        ce_kafka.from_binary(
            ce_kafka.KafkaMessage(headers=dict(r.headers), key=r.key, value=r.value), JSONFormat()
        )
        for r in records
    ]
    assert {e.get_specversion() for e in events} == {"1.0"}
    assert [e.get_type().split(".")[3] for e in events] == [
        "GoalProposed",
        "GoalAgreed",
        "GoalCreated",
        "MilestoneReached",
        "CheckInRecorded",
        "MilestoneProgressUpdated",
        "MilestoneReached",
        "CheckInRecorded",
        "MilestoneProgressUpdated",
        "GoalReviewed",
        "MilestoneRescheduled",
        "MilestoneReached",
        "GoalReviewed",
        "GoalCompleted",
    ]
    assert [int(e.get_extension("sequence")) for e in events] == list(range(1, 15))
    assert {e.get_subject() for e in events} == {f"{ORG}/{GOAL}"}
    assert {e.get_source() for e in events} == {"/trellis/goals"}
    assert len({e.get_id() for e in events}) == 14
    assert {r.partition for r in records} == {records[0].partition}
    for event in events:  # every payload as published validates against its checked-in JSON Schema
        validator_for(event.get_type()).validate(event.get_data())
    reached = [e.get_data() for e in events if e.get_type().endswith("MilestoneReached.v2")]
    assert [d["milestone_id"] for d in reached] == ["ms_course", "ms_tutorials", "ms_practice"]
    assert all(is_protected_value(d["title"]) and is_protected_value(d["goal_title"]) for d in reached)
    return events
