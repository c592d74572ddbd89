"""The feedback service learns reporting lines, goals and milestones from the goals topic, on a
real broker: a goals event delivered twice changes nothing, replaying the whole topic from the
start leaves every feedback read model as it was, and what cannot be applied is dead-lettered."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from faststream.kafka import KafkaBroker

from tests.kernel.consumers.conftest import started
from tests.kernel.relay.support import eventually, header, read_topic
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_contracts import EventContract
from trellis_contracts import goals as g
from trellis_contracts.envelope import Envelope, KafkaRecord, encode_binary
from trellis_contracts.personal import personal_values
from trellis_contracts.protected import seal
from trellis_feedback.application import FeedbackApplication
from trellis_feedback.consumers.goals import goals_consumer
from trellis_feedback.event_codec import FeedbackCodec
from trellis_feedback.projections import GOALS_FACTS, feedback_projections
from trellis_kernel.consumers import ConsumerSettings, EventConsumer, dead_letter_topic
from trellis_kernel.privacy import DataKeyStore, LocalKeyEncryptionKeys
from trellis_kernel.store import Pool, create_pool

pytestmark = pytest.mark.infra

ORG = "org_1"
AT = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
TERMS = g.GoalTerms(
    title="Master Photoshop", description="Campaign visuals alone.", due_date=date(2026, 3, 31)
)
PLAN = g.MilestonePlan(
    milestone_id="ms_1", title="Online course", owner_id="emp_1", due_date=date(2026, 2, 14)
)
GOAL = {"goal_id": "goal_1", "organisation_id": ORG, "employee_id": "emp_1", "manager_id": "mgr_1"}
EMPLOYEE_KEY = bytes(range(32))


def record(
    stream: str, version: int, event: EventContract, *, event_id: uuid.UUID | None = None
) -> KafkaRecord:
    envelope = Envelope.for_event(
        event.event_type(),
        id=str(event_id or uuid.uuid4()),
        subject=stream.partition("-")[2],
        time=AT,
        sequence=version,
    )
    published = encode_binary(envelope, sealed(event) if event.protects_personal_data else event)
    return KafkaRecord(key=stream.encode(), headers=published.headers, value=published.value)


def sealed(event: EventContract) -> dict[str, Any]:
    """The event's data as the goals service publishes it: personal fields sealed with the
    employee's key, which the feedback service does not have."""
    payload = event.model_dump(mode="json")
    for personal in personal_values(type(event), payload):
        personal.replace(seal(personal.value, key=EMPLOYEE_KEY, key_id="dk_emp1"))
    return payload


def line(manager: str) -> g.ReportingLineChanged:
    return g.ReportingLineChanged(
        organisation_id=ORG, employee_id="emp_1", manager_id=manager, changed_by="hr_1", occurred_at=AT
    )


REACHED = g.MilestoneReached(
    **GOAL,
    milestone_id="ms_1",
    owner_id="emp_1",
    due_date=date(2026, 2, 14),
    title="Online course",
    goal_title="Master Photoshop",
    reached_on=date(2026, 2, 10),
    on_time=True,
    recorded_by="emp_1",
    occurred_at=AT,
)
FIRST_LINE = uuid.uuid4()
HISTORY = [
    record("reportingline-org_1/emp_1", 1, line("mgr_1"), event_id=FIRST_LINE),
    record("goal-org_1/goal_1", 1, g.GoalProposed(**GOAL, proposed_by="emp_1", proposer_role="employee",
                                                   proposal_revision=1, terms=TERMS, milestones=(PLAN,), occurred_at=AT)),
    record("goal-org_1/goal_1", 2, g.GoalAgreed(**GOAL, agreed_by="mgr_1", proposed_by="emp_1", proposal_revision=1, occurred_at=AT)),
    record("goal-org_1/goal_1", 3, g.GoalCreated(**GOAL, terms=TERMS, milestones=(PLAN,), occurred_at=AT)),
    record("goal-org_1/goal_1", 4, REACHED),
    record("reportingline-org_1/emp_1", 2, line("mgr_2")),
]  # fmt: skip


