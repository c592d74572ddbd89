"""Events the relay set aside because they cannot be published, kept in the service's database.

The relay never stops for one event: when the encoder cannot make a record of it or the broker
refuses the record (too large, say), the event is set aside here, a notice goes to the service's
dead-letter topic with the reason, and publishing goes on with the events after it. So that no
consumer sees a stream's events out of order, the later events of a stream with an event set
aside are set aside too (reason ``stream-blocked``) until the first is published.

An operator lists them (``trellis relay quarantined <service>``), fixes the cause (the broker's or
topic's size limit, say) and asks for a retry (``trellis relay retry <service> <event-id>``): the
leading relay then publishes the stream's set-aside events in version order, stopping at the
first that still fails. The events themselves stay in the event store, untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final
from uuid import UUID

from trellis_kernel.store.connections import Connection
from trellis_kernel.store.records import StoredEvent

UNPUBLISHABLE: Final = "unpublishable"  # the encoder cannot make a record of it
REFUSED: Final = "refused-by-broker"  # the producer or the broker refused the record
STREAM_BLOCKED: Final = "stream-blocked"  # an earlier event of its stream is set aside
RETRY_CHANNEL: Final = "trellis_relay_retry"

SCHEMA: Final = """
create table if not exists relay_quarantine (
    relay               text not null,
    event_id            uuid not null,
    stream_id           text not null,
    version             integer not null,
    event_type          text not null,
    transaction_id      bigint not null,
    global_position     bigint not null,
    reason              text not null,
    error               text not null,
    attempts            integer not null default 1,
    quarantined_at      timestamptz not null default now(),
    last_attempt_at     timestamptz not null default now(),
    retry_requested_at  timestamptz,
    published_at        timestamptz,
    primary key (relay, event_id)
);
create index if not exists relay_quarantine_waiting_idx
    on relay_quarantine (relay, stream_id, version) where published_at is null
"""


@dataclass(frozen=True)
class SetAsideEvent:
    relay: str
    event_id: UUID
    stream_id: str
    version: int
    event_type: str
    reason: str
    error: str
    attempts: int
    quarantined_at: datetime
    last_attempt_at: datetime
    retry_requested_at: datetime | None
    published_at: datetime | None

    @property
    def status(self) -> str:
        if self.published_at is not None:
            return "published"
        return "retry requested" if self.retry_requested_at is not None else "set aside"


async def setup(connection: Connection) -> None:
    await connection.execute(SCHEMA)


async def set_aside(connection: Connection, relay: str, event: StoredEvent, reason: str, error: str) -> None:
    """Record ``event`` as set aside (again: one more attempt, the latest error)."""
    await connection.execute(
        """
        insert into relay_quarantine (relay, event_id, stream_id, version, event_type,
                                      transaction_id, global_position, reason, error)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        on conflict (relay, event_id) do update
           set reason = excluded.reason, error = excluded.error,
               attempts = relay_quarantine.attempts + 1, last_attempt_at = now(),
               retry_requested_at = null
        """,
        relay,
        event.event_id,
        event.stream_id,
        event.version,
        event.event_type,
        event.position.transaction_id,
        event.position.global_position,
        reason,
        error,
    )


async def blocked_streams(connection: Connection, relay: str) -> set[str]:
    """Streams with an event set aside and not published since."""
    rows = await connection.fetch(
        "select distinct stream_id from relay_quarantine where relay = $1 and published_at is null", relay
    )
    return {row["stream_id"] for row in rows}


async def listed(
    connection: Connection, relay: str, *, include_published: bool = False
) -> list[SetAsideEvent]:
    rows = await connection.fetch(
        """
        select relay, event_id, stream_id, version, event_type, reason, error, attempts,
               quarantined_at, last_attempt_at, retry_requested_at, published_at
        from relay_quarantine
        where relay = $1 and ($2 or published_at is null)
        order by quarantined_at, stream_id, version
        """,
        relay,
        include_published,
    )
    return [SetAsideEvent(**dict(row)) for row in rows]


async def request_retry(connection: Connection, relay: str, event_id: UUID) -> list[SetAsideEvent]:
    """Ask the leading relay to publish the set-aside events of ``event_id``'s stream, in version
    order; returns them. Raises LookupError when the event is not set aside (or published)."""
    async with connection.transaction():
        stream = await connection.fetchval(
            "select stream_id from relay_quarantine where relay = $1 and event_id = $2 and published_at is null",
            relay,
            event_id,
        )
        if stream is None:
            raise LookupError(
                f"relay {relay!r} has no event {event_id} set aside (or it was published since)"
            )
        await connection.execute(
            "update relay_quarantine set retry_requested_at = now()"
            " where relay = $1 and stream_id = $2 and published_at is null",
            relay,
            stream,
        )
        await connection.execute("select pg_notify($1, $2)", RETRY_CHANNEL, relay)
        rows = await listed(connection, relay)
    return [row for row in rows if row.stream_id == stream]


async def requested_retries(connection: Connection, relay: str) -> dict[str, list[tuple[UUID, int]]]:
    """Per stream, the (event id, version) of its set-aside events, oldest first, for every stream
    whose retry was requested."""
    rows = await connection.fetch(
        """
        select stream_id, event_id, version from relay_quarantine q
        where relay = $1 and published_at is null
          and exists (select from relay_quarantine r where r.relay = q.relay and r.stream_id = q.stream_id
                      and r.published_at is null and r.retry_requested_at is not null)
        order by stream_id, version
        """,
        relay,
    )
    streams: dict[str, list[tuple[UUID, int]]] = {}
    for row in rows:
        streams.setdefault(row["stream_id"], []).append((row["event_id"], row["version"]))
    return streams


async def mark_published(connection: Connection, relay: str, event_id: UUID) -> None:
    await connection.execute(
        "update relay_quarantine set published_at = now(), last_attempt_at = now(), attempts = attempts + 1"
        " where relay = $1 and event_id = $2",
        relay,
        event_id,
    )
