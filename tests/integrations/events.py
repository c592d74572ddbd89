"""Events as the goals and recognition services publish them, for the integrations tests.

A stand-in publisher: a kernel event store in a scratch database and the kernel's relay to the
test's topics, so records reach the integrations service exactly as a service's relay sends
them (binary CloudEvents, keyed by stream id, ``ce_sequence`` the stream version).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from trellis_contracts.base import EventContract
from trellis_contracts.catalogue import CATALOGUE
from trellis_contracts.fields import Money
from trellis_contracts.goals import (
    DevelopmentActivityCompleted,
    GoalCompleted,
    MilestoneProgressUpdated,
    MilestoneReached,
)
from trellis_contracts.recognition import (
    CompensationAdjustmentApprovedV2,
    CompensationAdjustmentProposedV3,
    LearningAssignmentRequestedV2,
    RewardGrantedV2,
)
from trellis_kernel.backfill import BackfillRunner, BackfillSettings
from trellis_kernel.codec import ContractCodec
from trellis_kernel.relay import OutboxRelay, RelayCheckpoints, RelaySettings
from trellis_kernel.relay.cloudevents import encode_cloudevent
from trellis_kernel.store import EventMetadata, EventStore, Pool, create_pool, organisation_stream_id

CODEC: ContractCodec[Any] = ContractCodec(CATALOGUE.values())
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CAUSE = {
    "triggering_event_id": "4c1f7e52-8a0b-4d3e-9c6f-2b7a1e0d9f34",
    "triggering_event_type": "dev.trellis.goals.MilestoneReached.v1",
    "policy_id": "pol-milestones",
    "policy_version": 1,
}


def milestone_reached(
    org: str, goal: str, milestone: str, employee: str = "emp_1", *, at: datetime = NOW
) -> MilestoneReached:
    return MilestoneReached(
        goal_id=goal,
        organisation_id=org,
        employee_id=employee,
        manager_id="mgr_1",
        milestone_id=milestone,
        owner_id=employee,
        due_date=date(2026, 3, 31),
        occurred_at=at,
        title=f"Step {milestone}",
        goal_title="Master Photoshop",
        reached_on=at.date(),
        on_time=True,
        recorded_by=employee,
    )


def progress(org: str, goal: str, percent: int, *, at: datetime = NOW) -> MilestoneProgressUpdated:
    return MilestoneProgressUpdated(
        goal_id=goal,
        organisation_id=org,
        employee_id="emp_1",
        manager_id="mgr_1",
        milestone_id="ms_1",
        owner_id="emp_1",
        due_date=date(2026, 3, 31),
        occurred_at=at,
        previous_progress_percent=max(0, percent - 1) % 101,
        progress_percent=percent % 101,
        updated_by="emp_1",
    )


def goal_completed(org: str, goal: str, employee: str = "emp_1") -> GoalCompleted:
    return GoalCompleted(
        goal_id=goal,
        organisation_id=org,
        employee_id=employee,
        manager_id="mgr_1",
        completed_by="mgr_1",
        title="Master Photoshop",
        due_date=date(2026, 3, 31),
        completed_on=NOW.date(),
        on_time=True,
        occurred_at=NOW + timedelta(hours=1),
    )


def activity_completed(org: str, goal: str, activity: str) -> DevelopmentActivityCompleted:
    return DevelopmentActivityCompleted(
        activity_id=activity,
        goal_id=goal,
        organisation_id=org,
        employee_id="emp_1",
        kind="training",
        occurred_at=NOW,
        title="Photoshop fundamentals",
        completed_on=NOW.date(),
        completed_by="emp_1",
    )


def assignment(org: str, assignment_id: str) -> LearningAssignmentRequestedV2:
    return LearningAssignmentRequestedV2(
        assignment_id=assignment_id,
        organisation_id=org,
        learner_id="emp_1",
        activity_id="https://lms.example.com/xapi/activities/photoshop-101",
        activity_kind="course",
        due_on=date(2026, 6, 1),
        goal_id="goal_1",
        rule_id="learning-rule",
        requested_at=NOW,
        **CAUSE,
    )


def proposed(org: str, adjustment: str) -> CompensationAdjustmentProposedV3:
    return CompensationAdjustmentProposedV3(
        adjustment_id=adjustment,
        organisation_id=org,
        employee_id="emp_1",
        kind="merit_increase",
        change=Money(amount="2400.00", currency="EUR"),
        pay_period="annual",
        effective_on=date(2026, 7, 1),
        rule_id="merit",
        proposed_at=NOW,
        **CAUSE,
    )


def approved(org: str, adjustment: str) -> CompensationAdjustmentApprovedV2:
    return CompensationAdjustmentApprovedV2(
        adjustment_id=adjustment,
        organisation_id=org,
        employee_id="emp_1",
        approved_by_id="hr_1",
        kind="merit_increase",
        change=Money(amount="2400.00", currency="EUR"),
        pay_period="annual",
        effective_on=date(2026, 7, 1),
        triggering_event_id=CAUSE["triggering_event_id"],
        policy_id="pol-milestones",
        policy_version=1,
        approved_at=NOW,
    )


def reward(org: str, reward_id: str, amount: str = "200.00") -> RewardGrantedV2:
    return RewardGrantedV2(
        reward_id=reward_id,
        organisation_id=org,
        recipient_id="emp_1",
        kind="spot_award",
        amount=Money(amount=amount, currency="EUR"),
        effective_on=date(2026, 4, 30),
        rule_id="spot",
        granted_at=NOW,
        **CAUSE,
    )


def topic_of(event: EventContract) -> str:
    return type(event).service


@dataclass
class Publisher:
    """A service's store and relay: ``publish`` appends to a stream, the relay sends it on."""

    dsn: str
    pool: Pool
    store: EventStore
    topics: dict[str, str]  # service -> topic
    bootstrap: str

    async def publish(self, stream: str, *events: EventContract) -> None:
        version = await self.store.stream_version(stream)
        await self.store.append(
            stream,
            [CODEC.encode(event) for event in events],
            expected=version,
            metadata=EventMetadata(principal="publisher"),
        )

    def relay(self) -> OutboxRelay:
        return OutboxRelay(
            dsn=self.dsn,
            store=self.store,
            bootstrap_servers=self.bootstrap,
            topic_for=lambda event: self.topics[event.event_type.split(".")[2]],
            encode=encode_cloudevent,
            settings=RelaySettings(name="test-outbox", poll_interval=0.1),
        )

    def backfill_runner(self, service: str = "goals") -> BackfillRunner:
        return BackfillRunner(
            dsn=self.dsn,
            store=self.store,
            bootstrap_servers=self.bootstrap,
            encode=encode_cloudevent,
            settings=BackfillSettings(service=service, poll_interval=0.2),
        )

    @contextlib.asynccontextmanager
    async def relaying(self) -> AsyncIterator[OutboxRelay]:
        relay = self.relay()
        async with relay:
            task = asyncio.create_task(relay.run())
            try:
                yield relay
            finally:
                await relay.stop(task, drain_seconds=5)


