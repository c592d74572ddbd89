"""Two processes of each service (goals, feedback, recognition), as `trellis serve` runs them in
two pods each, against one PostgreSQL and one Kafka. Commands go through both goals replicas:
reporting lines, goals proposed and agreed on the leadership track, milestones reached; feedback
keeps them as facts and recognition grants what a published policy says. Midway the goals
replica that leads the relay is killed with SIGKILL, and the other one takes over: every goals
event reaches the topic, each stream's events first appear in their order with none missing, and
each milestone is celebrated exactly once. The takeover time is printed."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment

from tests.conftest import PostgresServer
from tests.observability.test_metrics_page import scrape, value
from tests.recognition.test_end_to_end import caught_up, eventually, outcomes_on_topic, read_topic
from tests.service_process import ServiceProcess
from trellis_contracts.envelope import decode_envelope
from trellis_goals.app import RELAY_NAME as GOALS_RELAY
from trellis_kernel.identity import mint_token

pytestmark = pytest.mark.infra

SECRET = "replicas-test-secret-of-at-least-32-bytes"
ORG = "org_replicas"
MANAGER = "mgr_1"
PEOPLE = tuple(f"emp_{n}" for n in range(1, 9))
MILESTONES = ("ms_1", "ms_2", "ms_3")
TAKEOVER_BOUND = 30.0
"""Seconds within which the standby must have published at all (the figure is printed, not
asserted: the machine may be busy)."""
POLICY = """\
format: trellis.reward-policy.v1
policy_id: milestones
title: Leadership milestones
effective_on: {today}
rules:
  - id: milestone-celebration
    when: {{event: goals.MilestoneReached, career_track: [leadership]}}
    then:
      - recognition: {{visibility: public, kind: milestone_celebration}}
"""


def auth(subject: str, *, hr: bool = False) -> dict[str, str]:
    roles = ("hr_admin",) if hr else ()
    return {"Authorization": f"Bearer {mint_token(SECRET, subject, roles=roles, organisation_id=ORG)}"}


def start_together(processes: Sequence[ServiceProcess]) -> None:
    for process in processes:
        process.launch()
    for process in processes:
        process.wait_ready()


async def relay_leader(
    http: httpx.AsyncClient, replicas: Sequence[ServiceProcess], relay: str
) -> ServiceProcess:
    async def one_leads() -> bool:
        pages = [await scrape(http, replica) for replica in replicas]
        return sum(value(page, "trellis_relay_leader", relay=relay) for page in pages) == 1

    await eventually(one_leads, f"one replica leads {relay}", within=30)
    for replica in replicas:
        if value(await scrape(http, replica), "trellis_relay_leader", relay=relay) == 1:
            return replica
    raise AssertionError(f"no replica leads {relay}")


async def members_reading(bootstrap: str, group: str, topic: str) -> int:
    """How many members of the (stable) consumer group have partitions of ``topic``; 0 while
    the group is rebalancing."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    [(_, _, state, _, _, members, *_)] = response.groups
    if state != "Stable":
        return 0
    assignments = [ConsumerProtocolMemberAssignment.decode(member[4]) for member in members]
    return sum(
        any(name == topic and partitions for name, partitions in found.assignment) for found in assignments
    )


async def post(http: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str]) -> None:
    answer = await http.post(url, json=body, headers=headers)
    assert answer.status_code in (200, 201), f"{url}: {answer.status_code} {answer.text}"


def assert_in_order_per_stream(records: list[Any], stored: dict[str, int], topic: str) -> None:
    """Each stream's events first appear on the topic in version order, none missing, and the
    topic holds exactly the streams and versions the store holds."""
    first_seen: dict[str, list[int]] = defaultdict(list)
    seen: set[str] = set()
    for record in records:
        envelope, _ = decode_envelope(list(record.headers), record.value)
        if envelope.id in seen:
            continue  # republished after a crash: a duplicate consumers drop by id
        seen.add(envelope.id)
        assert envelope.sequence is not None, f"{topic}: event {envelope.id} carries no sequence"
        first_seen[record.key.decode()].append(envelope.sequence)
    assert set(first_seen) == set(stored), f"{topic}: streams on the topic differ from the store"
    for stream, versions in first_seen.items():
        assert versions == list(range(1, stored[stream] + 1)), (
            f"{topic}: {stream} first appears as {versions}"
        )


async def stored_versions(pool: asyncpg.Pool) -> dict[str, int]:
    rows = await pool.fetch("SELECT stream_id, max(version) AS version FROM events GROUP BY stream_id")
    return {row["stream_id"]: row["version"] for row in rows}


