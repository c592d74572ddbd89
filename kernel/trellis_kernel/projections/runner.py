"""Asynchronous projections: a runner keeps a read model up to date from the event store.

Each step, in ONE transaction: lock the projection's checkpoint row, read the next events after
it in gap-safe global order, apply them, move the checkpoint past them. A crash anywhere undoes
the whole step, so every event is applied exactly once, in order; the row lock keeps two
runners (or a rebuild) from applying the same events. The runner wakes on NOTIFY trellis_events
and also polls, since a notification can be lost and an event can become readable without one
(when the transaction that held readers back ends).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from trellis_kernel.projections.inline import apply_all
from trellis_kernel.projections.projection import Projection, checked_identifier
from trellis_kernel.projections.tables import read_checkpoint, setup_projection, write_checkpoint
from trellis_kernel.store import NOTIFY_CHANNEL, EventStore, Position

logger = logging.getLogger(__name__)


class ProjectionRunner:
    def __init__(
        self,
        store: EventStore,
        projection: Projection,
        *,
        schema: str = "public",
        batch_size: int = 500,
        poll_interval: float = 1.0,
    ) -> None:
        self._store = store
        self._projection = projection
        self._schema = checked_identifier(schema)
        self._batch_size = batch_size
        self._poll_interval = poll_interval

    @property
    def projection(self) -> Projection:
        return self._projection

    async def setup(self) -> None:
        await setup_projection(self._store.pool, self._projection, schema=self._schema)

    async def checkpoint(self) -> Position:
        async with self._store.pool.acquire() as connection:
            return await read_checkpoint(connection, self._projection)

    async def run_once(self) -> int:
        """Apply the next batch of events, if any; returns how many were applied."""
        async with self._store.pool.acquire() as connection, connection.transaction():
            after = await read_checkpoint(connection, self._projection, for_update=True)
            events = await self._store.read_all(after, self._batch_size, connection=connection)
            if not events:
                return 0
            await apply_all(connection, (self._projection,), events, self._schema)
            await write_checkpoint(connection, self._projection, events[-1].position)
            return len(events)

    async def catch_up(self) -> int:
        """Apply batches until none is left for now; returns how many events were applied."""
        total = 0
        while applied := await self.run_once():
            total += applied
        return total

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Keep the projection up to date until `stop` is set (or the task is cancelled)."""
        stop = stop or asyncio.Event()
        wake = asyncio.Event()

        def on_notification(*_: object) -> None:
            wake.set()

        async with self._store.pool.acquire() as listener:
            await listener.add_listener(NOTIFY_CHANNEL, on_notification)
            try:
                while not stop.is_set():
                    wake.clear()
                    try:
                        await self.catch_up()
                    except Exception:
                        logger.exception("projection %s failed; retrying", self._projection.name)
                    await _first_of(wake, stop, at_most=self._poll_interval)
            finally:
                with contextlib.suppress(Exception):
                    await listener.remove_listener(NOTIFY_CHANNEL, on_notification)


async def _first_of(*events: asyncio.Event, at_most: float) -> None:
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=at_most, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
