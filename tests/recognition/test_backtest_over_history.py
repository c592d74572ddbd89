"""A backtest over a seeded history: the goals and feedback events consumed from their topics,
a draft run over them through the API; the expected grants come back and nothing is recorded
or published (the recognition topic's end offsets do not move)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

import pytest
from aiokafka import AIOKafkaConsumer

from tests.conftest import PostgresServer
from tests.recognition.kafka_world import SECRET, KafkaWorld, eventually
from tests.recognition.test_end_to_end import partitions_of
from tests.recognition.upstream import day_at, milestone_reached, praise, reporting_line
from trellis_kernel.identity import mint_token
from trellis_kernel.store import create_pool

pytestmark = pytest.mark.infra

ORG = "org_backtest"
DRAFT = """\
format: trellis.reward-policy.v1
policy_id: draft
title: A draft
effective_on: 2030-01-01      # ignored by a backtest
rules:
  - id: three-praises
    when: {event: feedback.FeedbackGiven, where: {kind: {equals: praise}}, count: {at_least: 3, window: quarter}}
    then: [{recognition: {visibility: team}}]
  - id: leadership-bonus
    when: {event: goals.MilestoneReached, career_track: [leadership]}
    then: [{bonus: {amount: "100.00", currency: EUR}}]
"""
LIVE = """\
format: trellis.reward-policy.v1
policy_id: live
title: In effect from today
effective_on: {today}
rules:
  - id: points
    when: {{event: goals.MilestoneReached}}
    then: [{{points: {{amount: 1}}}}]
"""


async def end_offsets(world: KafkaWorld) -> dict[object, int]:
    partitions = await partitions_of(world.bootstrap, [world.recognition_topic])
    consumer = AIOKafkaConsumer(bootstrap_servers=world.bootstrap, group_id=None)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


async def test_a_backtest_reports_what_the_draft_would_have_granted_and_publishes_nothing(
    postgres: PostgresServer, kafka_bootstrap: str, new_topic: Callable[..., Awaitable[str]]
) -> None:
    world = KafkaWorld(
        kafka_bootstrap, await postgres.create_database("backtest"), await new_topic(3), await new_topic(3),
        await new_topic(3),
    )  # fmt: skip
    hr = {"Authorization": f"Bearer {mint_token(SECRET, 'hr_1', roles=('hr_admin',), organisation_id=ORG)}"}
    yaml = {**hr, "content-type": "application/yaml"}
    history = [
        reporting_line(ORG, "emp_1", "mgr_1", day_at(date(2026, 1, 5))),
        reporting_line(ORG, "emp_2", "mgr_1", day_at(date(2026, 1, 5))),
        reporting_line(ORG, "emp_3", "mgr_2", day_at(date(2026, 1, 5))),
        # emp_1: three praises in the second quarter (a fourth changes nothing)
        *(praise(ORG, "emp_1", f"emp_{n}", day_at(d)) for n, d in
          ((7, date(2026, 4, 2)), (8, date(2026, 4, 10)), (9, date(2026, 5, 5)), (6, date(2026, 6, 1)))),
        # emp_2: two of three in the first quarter, which the period does not reach
        *(praise(ORG, "emp_2", f"emp_{n}", day_at(d)) for n, d in
          ((7, date(2026, 3, 20)), (8, date(2026, 3, 25)), (9, date(2026, 4, 2)))),
        praise(ORG, "emp_2", "emp_7", day_at(date(2026, 4, 3)), kind="constructive"),
        # emp_3: two leadership milestones in the period, one before it, one on another track
        milestone_reached(ORG, "goal_3", "emp_3", "mgr_2", "ms_0", day_at(date(2026, 3, 31)), track="leadership"),
        milestone_reached(ORG, "goal_3", "emp_3", "mgr_2", "ms_1", day_at(date(2026, 4, 5)), track="leadership"),
        milestone_reached(ORG, "goal_3", "emp_3", "mgr_2", "ms_2", day_at(date(2026, 5, 6)), track="leadership"),
        milestone_reached(ORG, "goal_4", "emp_3", "mgr_2", "ms_1", day_at(date(2026, 5, 7)), track="craft"),
    ]  # fmt: skip
    pool = await create_pool(world.database_url, min_size=1, max_size=2)
    try:
        async with world.replica() as (_, http):
            live = await http.post(
                "/policies", content=LIVE.format(today=datetime.now(UTC).date()).encode(), headers=yaml
            )
            assert live.status_code == 201, live.text
            await world.produce(history)

            async def seeded() -> bool:
                return await pool.fetchval("SELECT count(*) FROM trigger_history") == 12

            await eventually(seeded, "the history consumed")
            await asyncio.sleep(1.5)  # the relay's poll interval: the policy's event is out
            before = await end_offsets(world)
            assert sum(before.values()) == 1, "only the live policy's publication"
            events_before = await pool.fetchval("SELECT count(*) FROM events")

            report = await http.post(
                "/policies/backtest", params={"from": "2026-04-01", "to": "2026-07-01"}, content=DRAFT.encode(),
                headers=yaml,
            )  # fmt: skip
            assert report.status_code == 200, report.text
            body = report.json()
            assert body["events_considered"] == 9
            assert [
                (line["team_id"], line["outcome_kind"], line["count"], line["cost"]) for line in body["lines"]
            ] == [
                ("mgr_1", "recognition", 1, {}),
                ("mgr_2", "bonus", 2, {"EUR": "200.00"}),
            ]
            assert {(o["employee_id"], o["rule_id"]) for o in body["outcomes"]} == {
                ("emp_1", "three-praises"),
                ("emp_3", "leadership-bonus"),
            }
            refused = await http.post(
                "/policies/backtest", params={"from": "2026-04-01", "to": "2026-07-01"}, content=DRAFT.encode(),
                headers={**yaml, **{"Authorization": f"Bearer {mint_token(SECRET, 'emp_1', organisation_id=ORG)}"}},
            )  # fmt: skip
            assert refused.status_code == 403

            await asyncio.sleep(1.5)
            assert await end_offsets(world) == before, "the backtest published nothing"
            assert await pool.fetchval("SELECT count(*) FROM events") == events_before, "and recorded nothing"
            assert await pool.fetchval("SELECT count(*) FROM reward_triggers") == 0
    finally:
        await pool.close()
