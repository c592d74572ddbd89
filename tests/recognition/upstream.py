"""Events of the goals and feedback services as the recognition service receives them: contract
instances, their CloudEvents records (as the services' relays publish them), and a way to hand
a record to the recognition consumer's own processing without a broker in between."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from trellis_contracts import EventContract
from trellis_contracts import goals as g
from trellis_contracts.envelope import Envelope, KafkaRecord, encode_binary
from trellis_contracts.feedback import FeedbackGivenV2
from trellis_kernel.consumers import EventConsumer


def reporting_line(org: str, employee: str, manager: str, at: datetime) -> g.ReportingLineChanged:
    return g.ReportingLineChanged(
        organisation_id=org, employee_id=employee, manager_id=manager, changed_by="hr_1", occurred_at=at
    )


def goal_created(
    org: str,
    goal: str,
    employee: str,
    manager: str,
    at: datetime,
    *,
    track: str | None = None,
    template: str | None = None,
    milestones: tuple[str, ...] = ("ms_1",),
) -> g.GoalCreated:
    due = at.date() + timedelta(days=90)
    return g.GoalCreated(
        goal_id=goal, organisation_id=org, employee_id=employee, manager_id=manager,
        terms=g.GoalTerms(title="Lead the data guild", description="Run the guild for a quarter", due_date=due),
        milestones=tuple(
            g.MilestonePlan(milestone_id=m, title=f"Step {m}", owner_id=employee, due_date=due) for m in milestones
        ),
        career_track_id=track, template_id=template, occurred_at=at,
    )  # fmt: skip


def milestone_reached(
    org: str,
    goal: str,
    employee: str,
    manager: str,
    milestone: str,
    at: datetime,
    *,
    track: str | None = None,
) -> g.MilestoneReached:
    return g.MilestoneReached(
        goal_id=goal, organisation_id=org, employee_id=employee, manager_id=manager, milestone_id=milestone,
        owner_id=employee, due_date=at.date() + timedelta(days=30), occurred_at=at, title=f"Step {milestone}",
        goal_title="Lead the data guild", reached_on=at.date(), on_time=True, career_track_id=track,
        recorded_by=employee,
    )  # fmt: skip


def goal_completed(org: str, goal: str, employee: str, manager: str, at: datetime) -> g.GoalCompleted:
    return g.GoalCompleted(
        goal_id=goal, organisation_id=org, employee_id=employee, manager_id=manager, completed_by=manager,
        title="AWS associate", due_date=at.date() + timedelta(days=10), completed_on=at.date(), on_time=True,
        occurred_at=at,
    )  # fmt: skip


def praise(org: str, recipient: str, giver: str, at: datetime, *, kind: str = "praise") -> FeedbackGivenV2:
    return FeedbackGivenV2(
        feedback_id=f"fb_{uuid.uuid4().hex[:12]}", organisation_id=org, giver_id=giver, recipient_id=recipient,
        relationship="peer", kind=kind, content="Thanks for the thorough review", visibility="recipient_only",
        given_at=at,
    )  # fmt: skip


def stream_of(event: EventContract) -> str:
    """The stream (Kafka key) its service keeps it in."""
    data: dict[str, Any] = event.model_dump(mode="json")
    if isinstance(event, FeedbackGivenV2):
        return f"feedback-{event.organisation_id}/{event.feedback_id}"
    if "goal_id" in data:
        return f"goal-{data['goal_id']}"
    return f"reporting_line-{data['employee_id']}"


def record(event: EventContract, *, event_id: uuid.UUID | None = None, sequence: int = 1) -> KafkaRecord:
    """The record its service's relay publishes: ce_* headers, the JSON data, keyed by stream."""
    stream = stream_of(event)
    moment = event.moment()
    assert moment is not None
    envelope = Envelope.for_event(
        event.event_type(),
        id=str(event_id or uuid.uuid4()),
        subject=stream.partition("-")[2],
        time=moment,
        sequence=sequence,
    )
    encoded = encode_binary(envelope, event)
    return KafkaRecord(key=stream.encode(), headers=encoded.headers, value=encoded.value)


@dataclass(frozen=True)
class ConsumedRecord:
    """What aiokafka hands a consumer, for the consumer's ``process``."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


class Feed:
    """Hands records to the recognition consumer's processing, one after the other."""

    def __init__(self, consumer: EventConsumer, topic: str = "trellis.goals.events.v1") -> None:
        self.consumer = consumer
        self.topic = topic
        self.offset = 0

    async def __call__(self, *events: EventContract | KafkaRecord) -> None:
        for event in events:
            rec = event if isinstance(event, KafkaRecord) else record(event)
            self.offset += 1
            await self.consumer.process(
                ConsumedRecord(self.topic, 0, self.offset, rec.key, rec.value, list(rec.headers))
            )


def day_at(day: date, hour: int = 9) -> datetime:
    from datetime import UTC

    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
