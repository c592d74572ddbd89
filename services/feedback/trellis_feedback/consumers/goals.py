"""The consumer of the goals topic: reporting lines, goals and milestones kept as facts.

The kernel's EventConsumer claims (consumer, event id) in the transaction that applies the
event to the ``GOALS_FACTS`` read models, so a goals event delivered twice changes nothing. Each
read-model row also keeps the version its goals stream was at (the CloudEvents ``sequence``), so
replaying the goals topic from the start (a new consumer group, an offset reset) leaves them
as they are. Goals events the facts do not need are skipped; an event that does not match its
contract, or carries no sequence, goes to the dead-letter topic. ``PersonErased`` erases the
person from the service (``trellis_feedback.erasure``) in the claim's transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from uuid import UUID

from faststream.kafka import KafkaBroker
from pydantic import ValidationError

from trellis_contracts import goals as g
from trellis_contracts.catalogue import contract_for
from trellis_contracts.protected import reveal
from trellis_feedback.projections import GOALS_FACTS
from trellis_feedback.projections.goals_facts import GOAL_EVENTS
from trellis_kernel.consumers import ConsumerSettings, EventConsumer, IncomingEvent
from trellis_kernel.consumers.cloudevents import decode_cloudevent
from trellis_kernel.store import Connection, Pool, Position, StoredEvent

FACTS_FROM = (g.ReportingLineChanged.event_type(), *GOAL_EVENTS)
"""The goals types feedback keeps facts of: reporting lines, and the goal events its facts read."""
PRINCIPAL = "trellis-goals"


class NoSequence(ValueError):
    """A goals event without its stream version cannot be applied in order."""


def as_stored(event: IncomingEvent) -> StoredEvent:
    """The incoming event as the facts projections read it: its goals stream version is the
    CloudEvents ``sequence``."""
    contract = contract_for(event.event_type)
    # Checked as the facts will read it: without the goals service's keys, its protected fields
    # read as erased (the projections reveal the payload as published).
    data = contract.model_validate(reveal(contract, event.data))
    attributes = event.decoded.attributes or {}
    sequence = attributes.get("sequence")
    if sequence is None or not sequence.isdigit() or int(sequence) < 1:
        raise NoSequence(f"the goals event {event.event_id} carries no stream version (sequence)")
    key = event.coordinates.key
    return StoredEvent(
        event_id=event.event_id,
        stream_id=key.decode("utf-8", "replace") if key else (event.decoded.subject or ""),
        version=int(sequence),
        position=Position.START,
        event_type=event.event_type,
        schema_version=1,
        payload=dict(event.data),
        occurred_at=data.moment() or datetime.now(UTC),
        recorded_at=datetime.now(UTC),
        correlation_id=None,
        causation_id=event.event_id,
        principal=PRINCIPAL,
    )


async def apply_goals_fact(event: IncomingEvent, connection: Connection) -> None:
    stored = as_stored(event)
    for projection in GOALS_FACTS:
        await projection.apply(connection, stored, "public")


PersonErasure = Callable[[g.PersonErased, UUID, Connection], Awaitable[object]]
"""What the service does when a person is erased, in the transaction that claims the event."""


def goals_consumer(
    name: str,
    *,
    broker: KafkaBroker,
    pool: Pool,
    topic: str,
    settings: ConsumerSettings | None = None,
    on_person_erased: PersonErasure | None = None,
) -> EventConsumer:
    consumer = EventConsumer(
        name,
        broker=broker,
        pool=pool,
        topics=[topic],
        decode=decode_cloudevent,
        settings=settings or ConsumerSettings(non_retryable=(ValidationError, NoSequence)),
    )
    for event_type in FACTS_FROM:
        consumer.handles(event_type)(apply_goals_fact)
    if on_person_erased is not None:
        erase = on_person_erased

        async def person_erased(event: IncomingEvent, connection: Connection) -> None:
            await erase(g.PersonErased.model_validate(event.data), event.event_id, connection)

        consumer.handles(g.PersonErased.event_type())(person_erased)
    return consumer