async def open_publisher(dsn: str, topics: dict[str, str], bootstrap: str) -> Publisher:
    pool = await create_pool(dsn, min_size=1, max_size=5)
    store = EventStore(pool)
    await store.setup()
    return Publisher(dsn, pool, store, topics, bootstrap)


def goal_stream(org: str, goal: str) -> str:
    return organisation_stream_id("goal", org, goal)


def stream_of(kind: str, org: str, aggregate: str) -> str:
    return organisation_stream_id(kind, org, aggregate)


def ids(records: Sequence[Any]) -> list[str]:
    return [r.webhook_id for r in records]


async def seed_history(publisher: Publisher, org: str, goals: int, per_goal: int) -> int:
    """``goals * per_goal`` progress events, stored long ago as far as Kafka knows: the relay's
    checkpoint is moved past them, so they are only in the store (older than the topic's
    retention), the case a late joiner's backfill is for. Returns how many."""
    last = None
    for g in range(goals):
        goal = f"goal_{g}"
        stored = await publisher.store.append_stored(
            goal_stream(org, goal),
            [CODEC.encode(progress(org, goal, n)) for n in range(1, per_goal + 1)],
            expected=0,
            metadata=EventMetadata(principal="publisher"),
        )
        last = stored[-1].position
    assert last is not None
    relay = publisher.relay()
    await relay.setup()
    async with publisher.pool.acquire() as connection:
        await RelayCheckpoints(relay.settings.name).save(connection, last)
    return goals * per_goal
