"""Goals, feedback and recognition against real Kafka and PostgreSQL: a goal agreed on the
leadership track, its milestones reached, praise given three times. Each policy outcome appears
once on the recognition topic and once in the reward-trigger view, after the recognition process
is killed (SIGKILL) mid-flow and restarted, and after the goals and feedback topics are consumed
again from the start, by the same consumer group and by a new one.

The goals and recognition services run as real processes. The feedback events are FeedbackGiven
v2 records appended to a feedback event store and published by the kernel's relay: the records
the feedback service publishes (its API is not part of this test).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from tests.conftest import PostgresServer
from tests.recognition.processes import ServiceProcess
from tests.recognition.upstream import praise
from trellis_contracts import recognition as r
from trellis_contracts.envelope import decode_envelope
from trellis_kernel.codec import ContractCodec
from trellis_kernel.identity import mint_token
from trellis_kernel.relay import OutboxRelay, RelaySettings
from trellis_kernel.relay.cloudevents import encode_cloudevent
from trellis_kernel.store import EventMetadata, EventStore, create_pool, organisation_stream_id

pytestmark = pytest.mark.infra

ORG, EMP, MGR, PEERS = "org_e2e", "emp_1", "mgr_1", ("emp_2", "emp_3", "emp_4")
MILESTONES = tuple(f"ms_{n}" for n in range(1, 9))
EXPECTED = 2 * len(MILESTONES) + 1  # recognition and an initiative per milestone; one for the praise
OUTCOME_IDS = {
    r.RecognitionAwardedV3.event_type(): "recognition_id",
    r.RewardGrantedV2.event_type(): "reward_id",
    r.RewardHeldForApproval.event_type(): "reward_id",
    r.CompensationAdjustmentProposedV3.event_type(): "adjustment_id",
    r.LearningAssignmentRequestedV2.event_type(): "assignment_id",
    r.InitiativeLeadProposedV2.event_type(): "proposal_id",
}
"""The event recording each kind of policy outcome, and the field naming the outcome."""
SECRET = "end-to-end-secret-of-at-least-32-bytes"
POLICIES = """\
format: trellis.reward-policy.v1
policy_id: leadership
title: Leadership milestones
effective_on: {today}
rules:
  - id: leadership-milestone
    when: {{event: goals.MilestoneReached, career_track: [leadership]}}
    then:
      - recognition: {{visibility: public, kind: milestone_celebration}}
      - lead_initiative: {{initiative: Lead a cross-team initiative next quarter}}
---
format: trellis.reward-policy.v1
policy_id: praise
title: Praise from colleagues
effective_on: {today}
rules:
  - id: three-praises
    when: {{event: feedback.FeedbackGiven, where: {{kind: {{equals: praise}}}}, count: {{at_least: 3, window: quarter}}}}
    then:
      - recognition: {{visibility: team}}
