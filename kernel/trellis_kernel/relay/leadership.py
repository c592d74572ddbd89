"""One relay at a time per service: a session-level advisory lock on a dedicated connection.

The lock lives exactly as long as the connection: if the holder's process dies or its
connection drops, PostgreSQL releases it and the standby waiting in ``pg_advisory_lock`` gets it
at once (no polling).
The leader does all its relay work (LISTEN, reads, checkpoint writes) on that same
connection, so a leader whose connection is gone cannot advance the checkpoint either.
Set TCP keepalives on the server so a half-open connection is noticed in seconds.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

logger = logging.getLogger(__name__)


def advisory_lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_*_advisory_lock`` derived from a readable name."""
    digest = hashlib.blake2b(f"trellis.relay:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@asynccontextmanager
async def leadership(dsn: str, name: str) -> AsyncIterator[asyncpg.Connection]:
    """Wait until this replica holds the lock, then yield the connection that holds it."""
    key = advisory_lock_key(name)
    connection = await asyncpg.connect(dsn)
    try:
        # Blocks server-side until the current holder's session ends.
        await connection.execute("select pg_advisory_lock($1)", key)
        logger.info("relay %s: this replica is now the leader", name)
        yield connection
    finally:
        # Closing the session releases the lock; no explicit unlock needed (or possible if
        # the connection is already broken).
        await _close(connection)


async def _close(connection: asyncpg.Connection) -> None:
    if connection.is_closed():
        return
    try:
        await asyncio.wait_for(connection.close(), timeout=5)
    except (OSError, TimeoutError, asyncpg.InterfaceError):
        connection.terminate()
