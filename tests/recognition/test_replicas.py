"""Two recognition replicas in one consumer group: Kafka shares the partitions between them and
moves them when one stops; every record is delivered twice (a relay republishing); each policy
outcome is recorded once, in the event store, the reward-trigger view and on the topic."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import PostgresServer
from tests.recognition.kafka_world import SECRET, KafkaWorld, eventually
from tests.recognition.test_end_to_end import outcomes_on_topic
from tests.recognition.upstream import milestone_reached, praise, reporting_line
from trellis_kernel.identity import mint_token
from trellis_kernel.store import create_pool

pytestmark = pytest.mark.infra

ORG = "org_replicas"
PEOPLE = [f"emp_{n:02d}" for n in range(24)]
POLICY = """\
format: trellis.reward-policy.v1
policy_id: growth
title: Growth
effective_on: {today}
rules:
  - id: milestone-points
    when: {{event: goals.MilestoneReached, career_track: [leadership]}}
    then: [{{points: {{amount: 10}}}}]
  - id: three-praises
    when: {{event: feedback.FeedbackGiven, where: {{kind: {{equals: praise}}}}, count: {{at_least: 3, window: quarter}}}}
    then: [{{recognition: {{visibility: public}}}}]
"""
EXPECTED = len(PEOPLE) * 3  # two milestones' points and one recognition each


async def test_two_replicas_in_one_group_record_each_outcome_once(
    postgres: PostgresServer, kafka_bootstrap: str, new_topic: Callable[..., Awaitable[str]]
) -> None:
    world = KafkaWorld(
        kafka_bootstrap, await postgres.create_database("replicas"), await new_topic(6), await new_topic(6),
        await new_topic(3),
    )  # fmt: skip
    now = datetime.now(UTC)
    hr = {"Authorization": f"Bearer {mint_token(SECRET, 'hr_1', roles=('hr_admin',), organisation_id=ORG)}"}
    pool = await create_pool(world.database_url, min_size=1, max_size=2)
    try:
        async with world.replica() as (_, http), world.replica():
            published = await http.post(
                "/policies",
                content=POLICY.format(today=now.date().isoformat()).encode(),
                headers={**hr, "content-type": "application/yaml"},
            )
            assert published.status_code == 201, published.text
            await asyncio.sleep(3)  # both replicas in the group before anything arrives
            now = datetime.now(UTC)  # after the policy's publication: it decides
            events = []
            for n, person in enumerate(PEOPLE):
                moment = now + timedelta(seconds=n)
                events += [
                    reporting_line(ORG, person, "mgr_1", moment),
                    milestone_reached(
                        ORG, f"goal_{person}", person, "mgr_1", "ms_1", moment, track="leadership"
                    ),
                    milestone_reached(
                        ORG, f"goal_{person}", person, "mgr_1", "ms_2", moment, track="leadership"
                    ),
                    *(praise(ORG, person, giver, moment) for giver in ("emp_a", "emp_b", "emp_c")),
                ]
            await world.produce(events[: len(events) // 2], times=2)

            async def started() -> bool:
                return bool(await pool.fetchval("SELECT count(*) FROM reward_triggers"))

            await eventually(started, "the first outcomes")
        # (the second replica stopped first, the first one after it: partitions moved in between)
        async with world.replica() as (third, _), world.replica() as (fourth, _):
            await world.produce(events[len(events) // 2 :], times=2)

            async def done() -> bool:
                return await pool.fetchval("SELECT count(*) FROM reward_triggers") >= EXPECTED

            await eventually(done, f"{EXPECTED} outcomes")
            await asyncio.sleep(1.5)  # a second outcome, were there one, would be recorded by now
            applied = [app.state.consumer.stats.applied for app in (third, fourth)]
            assert all(applied), f"both replicas consumed: {applied}"
            duplicates = sum(app.state.consumer.stats.duplicates for app in (third, fourth))
            assert duplicates > 0, "the records delivered twice were recognised"

        rows = await pool.fetch("SELECT outcome_id, outcome_kind FROM reward_triggers")
        assert len(rows) == EXPECTED
        assert sorted(r["outcome_kind"] for r in rows).count("recognition") == len(PEOPLE)
        streams = await pool.fetch(
            "SELECT stream_id, max(version) AS version FROM events"
            " WHERE stream_id LIKE 'recognition-%' OR stream_id LIKE 'reward-%' GROUP BY stream_id"
        )
        assert len(streams) == EXPECTED and {s["version"] for s in streams} == {1}, "one event per outcome"
        on_topic = await outcomes_on_topic(kafka_bootstrap, world.recognition_topic)
        assert set(on_topic) == {r["outcome_id"] for r in rows}
        assert all(len(ids) == 1 for ids in on_topic.values())
    finally:
        await pool.close()