"""


def token(subject: str, *, hr: bool = False) -> dict[str, str]:
    roles = ("hr_admin",) if hr else ()
    return {"Authorization": f"Bearer {mint_token(SECRET, subject, roles=roles, organisation_id=ORG)}"}


async def eventually(check: Callable[[], Awaitable[bool]], what: str, within: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {within}s: {what}")
        await asyncio.sleep(0.05)


class FeedbackService:
    """The feedback service's event store and relay: FeedbackGiven v2 appended and published."""

    def __init__(self, dsn: str, bootstrap: str, topic: str) -> None:
        self.dsn, self.bootstrap, self.topic = dsn, bootstrap, topic

    async def __aenter__(self) -> FeedbackService:
        self.pool = await create_pool(self.dsn, min_size=1, max_size=2)
        self.store = EventStore(self.pool)
        await self.store.setup()
        self.relay = OutboxRelay(
            dsn=self.dsn,
            store=self.store,
            bootstrap_servers=self.bootstrap,
            topic_for=lambda _: self.topic,
            encode=encode_cloudevent,
            settings=RelaySettings(name="feedback-outbox"),
        )
        await self.relay.__aenter__()
        self.task = asyncio.create_task(self.relay.run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.relay.stop(self.task)
        await self.relay.__aexit__(None, None, None)
        await self.pool.close()

    async def give_praise(self, recipient: str, giver: str) -> None:
        event = praise(ORG, recipient, giver, datetime.now(UTC))
        codec = ContractCodec[Any]([type(event)])
        await self.store.append(
            organisation_stream_id("feedback", ORG, event.feedback_id),
            [codec.encode(event)],
            expected=0,
            metadata=EventMetadata(principal=giver),
        )


async def partitions_of(bootstrap: str, topics: list[str]) -> list[TopicPartition]:
    consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        return [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
    finally:
        await consumer.stop()


async def read_topic(bootstrap: str, topic: str) -> list[Any]:
    """Every record of the topic, up to its end offsets now."""
    partitions = await partitions_of(bootstrap, [topic])
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[Any] = []
        while any([await consumer.position(tp) < ends[tp] for tp in partitions]):
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def outcomes_on_topic(bootstrap: str, topic: str) -> dict[str, set[str]]:
    """For each outcome id on the recognition topic, the CloudEvents ids that recorded it (a
    relay may publish one event twice, with the same id: at least once, deduplicated by id)."""
    found: dict[str, set[str]] = defaultdict(set)
    for record in await read_topic(bootstrap, topic):
        envelope, data = decode_envelope(list(record.headers), record.value)
        id_field = OUTCOME_IDS.get(envelope.type)
        if id_field is not None and not data.get("approved_by_id"):  # an approval grants a held one
            found[data[id_field]].add(envelope.id)
    return found


async def consumer_lag(bootstrap: str, group: str, topics: Sequence[str]) -> int:
    """Records on the topics the group has not committed past."""
    partitions = await partitions_of(bootstrap, list(topics))
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        ends = await consumer.end_offsets(partitions)
        return sum(max(0, ends[tp] - (committed[tp].offset if tp in committed else 0)) for tp in partitions)
    finally:
        await consumer.stop()
        await admin.close()


async def caught_up(bootstrap: str, group: str, topics: list[str]) -> bool:
    """The group's committed offsets are at the topics' ends."""
    return await consumer_lag(bootstrap, group, topics) == 0


async def rewind(bootstrap: str, group: str, topics: list[str]) -> None:
    """Commit the start of every partition for the (stopped) group: it reads the topics again."""
    partitions = await partitions_of(bootstrap, topics)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.commit(dict.fromkeys(partitions, 0))
    finally:
        await consumer.stop()


async def all_published(pool: asyncpg.Pool, bootstrap: str, topic: str) -> None:
    """Wait until the relay has published every outcome the view holds."""

    async def all_out() -> bool:
        recorded = {row["outcome_id"] for row in await pool.fetch("SELECT outcome_id FROM reward_triggers")}
        return recorded <= set(await outcomes_on_topic(bootstrap, topic))

    await eventually(all_out, "every outcome in the view published")


@pytest.fixture
async def recognition_db(postgres: PostgresServer) -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    dsn = await postgres.create_database("e2e_recognition")
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    try:
        yield dsn, pool
    finally:
        await pool.close()


async def test_each_policy_outcome_appears_once_whatever_crashes_and_replays(
    postgres: PostgresServer,
    recognition_db: tuple[str, asyncpg.Pool],
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
    tmp_path: Path,
) -> None:
    recognition_dsn, recognition_pool = recognition_db
    goals_topic, feedback_topic, recognition_topic = (
        await new_topic(3),
        await new_topic(3),
        await new_topic(3),
    )
    group = f"recognition-e2e-{uuid.uuid4().hex[:8]}"
    common = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "TRELLIS_JWT_SECRET": SECRET,
        "GOALS_EVENTS_TOPIC": goals_topic,
        "FEEDBACK_EVENTS_TOPIC": feedback_topic,
        "RECOGNITION_EVENTS_TOPIC": recognition_topic,
    }
    goals = ServiceProcess(
        "goals",
        "trellis_goals.app:create_app",
        {**common, "GOALS_DATABASE_URL": await postgres.create_database("e2e_goals"),
         "GOALS_OVERDUE_SWEEP_SECONDS": "0"},
        tmp_path,
    )  # fmt: skip
    recognition = ServiceProcess(
        "recognition",
        "trellis_recognition.app:create_app",
        {**common, "RECOGNITION_DATABASE_URL": recognition_dsn, "RECOGNITION_CONSUMER_GROUP": group},
        tmp_path,
    )

    async def rows() -> list[asyncpg.Record]:
        return await recognition_pool.fetch(
            "SELECT outcome_id, outcome_kind, triggering_event_id FROM reward_triggers WHERE organisation_id = $1",
            ORG,
        )

    try:
        goals.start()
        recognition.start()
        today = datetime.now(UTC).date()
        async with httpx.AsyncClient(timeout=30) as http:
            for document in POLICIES.format(today=today.isoformat()).split("---\n"):
                published = await http.post(
                    f"{recognition.url}/policies",
                    content=document.encode(),
                    headers={**token("hr_1", hr=True), "content-type": "application/yaml"},
                )
                assert published.status_code == 201, published.text
            for person in (EMP, *PEERS):
                line = await http.post(
                    f"{goals.url}/employees/{person}/manager",
                    json={"manager_id": MGR},
                    headers=token("hr_1", hr=True),
                )
                assert line.status_code == 200, line.text
            due = (today + timedelta(days=120)).isoformat()
            proposed = await http.post(
                f"{goals.url}/goals",
                json={
                    "goal_id": "goal_lead",
                    "employee_id": EMP,
                    "title": "Lead the data guild",
                    "description": "Run the guild's sessions for two quarters",
                    "due_date": due,
                    "career_track_id": "leadership",
                    "milestones": [
                        {"milestone_id": m, "title": f"Session {m}", "owner_id": EMP, "due_date": due}
                        for m in MILESTONES
                    ],
                },
                headers=token(EMP),
            )
            assert proposed.status_code == 201, proposed.text
            agreed = await http.post(f"{goals.url}/goals/goal_lead/agreement", json={}, headers=token(MGR))
            assert agreed.status_code == 200, agreed.text

            async def reach(milestone: str) -> None:
                reached = await http.post(
                    f"{goals.url}/goals/goal_lead/milestones/{milestone}/reached", json={}, headers=token(EMP)
                )
                assert reached.status_code == 200, reached.text

            await reach(MILESTONES[0])

            async def first_two() -> bool:
                return len(await rows()) == 2

            await eventually(first_two, "the first milestone's two outcomes")

            async with FeedbackService(
                await postgres.create_database("e2e_feedback"), kafka_bootstrap, feedback_topic
            ) as feedback:
                # Mid-flow: the rest of the milestones and three praises, and the recognition
                # process killed as soon as it has recorded something more.
                for milestone in MILESTONES[1:]:
                    await reach(milestone)
                for giver in PEERS:
                    await feedback.give_praise(EMP, giver)

                async def progressed() -> bool:
                    return len(await rows()) > 2

                await eventually(progressed, "more outcomes recorded")
                recognition.kill()
                at_kill = len(await rows())

                recognition.start()

                async def all_recorded() -> bool:
                    return len(await rows()) >= EXPECTED

                await eventually(all_recorded, f"{EXPECTED} outcomes after the restart")
                await eventually(
                    lambda: caught_up(kafka_bootstrap, group, [goals_topic, feedback_topic]),
                    "the restarted consumer caught up",
                )

        def assert_once(recorded: list[asyncpg.Record], on_topic: dict[str, set[str]], when: str) -> None:
            assert len(recorded) == EXPECTED, f"{when}: {len(recorded)} rows in the reward-trigger view"
            kinds = sorted(r["outcome_kind"] for r in recorded)
            assert kinds == ["lead_initiative"] * 8 + ["recognition"] * 9, when
            assert len({r["triggering_event_id"] for r in recorded}) == len(MILESTONES) + 1, when
            assert set(on_topic) == {r["outcome_id"] for r in recorded}, (
                f"{when}: the topic and the view differ"
            )
            twice = {outcome: ids for outcome, ids in on_topic.items() if len(ids) != 1}
            assert not twice, f"{when}: outcomes recorded more than once: {twice}"

        await all_published(recognition_pool, kafka_bootstrap, recognition_topic)
        assert_once(
            await rows(),
            await outcomes_on_topic(kafka_bootstrap, recognition_topic),
            f"after SIGKILL ({at_kill} at the kill)",
        )

        # The same group reads both topics again from the start.
        recognition.stop()
        await rewind(kafka_bootstrap, group, [goals_topic, feedback_topic])
        recognition.start()
        await eventually(lambda: caught_up(kafka_bootstrap, group, [goals_topic, feedback_topic]), "replayed")
        # A new group (a second deployment of the service, or a lost ledger key) reads them all too.
        recognition.stop()
        recognition.environment["RECOGNITION_CONSUMER_GROUP"] = f"{group}-again"
        recognition.start()
        await eventually(
            lambda: caught_up(kafka_bootstrap, f"{group}-again", [goals_topic, feedback_topic]),
            "replayed anew",
        )
        await all_published(recognition_pool, kafka_bootstrap, recognition_topic)
        assert_once(
            await rows(), await outcomes_on_topic(kafka_bootstrap, recognition_topic), "after the replays"
        )
    finally:
        recognition.stop()
        goals.stop()