async def test_the_standby_relay_takes_over_and_every_event_arrives_once_in_order(
    postgres: PostgresServer,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
    tmp_path: Path,
) -> None:
    goals_topic, feedback_topic, recognition_topic = (
        await new_topic(3),
        await new_topic(3),
        await new_topic(3),
    )
    suffix = uuid.uuid4().hex[:8]
    databases = {
        service: await postgres.create_database(f"replicas_{service}")
        for service in ("goals", "feedback", "recognition")
    }
    environment = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "TRELLIS_JWT_SECRET": SECRET,
        "GOALS_DATABASE_URL": databases["goals"],
        "FEEDBACK_DATABASE_URL": databases["feedback"],
        "RECOGNITION_DATABASE_URL": databases["recognition"],
        "GOALS_EVENTS_TOPIC": goals_topic,
        "FEEDBACK_EVENTS_TOPIC": feedback_topic,
        "RECOGNITION_EVENTS_TOPIC": recognition_topic,
        "FEEDBACK_GOALS_TOPIC": goals_topic,
        "FEEDBACK_GOALS_CONSUMER_GROUP": f"feedback-replicas-{suffix}",
        "RECOGNITION_CONSUMER_GROUP": f"recognition-replicas-{suffix}",
        # One member per process, so that each replica is seen to take a share of three partitions.
        "RECOGNITION_CONSUMER_WORKERS": "1",
        "GOALS_OVERDUE_SWEEP_SECONDS": "0",
        "FEEDBACK_SWEEP_SECONDS": "0",
    }
    replicas = {
        service: [
            ServiceProcess(environment, tmp_path / f"{service}-{n}.log", service=service) for n in (1, 2)
        ]
        for service in ("goals", "feedback", "recognition")
    }
    goals, feedback, recognition = replicas["goals"], replicas["feedback"], replicas["recognition"]
    pools = {
        service: await asyncpg.create_pool(dsn, min_size=1, max_size=2) for service, dsn in databases.items()
    }
    try:
        # The first replica of each service creates its tables; the second joins it.
        start_together([pair[0] for pair in replicas.values()])
        start_together([pair[1] for pair in replicas.values()])
        today = datetime.now(UTC).date()
        due = (today + timedelta(days=90)).isoformat()
        for group in (
            environment["FEEDBACK_GOALS_CONSUMER_GROUP"],
            environment["RECOGNITION_CONSUMER_GROUP"],
        ):

            async def shared(group: str = group) -> bool:
                return await members_reading(kafka_bootstrap, group, goals_topic) == 2

            await eventually(shared, f"both replicas in {group} with a share of the goals topic")
        async with httpx.AsyncClient(timeout=30) as http:
            published = await http.post(
                f"{recognition[1].url}/policies",
                content=POLICY.format(today=today.isoformat()).encode(),
                headers={**auth("hr_1", hr=True), "content-type": "application/yaml"},
            )
            assert published.status_code == 201, published.text

            # Through both goals replicas, in turn.
            for n, person in enumerate(PEOPLE):
                url = goals[n % 2].url
                await post(
                    http, f"{url}/employees/{person}/manager", {"manager_id": MANAGER}, auth("hr_1", hr=True)
                )
                goal = {
                    "goal_id": f"goal_{person}",
                    "employee_id": person,
                    "title": "Lead the guild",
                    "description": "Run the guild's sessions this quarter",
                    "due_date": due,
                    "career_track_id": "leadership",
                    "milestones": [
                        {"milestone_id": m, "title": f"Session {m}", "owner_id": person, "due_date": due}
                        for m in MILESTONES
                    ],
                }
                await post(http, f"{goals[(n + 1) % 2].url}/goals", goal, auth(person))
                await post(http, f"{url}/goals/goal_{person}/agreement", {}, auth(MANAGER))

            async def reach(replica: ServiceProcess, person: str, milestone: str) -> None:
                await post(
                    http,
                    f"{replica.url}/goals/goal_{person}/milestones/{milestone}/reached",
                    {},
                    auth(person),
                )

            for n, person in enumerate(PEOPLE):
                await reach(goals[n % 2], person, MILESTONES[0])

            leader = await relay_leader(http, goals, GOALS_RELAY)
            standby = goals[1 - goals.index(leader)]
            assert (
                value(await scrape(http, standby), "trellis_relay_published_events_total", relay=GOALS_RELAY)
                == 0
            )

            # The leader records more, and dies without a word as soon as they are stored.
            for person in PEOPLE[: len(PEOPLE) // 2]:
                await reach(leader, person, MILESTONES[1])
            leader.kill()
            killed_at = time.monotonic()

            async def standby_publishes() -> float:
                while True:
                    page = await scrape(http, standby)
                    if value(page, "trellis_relay_published_events_total", relay=GOALS_RELAY) > 0:
                        return time.monotonic() - killed_at
                    await asyncio.sleep(0.02)

            takeover = asyncio.create_task(asyncio.wait_for(standby_publishes(), TAKEOVER_BOUND))
            for person in PEOPLE[len(PEOPLE) // 2 :]:
                await reach(standby, person, MILESTONES[1])
            for person in PEOPLE:
                await reach(standby, person, MILESTONES[2])
            takeover_seconds = await takeover
            assert value(await scrape(http, standby), "trellis_relay_leader", relay=GOALS_RELAY) == 1
            print(f"\nrelay takeover after SIGKILL of the leader: {takeover_seconds:.2f}s")

            reached = len(PEOPLE) * len(MILESTONES)

            async def all_applied() -> bool:
                celebrated = await pools["recognition"].fetchval("SELECT count(*) FROM reward_triggers")
                facts = await pools["feedback"].fetchval(
                    "SELECT count(*) FROM goal_milestones WHERE reached_on IS NOT NULL"
                )
                return bool(celebrated >= reached and facts == reached)

            await eventually(all_applied, "every milestone celebrated and known to feedback")
            await eventually(
                lambda: caught_up(kafka_bootstrap, environment["RECOGNITION_CONSUMER_GROUP"], [goals_topic]),
                "recognition's group at the end of the goals topic",
            )
            await eventually(
                lambda: caught_up(
                    kafka_bootstrap, environment["FEEDBACK_GOALS_CONSUMER_GROUP"], [goals_topic]
                ),
                "feedback's group at the end of the goals topic",
            )

            # Both replicas of each consuming service took a share of the partitions.
            for service, pair in (("feedback", feedback), ("recognition", recognition)):
                consumer = environment[
                    "FEEDBACK_GOALS_CONSUMER_GROUP" if service == "feedback" else "RECOGNITION_CONSUMER_GROUP"
                ]
                applied = [
                    value(
                        await scrape(http, replica),
                        "trellis_consumer_events_total",
                        consumer=consumer,
                        outcome="applied",
                    )
                    for replica in pair
                ]
                assert all(applied), f"{service}: events applied per replica {applied}"

            recognition_leader = await relay_leader(http, recognition, "recognition-outbox")

            async def recognition_published() -> bool:
                page = await scrape(http, recognition_leader)
                return value(page, "trellis_relay_unpublished_events", relay="recognition-outbox") == 0

            await eventually(recognition_published, "recognition published every outcome")

        # Goals: everything stored is on the topic, each stream in order; nothing recorded twice.
        goals_streams = await stored_versions(pools["goals"])
        assert goals_streams == {
            **{f"reportingline-{ORG}/{p}": 1 for p in PEOPLE},
            # proposed, agreed and activated, then each milestone reached
            **{f"goal-{ORG}/goal_{p}": 3 + len(MILESTONES) for p in PEOPLE},
        }
        assert_in_order_per_stream(await read_topic(kafka_bootstrap, goals_topic), goals_streams, goals_topic)

        # Feedback knows every reporting line, goal and milestone as the goals service has them.
        lines = await pools["feedback"].fetch("SELECT employee_id, manager_id FROM reporting_lines")
        assert sorted((r["employee_id"], r["manager_id"]) for r in lines) == [(p, MANAGER) for p in PEOPLE]
        statuses = await pools["feedback"].fetch("SELECT goal_id, status FROM goals")
        assert sorted((r["goal_id"], r["status"]) for r in statuses) == [
            (f"goal_{p}", "active") for p in PEOPLE
        ]

        # Recognition celebrated each milestone exactly once: in its view, its store and its topic.
        triggers = await pools["recognition"].fetch(
            "SELECT outcome_id, triggering_event_id FROM reward_triggers"
        )
        assert len(triggers) == reached
        assert len({r["triggering_event_id"] for r in triggers}) == reached
        recognition_records = await read_topic(kafka_bootstrap, recognition_topic)
        on_topic = await outcomes_on_topic(kafka_bootstrap, recognition_topic)
        assert set(on_topic) == {r["outcome_id"] for r in triggers}
        assert all(len(ids) == 1 for ids in on_topic.values()), "an outcome recorded twice"
        assert_in_order_per_stream(
            recognition_records, await stored_versions(pools["recognition"]), recognition_topic
        )
    finally:
        for pair in replicas.values():
            for replica in pair:
                replica.stop()
        for pool in pools.values():
            await pool.close()
