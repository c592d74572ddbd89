"""A fresh feedback database with every read model, and a way to append contract events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from tests.kernel.store.fixtures import PostgresEventStoreFixtures
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_contracts import EventContract
from trellis_contracts.catalogue import contract_for
from trellis_contracts.feedback import SERVICE
from trellis_feedback import projections
from trellis_feedback.event_codec import FeedbackCodec, feedback_codec
from trellis_kernel.privacy import DataKeyStore, LocalKeyEncryptionKeys
from trellis_kernel.projections import InlineProjector, Projection
from trellis_kernel.store import EventMetadata, EventStore, ExpectedVersion, NewEvent, Pool

ACTOR = EventMetadata(principal="test")


def new_event(event: EventContract) -> NewEvent:
    return NewEvent(
        event_type=event.event_type(),
        payload=event.model_dump(mode="json"),
        occurred_at=next(value for name, value in event if name.endswith("_at")),
    )


class SealingProjector(InlineProjector):
    """Appends the feedback service's events sealed by its codec, as the service stores them."""

    def __init__(self, store: EventStore, read_models: Sequence[Projection], codec: FeedbackCodec) -> None:
        super().__init__(store, read_models)
        self.codec = codec


class ReadModelFixtures(PostgresEventStoreFixtures):
    @pytest.fixture
    async def projector(self, store: EventStore, codec: FeedbackCodec) -> InlineProjector:
        await projections.setup(store, codec)
        return SealingProjector(
            store, [*projections.feedback_projections(codec), *projections.GOALS_FACTS], codec
        )

    @pytest.fixture
    async def codec(self, pool: Pool) -> FeedbackCodec:
        keys = DataKeyStore(pool, LocalKeyEncryptionKeys.from_setting(TEST_KEY_ENCRYPTION_KEYS))
        await keys.setup()
        return feedback_codec(keys)


async def record(projector: InlineProjector, stream: str, events: Sequence[EventContract]) -> None:
    """Append the events after whatever the stream holds; every read model applies them."""
    own = [e for e in events if e.service == SERVICE]
    if own and isinstance(projector, SealingProjector):
        if len(own) != len(events):
            raise ValueError("record the feedback service's events apart from the goals facts")
        new = await projector.codec.encode_all(list(events))
    else:
        new = [new_event(e) for e in events]
    await projector.append(stream, new, expected=ExpectedVersion.ANY, metadata=ACTOR)


async def read_back(store: EventStore, stream: str) -> list[Any]:
    """The stream's events (with no personal data) as contract models, to decide the next command on."""
    return [contract_for(e.event_type).model_validate(e.payload) for e in await store.read_stream(stream)]


async def rows(pool: Pool, sql: str, *args: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in await pool.fetch(sql, *args)]
