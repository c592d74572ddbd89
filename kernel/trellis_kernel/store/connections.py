"""The connection types the store accepts, and the pool a Trellis service should give it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

if TYPE_CHECKING:
    # asyncpg's classes are generic only in its stubs.
    Connection: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
    Pool: TypeAlias = asyncpg.Pool[asyncpg.Record]
else:
    Connection = asyncpg.Connection | PoolConnectionProxy
    Pool = asyncpg.Pool

# A transaction left open holds every gap-safe reader back (see schema.py): cut it off.
IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000


async def _keep_session(connection: asyncpg.Connection[asyncpg.Record]) -> None:
    """Release a connection without asyncpg's default reset query.

    asyncpg's default runs `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`
    on every release: one more round trip for each store call. Kernel code keeps no session
    state on pooled connections (transaction-scoped locks and SET LOCAL only; listeners take
    a dedicated connection), and asyncpg still rolls back a transaction left open.
    """


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10, **options: Any) -> Pool:
    """An asyncpg pool for a service's database, configured for the event store."""
    server_settings = {
        "idle_in_transaction_session_timeout": str(IDLE_IN_TRANSACTION_TIMEOUT_MS),
        **options.pop("server_settings", {}),
    }
    pool: Pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        reset=options.pop("reset", _keep_session),
        server_settings=server_settings,
        **options,
    )
    return pool
