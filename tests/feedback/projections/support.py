"""A fresh feedback database with every read model, and a way to append contract events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from tests.kernel.store.fixtures import PostgresEventStoreFixtures
from trellis_contracts import EventContract
from trellis_contracts.catalogue import contract_for
from trellis_feedback import projections
from trellis_kernel.projections import InlineProjector
from trellis_kernel.store import EventMetadata, EventStore, ExpectedVersion, NewEvent, Pool

ACTOR = EventMetadata(principal="test")


def new_event(event: EventContract) -> NewEvent:
    return NewEvent(
        event_type=event.event_type(),
        payload=event.model_dump(mode="json"),
        occurred_at=next(value for name, value in event if name.endswith("_at")),
    )


class ReadModelFixtures(PostgresEventStoreFixtures):
    @pytest.fixture
    async def projector(self, store: EventStore, pool: Pool) -> InlineProjector:
        await projections.setup(pool)
        return InlineProjector(store, [*projections.FEEDBACK_PROJECTIONS, *projections.GOALS_FACTS])


async def record(projector: InlineProjector, stream: str, events: Sequence[EventContract]) -> None:
    """Append the events after whatever the stream holds; every read model applies them."""
    await projector.append(
        stream, [new_event(e) for e in events], expected=ExpectedVersion.ANY, metadata=ACTOR
    )


async def read_back(store: EventStore, stream: str) -> list[Any]:
    """The stream's events as contract models, to decide the next command on."""
    return [contract_for(e.event_type).model_validate(e.payload) for e in await store.read_stream(stream)]


async def rows(pool: Pool, sql: str, *args: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in await pool.fetch(sql, *args)]
