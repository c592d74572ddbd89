"""Which subscriptions an event goes to, recorded as deliveries in the consumer's transaction.

Runs inside the transaction that claims the event as processed (the kernel's EventConsumer), so
an event consumed again after a crash is neither routed twice nor lost; the unique key on
(subscription, event) makes a backfill's copy of an event that already came live a no-op too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from trellis_contracts.envelope import Envelope, structured_event
from trellis_integrations.delivery.tables import NOTIFY
from trellis_kernel.consumers import IncomingEvent
from trellis_kernel.store import Connection

REPLAYED_BY = "trellisbackfillid"
"""Set by the backfill consumer's decoder on a replayed event; never part of the delivered body."""


@dataclass(frozen=True)
class RoutedEvent:
    """An event as the delivery log keeps it."""

    event_id: UUID
    event_type: str
    organisation_id: str
    source: str
    time: datetime
    body: str
    """The CloudEvent in structured JSON mode, exactly the bytes a webhook delivery sends."""
    aggregate: str
    """Source and stream: deliveries of one aggregate to one subscription go in order."""
    sequence: int
    """The event's version in its stream (``ce_sequence``)."""


def routed_event(event: IncomingEvent) -> RoutedEvent | None:
    """The event to deliver, or None when it names no organisation (no subscription can want it)."""
    organisation_id = event.data.get("organisation_id")
    if not isinstance(organisation_id, str):
        return None
    attributes = {k: v for k, v in (event.decoded.attributes or {}).items() if k != REPLAYED_BY}
    envelope = Envelope.from_attributes(attributes)
    key = event.coordinates.key.decode("utf-8", "replace") if event.coordinates.key else envelope.subject
    return RoutedEvent(
        event_id=UUID(envelope.id),
        event_type=envelope.type,
        organisation_id=organisation_id,
        source=envelope.source,
        time=envelope.time,
        body=structured_event(envelope, event.data).decode("utf-8"),
        aggregate=f"{envelope.source} {key}",
        sequence=envelope.sequence or 0,
    )


_MATCHING = """
SELECT subscription_id FROM subscriptions
WHERE organisation_id = $1 AND status <> 'removed' AND event_types @> ARRAY[$2::text]
"""


async def route(
    connection: Connection,
    event: RoutedEvent,
    *,
    now: datetime,
    only: str | None = None,
    backfill_id: UUID | None = None,
) -> int:
    """Record a delivery for every subscription of the event's organisation and type (or only for
    subscription ``only``, for a backfill); returns how many are new. Disabled subscriptions
    still get theirs: they wait, and go out when it is enabled again."""
    rows = await connection.fetch(_MATCHING, event.organisation_id, event.event_type)
    targets = [row["subscription_id"] for row in rows if only is None or row["subscription_id"] == only]
    if not targets:
        return 0
    await connection.execute(
        """
        INSERT INTO delivery_events (event_id, event_type, organisation_id, source, time, body)
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING
        """,
        event.event_id,
        event.event_type,
        event.organisation_id,
        event.source,
        event.time,
        event.body,
    )
    inserted: Any = await connection.fetchval(
        """
        WITH new AS (
            INSERT INTO deliveries (organisation_id, subscription_id, event_id, event_type, aggregate,
                                    sequence, backfill_id, next_attempt_at, created_at)
            SELECT $1, target, $2, $3, $4, $5, $6, $7, $7 FROM unnest($8::text[]) AS target
            ON CONFLICT (organisation_id, subscription_id, event_id) DO NOTHING
            RETURNING 1
        )
        SELECT count(*) FROM new
        """,
        event.organisation_id,
        event.event_id,
        event.event_type,
        event.aggregate,
        event.sequence,
        backfill_id,
        now,
        targets,
    )
    if inserted:
        await connection.execute(NOTIFY)
    return int(inserted)
