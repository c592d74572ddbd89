"""Wakes the LISTENers of `trellis_events` after appends commit, off the writer's path.

NOTIFY holds a cluster-wide lock from its transaction's commit until that commit is flushed,
so a NOTIFY inside every append would serialise all writers' commits. Instead, after an append
commits, the store asks this notifier for a wake-up. The notifier sends NOTIFY from its own tiny
transaction, which does not wait for the disk, at most once per `interval`: the first request
after a quiet spell is sent at once, later ones are folded into one trailing notification.
Every commit is thus followed by a notification sent after it, within about `interval`.
A lost notification only delays a listener until it polls.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

import asyncpg

from trellis_kernel.store.connections import Pool
from trellis_kernel.store.schema import NOTIFY_CHANNEL

logger = logging.getLogger(__name__)

NOTIFY: Final = f"SELECT pg_notify('{NOTIFY_CHANNEL}', '')"
NOTIFY_WITHOUT_WAITING_FOR_DISK: Final = f"SET LOCAL synchronous_commit = off; {NOTIFY}"
DEFAULT_INTERVAL: Final = 0.005


class BackgroundNotifier:
    def __init__(self, pool: Pool, *, interval: float = DEFAULT_INTERVAL) -> None:
        self._pool = pool
        self._interval = interval
        self._requested = False
        self._next_allowed = 0.0  # event loop time
        self._task: asyncio.Task[None] | None = None

    def request(self) -> None:
        """Ask for a notification to be sent after now (non-blocking)."""
        self._requested = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._send_while_requested())

    async def flush(self) -> None:
        """Wait until every requested notification has been sent (at most about `interval`)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _send_while_requested(self) -> None:
        loop = asyncio.get_running_loop()
        while self._requested:
            if (delay := self._next_allowed - loop.time()) > 0:
                await asyncio.sleep(delay)
            self._requested = False
            try:
                await self._pool.execute(NOTIFY_WITHOUT_WAITING_FOR_DISK)
            except asyncpg.InterfaceError as error:  # the pool is closing: nobody to wake
                logger.debug("not notifying %s: %s", NOTIFY_CHANNEL, error)
                return
            except Exception:  # listeners fall back to polling; never fail a committed append
                logger.warning("could not notify %s", NOTIFY_CHANNEL, exc_info=True)
                return
            finally:
                self._next_allowed = loop.time() + self._interval
