"""The goals, feedback and recognition topics, routed to the subscriptions that want each event.

``PersonErased`` is routed like any event and, in the same transaction, the delivery log forgets
the clear text it kept about the person (``delivery.erasure``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from faststream.kafka import KafkaBroker

from trellis_contracts.catalogue import CATALOGUE
from trellis_contracts.goals import PersonErased
from trellis_integrations.delivery.erasure import forget_person
from trellis_integrations.delivery.routing import route, routed_event
from trellis_kernel.consumers import ConsumerSettings, EventConsumer, IncomingEvent
from trellis_kernel.consumers.cloudevents import decode_cloudevent
from trellis_kernel.store import Connection, Pool

DEFAULT_SETTINGS = ConsumerSettings()


def live_consumer(
    name: str,
    *,
    broker: KafkaBroker,
    pool: Pool,
    topics: Sequence[str],
    clock: Callable[[], datetime],
    settings: ConsumerSettings = DEFAULT_SETTINGS,
) -> EventConsumer:
    consumer = EventConsumer(
        name, broker=broker, pool=pool, topics=topics, decode=decode_cloudevent, settings=settings
    )

    async def deliver(event: IncomingEvent, connection: Connection) -> None:
        routed = routed_event(event)
        if routed is not None:
            await route(connection, routed, now=clock())

    async def erase(event: IncomingEvent, connection: Connection) -> None:
        await deliver(event, connection)
        erased = PersonErased.model_validate(event.data)
        await forget_person(connection, erased.organisation_id, erased.employee_id)

    for event_type in CATALOGUE:  # any published event may be subscribed to
        consumer.handles(event_type)(erase if event_type == PersonErased.event_type() else deliver)
    return consumer
