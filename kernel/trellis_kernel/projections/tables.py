"""Creating a projection's tables and its checkpoint row, and noticing tables that an earlier
version of the projection made."""

from __future__ import annotations

import hashlib
from typing import Final

from trellis_kernel.projections.projection import Projection, checked_identifier, render_ddl
from trellis_kernel.store import Connection, Pool, Position

CHECKPOINTS_TABLE: Final = """
CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name            text PRIMARY KEY,
    transaction_id  bigint NOT NULL,
    global_position bigint NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
)
"""

_LOCK_PROJECTION: Final = "SELECT pg_advisory_xact_lock(hashtext('trellis_kernel.projection:' || $1))"


async def lock_projection_ddl(connection: Connection, projection: Projection) -> None:
    """Serialise setup and rebuild of one projection (transaction-scoped)."""
    await connection.execute(_LOCK_PROJECTION, projection.name)


async def existing_tables(connection: Connection, projection: Projection, schema: str) -> list[str]:
    rows = await connection.fetch(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = $1 AND table_name = ANY($2::text[])",
        checked_identifier(schema),
        [checked_identifier(table) for table in projection.tables],
    )
    return [row["table_name"] for row in rows]


async def setup_projection(
    pool: Pool, projection: Projection, *, schema: str = "public", checkpoint: bool = True
) -> None:
    """Create the projection's tables if none exists, and (for a projection a runner keeps up to
    date) its checkpoint at the start of the store. Idempotent."""
    async with pool.acquire() as connection, connection.transaction():
        await lock_projection_ddl(connection, projection)
        await connection.execute(CHECKPOINTS_TABLE)
        present = await existing_tables(connection, projection, schema)
        if not present:
            await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {checked_identifier(schema)}")
            for statement in render_ddl(projection, schema):
                await connection.execute(statement)
        elif len(present) != len(projection.tables):
            missing = sorted(set(projection.tables) - set(present))
            raise RuntimeError(
                f"projection {projection.name} is half installed in {schema}: missing {missing}; rebuild it"
            )
        if checkpoint:
            await ensure_checkpoint(connection, projection)


async def differences_from_ddl(connection: Connection, projection: Projection, schema: str) -> list[str]:
    """How the projection's tables in `schema` differ from what its DDL makes now, found by making
    them in a scratch schema and comparing the two in the catalog (the scratch schema is rolled
    back). Empty when they are the same."""
    probe = "trellis_probe_" + hashlib.sha256(projection.name.encode()).hexdigest()[:16]
    scratch = connection.transaction()  # a savepoint when the caller has a transaction open
    await scratch.start()
    try:
        await connection.execute(f"CREATE SCHEMA {probe}")
        for statement in render_ddl(projection, probe):
            await connection.execute(statement)
        wanted = await _shape(connection, projection, probe)
    finally:
        await scratch.rollback()
    found = await _shape(connection, projection, checked_identifier(schema))
    return [f"expected {item}" for item in sorted(wanted - found)] + [
        f"not expected {item}" for item in sorted(found - wanted)
    ]


async def _shape(connection: Connection, projection: Projection, schema: str) -> set[str]:
    """The tables' columns (name, type, nullability, default) and indexes, without the schema
    (a default may name a sequence in it)."""
    rows = await connection.fetch(
        """
        SELECT format('column %s.%s %s%s%s', c.table_name, c.column_name, c.data_type,
                      CASE WHEN c.is_nullable = 'NO' THEN ' not null' ELSE '' END,
                      coalesce(' default ' || replace(c.column_default, $1 || '.', ''), '')) AS item
          FROM information_schema.columns c
         WHERE c.table_schema = $1 AND c.table_name = ANY($2::text[])
        UNION ALL
        SELECT 'index ' || replace(i.indexdef, ' ON ' || i.schemaname || '.', ' ON ')
          FROM pg_indexes i
         WHERE i.schemaname = $1 AND i.tablename = ANY($2::text[])
        """,
        schema,
        [checked_identifier(table) for table in projection.tables],
    )
    return {row["item"] for row in rows}


async def ensure_checkpoint(connection: Connection, projection: Projection) -> None:
    """Give the projection a checkpoint at the start of the store unless it has one."""
    await connection.execute(
        "INSERT INTO projection_checkpoints (name, transaction_id, global_position)"
        " VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        projection.name,
        Position.START.transaction_id,
        Position.START.global_position,
    )


async def read_checkpoint(
    connection: Connection, projection: Projection, *, for_update: bool = False
) -> Position:
    row = await connection.fetchrow(
        "SELECT transaction_id, global_position FROM projection_checkpoints WHERE name = $1"
        + (" FOR UPDATE" if for_update else ""),
        projection.name,
    )
    if row is None:
        raise LookupError(f"projection {projection.name} has no checkpoint: run its setup first")
    return Position(row["transaction_id"], row["global_position"])


async def write_checkpoint(connection: Connection, projection: Projection, position: Position) -> None:
    await connection.execute(
        "INSERT INTO projection_checkpoints (name, transaction_id, global_position)"
        " VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE"
        " SET transaction_id = excluded.transaction_id,"
        " global_position = excluded.global_position, updated_at = now()",
        projection.name,
        position.transaction_id,
        position.global_position,
    )
