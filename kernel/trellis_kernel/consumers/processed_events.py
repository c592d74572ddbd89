"""The idempotency ledger: which events each consumer has already applied."""

from __future__ import annotations

from uuid import UUID

from trellis_kernel.store.connections import Connection

SCHEMA = """
create table if not exists processed_events (
    consumer text not null,
    event_id uuid not null,
    processed_at timestamptz not null default now(),
    primary key (consumer, event_id)
)
"""


async def setup(connection: Connection) -> None:
    await connection.execute(SCHEMA)


async def claim(connection: Connection, consumer: str, event_id: UUID) -> bool:
    """Record the event as applied by ``consumer``; False if it already was.

    Run it in the transaction of the event's effect: if the effect rolls back, so does the
    claim, and a redelivery is applied again; if it commits, a redelivery changes nothing.
    Two deliveries racing each other serialise on the primary key.
    """
    claimed: bool | None = await connection.fetchval(
        """
        insert into processed_events (consumer, event_id) values ($1, $2)
        on conflict do nothing
        returning true
        """,
        consumer,
        event_id,
    )
    return claimed is True
