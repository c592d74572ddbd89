"""Rebuilding a projection: replay every event into fresh tables, then swap them in atomically.

1. Create the tables in a staging schema (the projection's DDL with `{schema}` = staging).
2. Replay the store from the start into them, batch by batch; the live tables keep serving.
3. In one transaction: block the projection's writers (the runner by its checkpoint row, inline
   writers and readers by an exclusive lock on the live tables), apply the events that arrived
   during the replay, drop the live tables, move the staging ones into the live schema and
   record the checkpoint. Readers see the old tables or the new ones, never a mix.

For an inline projection the final catch-up reads every committed event, not only the gap-safe
prefix: with the live tables locked, a transaction still running that appended an event but has
not touched the tables yet will apply it to the new tables once the lock is released, and one
that did touch them has committed before the lock was granted.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Final

from trellis_kernel.projections.projection import Projection, checked_identifier, render_ddl, replay
from trellis_kernel.projections.tables import (
    CHECKPOINTS_TABLE,
    differences_from_ddl,
    ensure_checkpoint,
    existing_tables,
    lock_projection_ddl,
    read_checkpoint,
    setup_projection,
    write_checkpoint,
)
from trellis_kernel.store import (
    Connection,
    EventStore,
    Position,
    StoredEvent,
    Upcasters,
    create_pool,
)

_BATCH: Final = 1000
_UPGRADE_LOCK: Final = "trellis_kernel.projection-upgrade:"

log = logging.getLogger(__name__)


def staging_schema(projection: Projection) -> str:
    digest = hashlib.sha256(projection.name.encode()).hexdigest()[:16]
    return f"trellis_rebuild_{digest}"


async def rebuild(
    store: EventStore,
    projection: Projection,
    *,
    schema: str = "public",
    inline: bool = False,
    batch_size: int = _BATCH,
) -> Position:
    """Rebuild `projection` in `schema` from the whole store; returns the position reached.

    `inline` says how the projection is kept up to date: by InlineProjector (True) or by a
    ProjectionRunner (False, the default; the runner continues from the rebuilt checkpoint).
    """
    live = checked_identifier(schema)
    staging = staging_schema(projection)
    async with store.pool.acquire() as connection:
        async with connection.transaction():
            await lock_projection_ddl(connection, projection)
            await connection.execute(CHECKPOINTS_TABLE)
            await connection.execute(f"DROP SCHEMA IF EXISTS {staging} CASCADE")
            await connection.execute(f"CREATE SCHEMA {staging}")
            for statement in render_ddl(projection, staging):
                await connection.execute(statement)

        position = Position.START
        while True:
            async with connection.transaction():
                events = await store.read_all(position, batch_size, connection=connection)
                await replay(connection, projection, events, staging)
            if not events:
                break
            position = events[-1].position

        async with connection.transaction():
            await lock_projection_ddl(connection, projection)
            if not inline:
                await ensure_checkpoint(connection, projection)
                await read_checkpoint(connection, projection, for_update=True)
            await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {live}")
            present = await existing_tables(connection, projection, live)
            if present:
                names = ", ".join(f"{live}.{table}" for table in present)
                await connection.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
            position = await _catch_up(connection, store, projection, staging, position, inline, batch_size)
            for table in present:
                await connection.execute(f"DROP TABLE {live}.{table}")
            for table in projection.tables:
                await connection.execute(
                    f"ALTER TABLE {staging}.{checked_identifier(table)} SET SCHEMA {live}"
                )
            await connection.execute(f"DROP SCHEMA {staging}")
            if not inline:
                await write_checkpoint(connection, projection, position)
    return position


async def setup_or_rebuild(
    store: EventStore, projection: Projection, *, schema: str = "public", inline: bool = False
) -> bool:
    """setup_projection(), and rebuild the projection from the store when its tables are not what
    its DDL makes now (a column, type or index an earlier version did not have); True if it was
    rebuilt. For projections of the service's own events only: one that folds consumed events
    would lose them. Processes starting together rebuild once: the others wait, then find the
    tables current."""
    await setup_projection(store.pool, projection, schema=schema, checkpoint=not inline)
    async with store.pool.acquire() as guard:
        await guard.execute("SELECT pg_advisory_lock(hashtext($1))", _UPGRADE_LOCK + projection.name)
        try:
            differences = await differences_from_ddl(guard, projection, schema)
            if not differences:
                return False
            log.warning(
                "projection %s: its tables were made by an earlier version (%s); rebuilding it from the events",
                projection.name,
                "; ".join(differences),
            )
            await rebuild(store, projection, schema=schema, inline=inline)
            return True
        finally:
            await guard.execute("SELECT pg_advisory_unlock(hashtext($1))", _UPGRADE_LOCK + projection.name)


async def rebuild_in_database(
    dsn: str,
    projection: Projection,
    *,
    upcasters: Upcasters | None = None,
    schema: str = "public",
    inline: bool = False,
) -> Position:
    """rebuild() for a command line: opens its own pool on the service's database `dsn`.

    Pass the service's upcasters so the replay sees events as the service does.
    """
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        store = EventStore(pool, upcasters=upcasters)
        await store.setup()
        return await rebuild(store, projection, schema=schema, inline=inline)
    finally:
        await pool.close()


async def _catch_up(
    connection: Connection,
    store: EventStore,
    projection: Projection,
    staging: str,
    position: Position,
    inline: bool,
    batch_size: int,
) -> Position:
    while True:
        events: list[StoredEvent]
        if inline:
            events = await store.read_all_visible(position, batch_size, connection=connection)
        else:
            events = await store.read_all(position, batch_size, connection=connection)
        if not events:
            return position
        await replay(connection, projection, events, staging)
        position = events[-1].position
