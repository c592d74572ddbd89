"""Work that appends to several streams in one transaction, run again when it loses a race.

A transaction that appends to two streams (a reward and its team's budget) can lose a race on
either: another writer got the next version first (ConcurrencyConflict), or the transaction took
its id before the one that committed a stream's last version (StaleTransaction). Nothing of it
was stored then; running the whole transaction again decides on what is current.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from trellis_kernel.store import ConcurrencyConflict, Connection, Pool, StaleTransaction

T = TypeVar("T")

RUNS = 10


async def in_transaction(pool: Pool, work: Callable[[Connection], Awaitable[T]], *, runs: int = RUNS) -> T:
    """``work`` in a transaction of its own, run again (up to ``runs`` times in all) after a race."""
    delay = 0.002
    for run in range(1, runs + 1):
        try:
            async with pool.acquire() as connection, connection.transaction():
                return await work(connection)
        except (ConcurrencyConflict, StaleTransaction):
            if run == runs:
                raise
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))
            delay *= 2
    raise AssertionError("unreachable")
