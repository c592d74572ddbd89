"""Which subscriptions an event goes to, recorded as deliveries in the consumer's transaction.

Runs inside the transaction that claims the event as processed (the kernel's EventConsumer), so
an event consumed again after a crash is neither routed twice nor lost; the unique key on
(subscription, event) makes a backfill's copy of an event that already came live a no-op too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from trellis_contracts.envelope import Envelope, structured_event
from trellis_integrations.delivery.erasure import without_erased_people
from trellis_integrations.delivery.tables import NOTIFY_CHANNEL
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


# One statement (one round trip): the subscriptions that want the event, its body kept once, a
# delivery for each, and the dispatcher woken for live events.
_ROUTE = (
    """
WITH targets AS (
    SELECT subscription_id FROM subscriptions
    WHERE organisation_id = $1 AND status <> 'removed' AND event_types @> ARRAY[$3::text]
      AND ($10::text IS NULL OR subscription_id = $10)
), body AS (
    INSERT INTO delivery_events (event_id, event_type, organisation_id, source, time, body)
    SELECT $2, $3, $1, $4, $5, $6 WHERE EXISTS (SELECT FROM targets)
    ON CONFLICT (event_id) DO NOTHING
), new AS (
    INSERT INTO deliveries (organisation_id, subscription_id, event_id, event_type, aggregate, sequence,
                            backfill_id, next_attempt_at, created_at)
    SELECT $1, subscription_id, $2, $3, $7, $8, $9, $11, $11 FROM targets
    ON CONFLICT (organisation_id, subscription_id, event_id) DO NOTHING
    RETURNING 1
)
SELECT count, CASE WHEN count > 0 AND $9::uuid IS NULL THEN pg_notify('"""
    + NOTIFY_CHANNEL
    + """', '') END
FROM (SELECT count(*) AS count FROM new) AS routed
"""
)


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
    still get theirs: they wait, and go out when it is enabled again. Live deliveries wake the
    dispatcher at commit; a backfill's many do not (it polls), so that a replay does not make
    every commit in the cluster queue for the notification lock. Clear personal text about a person
    erased before is kept erased (``delivery.erasure``)."""
    body = await without_erased_people(connection, event.organisation_id, event.event_type, event.body)
    row = await connection.fetchrow(
        _ROUTE,
        event.organisation_id,
        event.event_id,
        event.event_type,
        event.source,
        event.time,
        body,
        event.aggregate,
        event.sequence,
        backfill_id,
        only,
        now,
    )
    assert row is not None
    return int(row["count"])