@dataclass
class GoalsTopic:
    bootstrap: str
    topic: str
    pool: Pool
    codec: FeedbackCodec

    async def publish(self, records: Sequence[KafkaRecord]) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, enable_idempotence=True, acks="all")
        await producer.start()
        try:
            for item in records:
                await producer.send_and_wait(self.topic, value=item.value, key=item.key, headers=item.headers)
        finally:
            await producer.stop()

    def consumer(self, broker: KafkaBroker, name: str) -> EventConsumer:
        settings = ConsumerSettings(retry_backoff=0.05, redelivery_delay=0.1)
        consumer = goals_consumer(name, broker=broker, pool=self.pool, topic=self.topic)
        consumer.settings = ConsumerSettings(
            retry_backoff=settings.retry_backoff,
            redelivery_delay=settings.redelivery_delay,
            non_retryable=consumer.settings.non_retryable,
        )
        return consumer

    async def read_models(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every read model, with the transaction that last wrote it (xmin): a
        replay that wrote the same values again would show."""
        tables = [t for p in (*feedback_projections(self.codec), *GOALS_FACTS) for t in p.tables]
        return {
            table: sorted(tuple(row) for row in await self.pool.fetch(f"SELECT xmin::text, * FROM {table}"))
            for table in tables
        }


@pytest.fixture
async def goals_topic(
    database_dsn: str, kafka_bootstrap: str, new_topic: Callable[..., Awaitable[str]]
) -> AsyncIterator[GoalsTopic]:
    topic = await new_topic()
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(dead_letter_topic(topic), num_partitions=1, replication_factor=1)]
        )
    finally:
        await admin.close()
    pool = await create_pool(database_dsn, min_size=1, max_size=4)
    try:
        service = FeedbackApplication(
            pool, DataKeyStore(pool, LocalKeyEncryptionKeys.from_setting(TEST_KEY_ENCRYPTION_KEYS))
        )
        await service.setup()
        yield GoalsTopic(kafka_bootstrap, topic, pool, service.codec)
    finally:
        await pool.close()


async def consume_all(
    goals_topic: GoalsTopic, name: str, *, applied: int, duplicates: int = 0
) -> EventConsumer:
    broker = KafkaBroker(goals_topic.bootstrap, logger=None)
    consumer = goals_topic.consumer(broker, name)
    async with started(broker, consumer):
        await eventually(lambda: consumer.stats.applied == applied, what=f"{applied} goals events applied")
        await eventually(
            lambda: consumer.stats.duplicates == duplicates, what=f"{duplicates} duplicates seen"
        )
    return consumer


async def test_reporting_lines_goals_and_milestones_become_facts(goals_topic: GoalsTopic) -> None:
    await goals_topic.publish(HISTORY)
    consumer = await consume_all(goals_topic, f"feedback-{uuid.uuid4().hex[:8]}", applied=5)
    assert consumer.stats.skipped_unknown == {g.GoalAgreed.event_type(): 1}
    pool = goals_topic.pool
    assert (
        await pool.fetchval("SELECT manager_id FROM reporting_lines WHERE employee_id = 'emp_1'") == "mgr_2"
    )
    goal = await pool.fetchrow("SELECT status, version FROM goals WHERE goal_id = 'goal_1'")
    assert tuple(goal) == ("active", 4)
    assert "Master Photoshop" not in str(await goals_topic.read_models()), "no goals text is kept"
    reached = await pool.fetchval("SELECT reached_on FROM goal_milestones WHERE milestone_id = 'ms_1'")
    assert reached == date(2026, 2, 10)


async def test_protected_goals_events_become_facts_without_their_texts(
    goals_topic: GoalsTopic,
) -> None:
    proposed = g.GoalProposedV2(
        **GOAL, proposed_by="emp_1", proposer_role="employee", proposal_revision=1, terms=TERMS,
        milestones=(PLAN,), occurred_at=AT,
    )  # fmt: skip
    protected = [
        HISTORY[0],
        record("goal-org_1/goal_1", 1, proposed),
        HISTORY[2],
        record("goal-org_1/goal_1", 3, g.GoalCreatedV2(**GOAL, terms=TERMS, milestones=(PLAN,), occurred_at=AT)),
        record("goal-org_1/goal_1", 4, g.MilestoneReachedV2(**REACHED.model_dump())),
    ]
    assert not any(b"Master Photoshop" in r.value or b"Online course" in r.value for r in protected)
    await goals_topic.publish(protected)
    await consume_all(goals_topic, f"feedback-{uuid.uuid4().hex[:8]}", applied=4)
    pool = goals_topic.pool
    goal = await pool.fetchrow("SELECT status, version FROM goals WHERE goal_id = 'goal_1'")
    assert tuple(goal) == ("active", 4)
    reached = await pool.fetchval("SELECT reached_on FROM goal_milestones WHERE milestone_id = 'ms_1'")
    assert reached == date(2026, 2, 10)
    assert "Master Photoshop" not in str(await goals_topic.read_models())


async def test_a_goals_event_delivered_twice_changes_nothing(goals_topic: GoalsTopic) -> None:
    await goals_topic.publish(HISTORY)
    name = f"feedback-{uuid.uuid4().hex[:8]}"
    await consume_all(goals_topic, name, applied=5)
    before = await goals_topic.read_models()
    # The first reporting line again, with its id: applied as such it would bring back mgr_1.
    await goals_topic.publish([HISTORY[0]])
    await consume_all(goals_topic, name, applied=0, duplicates=1)
    assert await goals_topic.read_models() == before


async def test_replaying_the_goals_topic_from_the_start_leaves_the_read_models_unchanged(
    goals_topic: GoalsTopic,
) -> None:
    await goals_topic.publish(HISTORY)
    await consume_all(goals_topic, f"feedback-{uuid.uuid4().hex[:8]}", applied=5)
    before = await goals_topic.read_models()
    assert before["reporting_lines"] and before["goals"] and before["goal_milestones"]
    # A new consumer group starts from the earliest offset: every event again, none claimed yet.
    await consume_all(goals_topic, f"feedback-replay-{uuid.uuid4().hex[:8]}", applied=5)
    assert await goals_topic.read_models() == before


async def test_a_goals_event_that_cannot_be_applied_goes_to_the_dead_letter_topic(
    goals_topic: GoalsTopic,
) -> None:
    unordered = Envelope.for_event(
        g.ReportingLineChanged.event_type(), id=str(uuid.uuid4()), subject="org_1/emp_1", time=AT
    )
    no_sequence = encode_binary(unordered, line("mgr_3"))
    broken = Envelope.for_event(
        g.ReportingLineChanged.event_type(), id=str(uuid.uuid4()), subject="org_1/emp_1", time=AT, sequence=3
    )
    invalid = encode_binary(broken, {"organisation_id": ORG, "employee_id": "emp 1"})
    await goals_topic.publish([no_sequence, invalid, HISTORY[0]])
    broker = KafkaBroker(goals_topic.bootstrap, logger=None)
    consumer = goals_topic.consumer(broker, f"feedback-{uuid.uuid4().hex[:8]}")
    async with started(broker, consumer):
        await eventually(lambda: consumer.stats.applied == 1, what="the good event applied")
        await eventually(lambda: consumer.stats.dead_lettered == 2, what="two dead letters")
    letters = await read_topic(goals_topic.bootstrap, dead_letter_topic(goals_topic.topic), 2)
    errors = sorted(header(letter, "dlt-error") or "" for letter in letters)
    assert errors[0].startswith("NoSequence")
    assert errors[1].startswith("ValidationError")
    assert await goals_topic.pool.fetchval("SELECT manager_id FROM reporting_lines") == "mgr_1"
