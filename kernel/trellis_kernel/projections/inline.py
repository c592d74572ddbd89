"""Inline projections: read models updated in the very transaction that appends the events.

A reader of an inline projection sees the events' effect as soon as the command returns; the
price is that a failing projection fails the command (nothing is stored).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trellis_kernel.projections.projection import Projection, checked_identifier
from trellis_kernel.store import (
    EventMetadata,
    EventStoreProtocol,
    Expected,
    NewEvent,
    StoredEvent,
)


class InlineProjector:
    """Appends through an EventStore and applies the new events to projections, atomically."""

    def __init__(
        self, store: EventStoreProtocol, projections: Sequence[Projection], *, schema: str = "public"
    ) -> None:
        self._store = store
        self._projections = tuple(projections)
        self._schema = checked_identifier(schema)

    async def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected: Expected,
        metadata: EventMetadata,
        connection: Any = None,
    ) -> list[StoredEvent]:
        """Like EventStore.append_stored, with every projection applied in the same transaction.

        With `connection` the work joins its transaction (opened here if none is open).
        """
        if connection is not None and connection.is_in_transaction():
            return await self._append_and_apply(
                connection, stream_id, events, expected, metadata, notify=True
            )
        if connection is not None:
            async with connection.transaction():
                stored = await self._append_and_apply(
                    connection, stream_id, events, expected, metadata, notify=False
                )
        else:
            async with self._store.connection() as own, own.transaction():
                stored = await self._append_and_apply(
                    own, stream_id, events, expected, metadata, notify=False
                )
        self._store.request_notification()  # after the commit, off the commit's path
        return stored

    async def _append_and_apply(
        self,
        connection: Any,
        stream_id: str,
        events: Sequence[NewEvent],
        expected: Expected,
        metadata: EventMetadata,
        *,
        notify: bool,
    ) -> list[StoredEvent]:
        stored = await self._store.append_stored(
            stream_id,
            events,
            expected=expected,
            metadata=metadata,
            connection=connection,
            notify=notify,
        )
        await apply_all(connection, self._projections, stored, self._schema)
        return stored


async def apply_all(
    connection: Any,
    projections: Sequence[Projection],
    events: Sequence[StoredEvent],
    schema: str,
) -> None:
    for event in events:
        for projection in projections:
            await projection.apply(connection, event, schema)
