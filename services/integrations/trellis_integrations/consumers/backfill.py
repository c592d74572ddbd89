"""A service's replayed history, delivered to the one subscription a backfill was asked for.

Services replay to one topic (``IntegrationsSettings.backfill_topic``); each record names its
backfill (``trellis-backfill-id``), and the job of that id names the subscription. The same event
may be replayed by several backfills, so the claim of the kernel's EventConsumer is made per
(backfill, event): the decoder derives that id; the delivery keeps the CloudEvent's own id.
When the end marker of every partition has been read the job is ``replayed``, and the live
deliveries the subscription held meanwhile go out, each aggregate in order.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from faststream.kafka import KafkaBroker

from trellis_contracts.catalogue import CATALOGUE
from trellis_integrations.consumers.live import DEFAULT_SETTINGS
from trellis_integrations.delivery.routing import REPLAYED_BY, route, routed_event
from trellis_integrations.delivery.tables import NOTIFY
from trellis_kernel.backfill import backfill_id_of, end_marker
from trellis_kernel.consumers import ConsumerSettings, DecodedEvent, EventConsumer, IncomingEvent
from trellis_kernel.consumers.cloudevents import decode_cloudevent
from trellis_kernel.consumers.incoming import Headers
from trellis_kernel.store import Connection, Pool

END_OF_REPLAY = "trellis.backfill.end"
_CLAIMS = uuid.uuid5(uuid.NAMESPACE_URL, "https://trellis.dev/integrations/backfill-claims")


class NotABackfillRecord(ValueError):
    pass


def decode_replayed(headers: Headers, value: bytes) -> DecodedEvent:
    marker = end_marker(headers)
    if marker is not None:
        return DecodedEvent(
            event_id=uuid.uuid5(_CLAIMS, f"{marker.backfill_id}/end/{marker.partition}"),
            event_type=END_OF_REPLAY,
            source="/trellis/backfill",
            data={
                "backfill_id": str(marker.backfill_id),
                "partition": marker.partition,
                "partitions": marker.partitions,
                "events": marker.events,
            },
        )
    backfill_id = backfill_id_of(headers)
    if backfill_id is None:
        raise NotABackfillRecord("the record names no backfill (trellis-backfill-id)")
    decoded = decode_cloudevent(headers, value)
    return DecodedEvent(
        event_id=uuid.uuid5(_CLAIMS, f"{backfill_id}/{decoded.event_id}"),
        event_type=decoded.event_type,
        source=decoded.source,
        data=decoded.data,
        subject=decoded.subject,
        attributes={**(decoded.attributes or {}), REPLAYED_BY: str(backfill_id)},
    )


class UnknownBackfillJob(LookupError):
    pass


def backfill_consumer(
    name: str,
    *,
    broker: KafkaBroker,
    pool: Pool,
    topic: str,
    clock: Callable[[], datetime],
    settings: ConsumerSettings = DEFAULT_SETTINGS,
) -> EventConsumer:
    consumer = EventConsumer(
        name, broker=broker, pool=pool, topics=[topic], decode=decode_replayed, settings=settings
    )

    jobs: dict[str, tuple[str, str, list[str]]] = {}  # what a job delivers never changes

    async def job(connection: Connection, backfill_id: str) -> tuple[str, str, list[str]]:
        if backfill_id in jobs:
            return jobs[backfill_id]
        row = await connection.fetchrow(
            "SELECT organisation_id, subscription_id, event_types FROM backfill_jobs WHERE backfill_id = $1",
            uuid.UUID(backfill_id),
        )
        if row is None:
            raise UnknownBackfillJob(f"no subscription waits for backfill {backfill_id}")
        jobs[backfill_id] = (row["organisation_id"], row["subscription_id"], row["event_types"])
        return jobs[backfill_id]

    async def deliver(event: IncomingEvent, connection: Connection) -> None:
        backfill_id = (event.decoded.attributes or {})[REPLAYED_BY]
        organisation_id, subscription_id, event_types = await job(connection, backfill_id)
        routed = routed_event(event)
        # A replay may hold more than the job asked for; only the subscription's own go to it.
        if (
            routed is None
            or routed.organisation_id != organisation_id
            or routed.event_type not in event_types
        ):
            return
        await route(connection, routed, now=clock(), only=subscription_id, backfill_id=uuid.UUID(backfill_id))

    async def end(event: IncomingEvent, connection: Connection) -> None:
        backfill_id = uuid.UUID(event.data["backfill_id"])
        await job(connection, str(backfill_id))
        replayed = await connection.fetchval(
            """
            UPDATE backfill_jobs
               SET partitions = $2, announced_events = $3,
                   partitions_done = CASE WHEN $4 = ANY(partitions_done) THEN partitions_done
                                          ELSE array_append(partitions_done, $4) END
             WHERE backfill_id = $1
         RETURNING cardinality(partitions_done) >= partitions
            """,
            backfill_id,
            event.data["partitions"],
            event.data["events"],
            event.data["partition"],
        )
        if replayed:
            await connection.execute(
                "UPDATE backfill_jobs SET state = 'replayed', replayed_at = $2 WHERE backfill_id = $1"
                " AND state = 'replaying'",
                backfill_id,
                clock(),
            )
            await connection.execute(NOTIFY)

    for event_type in CATALOGUE:
        consumer.handles(event_type)(deliver)
    consumer.handles(END_OF_REPLAY)(end)
    return consumer
