"""The consumer of the goals and feedback topics, on the kernel's EventConsumer.

For every event it handles, in ONE transaction with the claim of (consumer, event id): the
event is checked against its contract (one that does not match goes to the dead-letter topic),
folded into the facts the service keeps (goals, teams, the history of triggering events), and,
when a policy may react to it, the policies in effect at its time are evaluated and each
outcome recorded on its own stream. A redelivered event finds its claim and changes nothing;
a transaction that rolled back (a crash, a lost race) left nothing and runs again.

Every major version the contracts know of each handled event is handled; an event of a type
without a handler (another event of those services, or a major version newer than these
contracts) is skipped.

``PersonErased`` (goals topic): in the claim's transaction, the person's data keys are shredded
and the read models forget the text derived from them (``RecognitionApplication.erase_person``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

from faststream.kafka import KafkaBroker

from trellis_contracts import goals as g
from trellis_contracts.catalogue import CATALOGUE, contract_for
from trellis_contracts.protected import reveal
from trellis_kernel.consumers import ConsumerSettings, EventConsumer, IncomingEvent
from trellis_kernel.consumers.cloudevents import decode_cloudevent
from trellis_kernel.projections.inline import apply_all
from trellis_kernel.store import Connection, Position, StoredEvent
from trellis_recognition.application import RecognitionApplication
from trellis_recognition.application.reactions import PRINCIPAL, serialise_per_employee
from trellis_recognition.domain.triggers import TRIGGER_SOURCES, EventName, triggering_event
from trellis_recognition.projections import FACT_PROJECTIONS

CONSUMER_NAME = "trellis-recognition"
"""The consumer's name: its Kafka group id and its key in the processed-events ledger."""

FACT_EVENTS: Final = frozenset(
    event.event_type()
    for event in g.with_protecting_majors(
        g.GoalProposed,
        g.GoalCreated,
        g.MilestoneAdded,
        g.GoalCompleted,
        g.GoalAbandoned,
        g.GoalManagerChanged,
        g.ReportingLineChanged,
    )
)


def handled_types() -> frozenset[str]:
    """The facts' events and every version the contracts know of each event policies react to."""
    triggers = {
        event_type
        for event_type in CATALOGUE
        if (name := EventName.of_type(event_type)) is not None
        and (name.base in TRIGGER_SOURCES or name.versioned in TRIGGER_SOURCES)
    }
    return FACT_EVENTS | triggers


def readable(event: IncomingEvent) -> dict[str, Any]:
    """The event's data with the protected fields of another service read as erased (this
    service holds no keys of theirs)."""
    return reveal(contract_for(event.event_type), event.data)


def as_stored(event: IncomingEvent) -> StoredEvent:
    """The consumed event as the fact projections fold it: its id, type, data (protected fields
    read as erased) and time (the CloudEvents ``time``), its stream version as published
    (``sequence``)."""
    attributes = event.decoded.attributes or {}
    moment = _time(attributes.get("time")) or datetime.now(UTC)
    key = event.coordinates.key
    return StoredEvent(
        event_id=event.event_id,
        stream_id=key.decode("utf-8", "replace") if key else event.decoded.subject or "",
        version=int(attributes.get("sequence") or 0),
        position=Position.START,
        event_type=event.event_type,
        schema_version=1,
        payload=readable(event),
        occurred_at=moment,
        recorded_at=moment,
        correlation_id=None,
        causation_id=event.event_id,
        principal=event.decoded.source,
    )


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def recognition_consumer(
    application: RecognitionApplication,
    broker: KafkaBroker,
    topics: Sequence[str],
    *,
    name: str = CONSUMER_NAME,
    settings: ConsumerSettings | None = None,
) -> EventConsumer:
    """The consumer, its handlers registered; ``setup()`` and ``subscribe()`` it before the
    broker starts."""
    consumer = EventConsumer(
        name,
        broker=broker,
        pool=application.pool,
        topics=topics,
        decode=decode_cloudevent,
        settings=settings or ConsumerSettings(),
    )

    async def handle(event: IncomingEvent, connection: Connection) -> None:
        data = readable(event)
        contract_for(event.event_type).model_validate(data)  # a mismatch is dead-lettered
        trigger = triggering_event(str(event.event_id), event.event_type, data)
        if trigger is not None:
            await serialise_per_employee(connection, trigger)
        await apply_all(connection, FACT_PROJECTIONS, [as_stored(event)], "public")
        if trigger is not None:
            await application.react(
                trigger, connection=connection, metadata=event.reaction_metadata(PRINCIPAL)
            )

    async def erase(event: IncomingEvent, connection: Connection) -> None:
        erased = g.PersonErased.model_validate(event.data)
        await application.erase_person(
            erased.organisation_id,
            erased.employee_id,
            erased_by=erased.erased_by,
            reason=f"PersonErased {event.event_id} (erasure {erased.erasure_id})",
            connection=connection,
        )

    for event_type in sorted(handled_types()):
        consumer.handles(event_type)(handle)
    consumer.handles(g.PersonErased.event_type())(erase)
    return consumer
