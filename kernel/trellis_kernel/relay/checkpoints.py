"""Where a relay has got to in the store's global order, kept in the service's own database."""

from __future__ import annotations

from trellis_kernel.store.connections import Connection
from trellis_kernel.store.records import Position

SCHEMA = """
create table if not exists relay_checkpoints (
    name text primary key,
    transaction_id bigint not null,
    global_position bigint not null,
    updated_at timestamptz not null default now()
)
"""


class RelayCheckpoints:
    """Load and advance a named relay's checkpoint; it never moves backwards."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def setup(self, connection: Connection) -> None:
        await connection.execute(SCHEMA)

    async def load(self, connection: Connection) -> Position:
        row = await connection.fetchrow(
            "select transaction_id, global_position from relay_checkpoints where name = $1",
            self.name,
        )
        if row is None:
            return Position.START
        return Position(row["transaction_id"], row["global_position"])

    async def save(self, connection: Connection, position: Position) -> None:
        # The row-comparison guard keeps the checkpoint monotonic even if a replica that lost
        # its lock (and does not know yet) writes an older position after the new leader.
        await connection.execute(
            """
            insert into relay_checkpoints (name, transaction_id, global_position)
            values ($1, $2, $3)
            on conflict (name) do update
               set transaction_id = excluded.transaction_id,
                   global_position = excluded.global_position,
                   updated_at = now()
             where (relay_checkpoints.transaction_id, relay_checkpoints.global_position)
                 < (excluded.transaction_id, excluded.global_position)
            """,
            self.name,
            position.transaction_id,
            position.global_position,
        )
