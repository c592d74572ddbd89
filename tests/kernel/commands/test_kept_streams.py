"""The command handler keeps the streams it loaded: the next command on a stream reads only what
came after, and what it keeps is always something that committed; on both stores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import uuid4

import pytest

from tests.kernel.commands.titles import (
    CODEC,
    Renamed,
    SetTitle,
    Titled,
    TitleEvent,
    TitleState,
    title_decider,
)
from tests.kernel.store.fixtures import InMemoryEventStoreFixtures, PostgresEventStoreFixtures
from trellis_kernel.commands import CommandHandler
from trellis_kernel.metadata import EventMetadata
from trellis_kernel.store import (
    ConcurrencyConflict,
    EventStore,
    EventStoreProtocol,
    NewEvent,
    Pool,
    StoredEvent,
    stream_id,
)

ADA = EventMetadata(principal="user-ada")
Handler = CommandHandler[SetTitle, TitleState, TitleEvent]


def a_stream() -> str:
    return stream_id("titled", uuid4())


class ReadsRecorded:
    """The store, with the version each read of a stream started from recorded."""

    def __init__(self, store: EventStoreProtocol) -> None:
        self._store = store
        self.reads: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def read_stream(
        self, stream: str, from_version: int = 1, *, connection: Any = None
    ) -> list[StoredEvent]:
        self.reads.append(from_version)
        return await self._store.read_stream(stream, from_version, connection=connection)


class DecodesWithoutSayingWhenToReuse:
    """A batch codec that does not say when its events may be used again."""

    async def encode_all(
        self, events: Sequence[TitleEvent], *, connection: Any = None, event_ids: Any = None
    ) -> list[NewEvent]:
        return await CODEC.encode_all(events)

    async def decode_all(self, stored: Sequence[StoredEvent], *, connection: Any = None) -> list[TitleEvent]:
        return await CODEC.decode_all(stored)


class KeptStreamsContract:
    """What keeping streams promises on any store (fixture `store`)."""

    @pytest.fixture
    def recorded(self, store: EventStoreProtocol) -> ReadsRecorded:
        return ReadsRecorded(store)

    async def test_the_next_command_reads_only_what_came_after_the_stream_it_kept(
        self, recorded: ReadsRecorded, store: EventStoreProtocol
    ) -> None:
        handler: Handler = CommandHandler(recorded, title_decider, CODEC)  # type: ignore[arg-type]
        stream = a_stream()
        for title in ("Master Photoshop", "Master Figma", "Master Illustrator", "Master Blender"):
            outcome = await handler.handle(stream, SetTitle(title), metadata=ADA)
        # An empty stream is not kept; then each read starts at the last event the command before
        # it loaded (what that command appended is read, and checked, like any newer event).
        assert recorded.reads == [1, 1, 1, 2]
        assert outcome.state == TitleState("Master Blender", renames=3)
        fresh = await CommandHandler(store, title_decider, CODEC).load(stream)
        kept = await handler.load(stream)
        assert (kept.version, kept.state, kept.events, kept.stored) == (
            fresh.version,
            fresh.state,
            fresh.events,
            fresh.stored,
        )

    async def test_events_another_replica_appended_are_folded_onto_the_kept_stream(
        self, store: EventStoreProtocol
    ) -> None:
        ours: Handler = CommandHandler(store, title_decider, CODEC)
        theirs: Handler = CommandHandler(store, title_decider, CODEC)
        stream = a_stream()
        await ours.handle(stream, SetTitle("Master Photoshop"), metadata=ADA)
        await theirs.handle(stream, SetTitle("Master Figma"), metadata=ADA)
        await theirs.handle(stream, SetTitle("Master Illustrator"), metadata=ADA)
        outcome = await ours.handle(stream, SetTitle("Master Blender"), metadata=ADA, expected_version=3)
        assert (outcome.version, outcome.state) == (4, TitleState("Master Blender", renames=3))
        assert (await theirs.load(stream)).state == outcome.state

    async def test_what_a_rolled_back_transaction_appended_is_never_kept(
        self, store: EventStoreProtocol
    ) -> None:
        handler: Handler = CommandHandler(store, title_decider, CODEC)
        stream = a_stream()
        await handler.handle(stream, SetTitle("Master Photoshop"), metadata=ADA)
        await handler.load(stream)  # kept at version 1
        async with store.connection() as connection:
            with pytest.raises(RuntimeError, match="the reaction failed"):
                async with connection.transaction():
                    inside = await handler.handle(
                        stream, SetTitle("Rolled back"), metadata=ADA, connection=connection
                    )
                    assert inside.version == 2
                    seen = await handler.load(stream, connection=connection)
                    assert seen.state == TitleState("Rolled back", renames=1)
                    raise RuntimeError("the reaction failed")
        kept = handler.streams.loaded(stream)
        assert kept is not None and kept.version == 1
        after = await handler.load(stream)
        assert (after.version, after.state) == (1, TitleState("Master Photoshop"))
        outcome = await handler.handle(stream, SetTitle("Master Figma"), metadata=ADA, expected_version=1)
        assert (outcome.version, outcome.events) == (2, (Renamed(title="Master Figma"),))

    async def test_after_a_conflict_the_stream_is_read_whole_again(
        self, recorded: ReadsRecorded, store: EventStoreProtocol
    ) -> None:
        ours: Handler = CommandHandler(recorded, title_decider, CODEC)  # type: ignore[arg-type]
        stream = a_stream()
        await ours.handle(stream, SetTitle("Master Photoshop"), metadata=ADA)
        await CommandHandler(store, title_decider, CODEC).handle(
            stream, SetTitle("Master Figma"), metadata=ADA
        )
        with pytest.raises(ConcurrencyConflict):
            await ours.handle(stream, SetTitle("Master Blender"), metadata=ADA, expected_version=1)
        assert stream not in ours.streams
        recorded.reads.clear()
        loaded = await ours.load(stream)
        assert (recorded.reads, loaded.version, loaded.state) == (
            [1],
            2,
            TitleState("Master Figma", renames=1),
        )

    async def test_only_the_most_recently_used_streams_are_kept(self, store: EventStoreProtocol) -> None:
        handler: Handler = CommandHandler(store, title_decider, CODEC, cached_streams=2)
        first, second, third = a_stream(), a_stream(), a_stream()
        for stream in (first, second, third):
            await handler.handle(stream, SetTitle(f"Title of {stream}"), metadata=ADA)
        for stream in (first, second, first, third):
            await handler.load(stream)
        assert (first in handler.streams, second in handler.streams, third in handler.streams) == (
            True,
            False,
            True,
        )
        assert len(handler.streams) == 2

    async def test_nothing_is_kept_without_a_codec_that_says_when_its_events_may_be_reused(
        self, store: EventStoreProtocol
    ) -> None:
        handler: Handler = CommandHandler(store, title_decider, DecodesWithoutSayingWhenToReuse())
        stream = a_stream()
        await handler.handle(stream, SetTitle("Master Photoshop"), metadata=ADA)
        outcome = await handler.handle(stream, SetTitle("Master Figma"), metadata=ADA)
        assert (outcome.version, len(handler.streams)) == (2, 0)


class TestKeptStreamsInMemory(KeptStreamsContract, InMemoryEventStoreFixtures):
    pass


class TestKeptStreamsOnPostgres(KeptStreamsContract, PostgresEventStoreFixtures):
    async def test_a_kept_stream_whose_last_event_is_no_longer_stored_is_read_whole(
        self, store: EventStore, pool: Pool
    ) -> None:
        ours: Handler = CommandHandler(store, title_decider, CODEC)
        stream = a_stream()
        await ours.handle(stream, SetTitle("Master Photoshop"), metadata=ADA)
        await ours.handle(stream, SetTitle("Master Figma"), metadata=ADA)
        # The database put back to an earlier backup, say, after which the stream went elsewhere.
        await pool.execute("DELETE FROM events WHERE stream_id = $1", stream)
        await store.append(stream, [CODEC.encode(Titled(title="Restored"))], expected=0, metadata=ADA)
        await store.append(stream, [CODEC.encode(Renamed(title="Moved on"))], expected=1, metadata=ADA)
        loaded = await ours.load(stream)
        assert (loaded.version, loaded.state) == (2, TitleState("Moved on", renames=1))
