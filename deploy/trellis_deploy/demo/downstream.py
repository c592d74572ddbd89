"""What a downstream consumer saw: the records published on the services' topics since the
demo began, read back with only the contracts (as an integrator would) and kept when they
belong to the demo's organisation."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from trellis_contracts import feedback, recognition
from trellis_contracts.envelope import decode_record
from trellis_contracts.goals import GoalAgreed, MilestoneReached


@dataclass
class TopicView:
    topic: str
    counts: Counter[str] = field(default_factory=Counter)
    highlights: list[str] = field(default_factory=list)
    seen_ids: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


async def end_offsets(bootstrap: str, topics: list[str]) -> dict[TopicPartition, int]:
    """Where each partition of ``topics`` ends now: the demo reads from there afterwards."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    partitions = [
        TopicPartition(d["topic"], p["partition"]) for d in described for p in d.get("partitions", [])
    ]
    missing = set(topics) - {tp.topic for tp in partitions}
    if missing:
        raise RuntimeError(f"the topics {sorted(missing)} have no partitions on {bootstrap}")
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed")
    await consumer.start()
    try:
        offsets: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
        return offsets
    finally:
        await _stop(consumer)


async def read_since(
    bootstrap: str,
    start: dict[TopicPartition, int],
    organisation_id: str,
    expected: dict[str, int],
    wait_seconds: float = 60.0,
) -> dict[str, TopicView]:
    """Reads from ``start`` until each topic holds ``expected`` events of the organisation (the
    outbox relays publish a moment after the APIs answer) or ``wait_seconds`` pass."""
    logging.getLogger("aiokafka").setLevel(logging.ERROR)
    views = {tp.topic: TopicView(tp.topic) for tp in start}
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, isolation_level="read_committed", enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(list(start))
        for tp, offset in start.items():
            consumer.seek(tp, offset)
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline and any(
            views[t].total < n for t, n in expected.items() if t in views
        ):
            batches = await consumer.getmany(timeout_ms=500)
            for tp, records in batches.items():
                for record in records:
                    _take(views[tp.topic], record.headers, record.value or b"", organisation_id)
    finally:
        await _stop(consumer)
    return views


async def _stop(consumer: AIOKafkaConsumer) -> None:
    """aiokafka's group-less consumer can re-raise the cancellation of its own internal task
    on stop; only a cancellation of ours is passed on."""
    try:
        await consumer.stop()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise


def _take(view: TopicView, headers: object, value: bytes, organisation_id: str) -> None:
    try:
        decoded = decode_record(headers, value)  # type: ignore[arg-type]
    except Exception:  # another producer's record on a shared topic: not ours to judge
        return
    event = decoded.data
    if getattr(event, "organisation_id", None) != organisation_id or decoded.envelope.id in view.seen_ids:
        return
    view.seen_ids.add(decoded.envelope.id)
    view.counts[re.sub(r"V\d+$", "", type(event).__name__)] += 1
    highlight = _highlight(event)
    if highlight:
        view.highlights.append(highlight)


def _highlight(event: object) -> str | None:
    """What an integrator would act on, in a line (never a personal free text)."""
    match event:
        case MilestoneReached():
            # Its title is sealed with the employee's key: an integrator opens it with the key.
            return (
                f"payroll/LMS: {event.employee_id} reached milestone {event.milestone_id} of "
                f"{event.goal_id} on {event.reached_on}"
            )
        case GoalAgreed():
            return f"goal {event.goal_id} agreed by {event.agreed_by}"
        case feedback.FeedbackGivenV2():
            return (
                f"{event.kind} feedback for {event.recipient_id} from {event.giver_id} ({event.relationship})"
            )
        case feedback.FeedbackRequestClosed() if event.anonymous:
            return (
                f"anonymous {event.kind} request for {event.recipient_id} closed: {event.answered_count} "
                f"answered, results {event.results} (no author, no text on the topic)"
            )
        case feedback.ConversationHeldV2():
            return (
                f"conversation held: {event.employee_id} with {event.manager_id}, "
                f"{len(event.agreed_actions)} action(s) agreed"
            )
        case recognition.RewardGrantedV2():
            money = (
                f"{event.amount.amount} {event.amount.currency}" if event.amount else f"{event.points} points"
            )
            return f"payroll: {event.kind} of {money} for {event.recipient_id} (policy {event.policy_id})"
        case recognition.CompensationAdjustmentProposedV2():
            return f"payroll: pay change proposed for {event.employee_id}, waiting for HR"
        case recognition.CompensationAdjustmentApprovedV2():
            return (
                f"payroll: pay change for {event.employee_id} of {event.change.amount} {event.change.currency} "
                f"({event.pay_period}) approved by {event.approved_by_id}, effective {event.effective_on}"
            )
        case recognition.RecognitionAwardedV2():
            return f"recognition ({event.visibility}) for {event.recipient_id} by rule {event.rule_id}"
        case recognition.InitiativeLeadProposed():
            return f"{event.employee_id} is proposed to lead an initiative (rule {event.rule_id})"
        case recognition.PeerRecognitionGiven():
            return f"{event.giver_id} recognised {event.recipient_id} ({event.visibility})"
    return None
