"""The kernel's command handling: load, decide, append, retry on conflict; on both stores."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
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
    TitleTable,
    title_decider,
)
from tests.kernel.store.fixtures import InMemoryEventStoreFixtures, PostgresEventStoreFixtures
from trellis_contracts.catalogue import UnknownEventType
from trellis_contracts.feedback import FeedbackGivenV2
from trellis_contracts.goals import GoalAbandoned
from trellis_kernel.codec import ContractCodec
from trellis_kernel.commands import (
    RETRY_ON_CONFLICT,
    CommandHandler,
    Loaded,
    Outcome,
    Retry,
    after_each_append,
)
from trellis_kernel.consumers import processed_events
from trellis_kernel.decider import DomainError
from trellis_kernel.metadata import EventMetadata
from trellis_kernel.projections import setup_projection
from trellis_kernel.store import (
    ConcurrencyConflict,
    EventStore,
    EventStoreProtocol,
    ExpectedVersion,
    InvalidValue,
    Pool,
    Position,
    StaleTransaction,
    StoredEvent,
    stream_id,
)

ADA = EventMetadata(principal="user-ada")


def a_stream() -> str:
    return stream_id("titled", uuid4())


class HandlerContract:
    """The handler's promises on any store (fixture `store`)."""

    @pytest.fixture
    def handler(self, store: EventStoreProtocol) -> CommandHandler[SetTitle, TitleState, TitleEvent]:
        return CommandHandler(store, title_decider, CODEC)

    async def test_a_hook_runs_in_each_append_and_a_failing_hook_stores_nothing(
        self, handler: CommandHandler[SetTitle, TitleState, TitleEvent], store: EventStoreProtocol
    ) -> None:
        stream = a_stream()
        seen: list[tuple[bool, int]] = []

        async def remember(connection: Any, outcome: Outcome[Any, Any]) -> None:
            seen.append((connection.is_in_transaction(), outcome.version))

        with after_each_append(remember):
            await handler.handle(stream, SetTitle("Master Photoshop"), metadata=ADA)
            await handler.handle(stream, SetTitle("Master Photoshop"), metadata=ADA)  # records nothing
        await handler.handle(stream, SetTitle("Master Figma"), metadata=ADA)  # outside: not seen
        assert seen == [(True, 1)]

        async def refuse(connection: Any, outcome: Outcome[Any, Any]) -> None:
            raise RuntimeError("the hook refuses")

        with after_each_append(refuse), pytest.raises(RuntimeError):
            await handler.handle(stream, SetTitle("Master Illustrator"), metadata=ADA)
        assert await store.stream_version(stream) == 2

    async def test_a_command_appends_what_it_decides_and_says_where_the_stream_is(
        self, handler: CommandHandler[SetTitle, TitleState, TitleEvent], store: EventStoreProtocol
    ) -> None:
        stream = a_stream()
        first = await handler.handle(stream, SetTitle("Master Photoshop"), metadata=ADA)
        assert (first.version, first.events, first.state) == (
            1,
            (Titled(title="Master Photoshop"),),
            TitleState("Master Photoshop"),
        )
        second = await handler.handle(stream, SetTitle("Master Figma"), metadata=ADA, expected_version=1)
        assert second.version == 2
        assert second.state == TitleState("Master Figma", renames=1)
        stored = await store.read_stream(stream)
        assert [(e.event_type, e.payload, e.principal) for e in stored] == [
            (Titled.event_type(), {"title": "Master Photoshop"}, "user-ada"),
            (Renamed.event_type(), {"title": "Master Figma"}, "user-ada"),
        ]
        loaded = await handler.load(stream)
        assert (loaded.version, loaded.events, loaded.state) == (
            2,
            second.stored and (Titled(title="Master Photoshop"), Renamed(title="Master Figma")),
            second.state,
        )

    async def test_a_decision_that_records_nothing_appends_nothing(
        self, handler: CommandHandler[SetTitle, TitleState, TitleEvent], store: EventStoreProtocol
    ) -> None:
        stream = a_stream()
        await handler.handle(stream, SetTitle("Same"), metadata=ADA)
        again = await handler.handle(stream, SetTitle("Same"), metadata=ADA)
        assert (again.version, again.events, again.changed) == (1, (), False)
        assert await store.stream_version(stream) == 1

    async def test_a_refused_command_stores_nothing(
        self, handler: CommandHandler[SetTitle, TitleState, TitleEvent], store: EventStoreProtocol
    ) -> None:
        stream = a_stream()
        with pytest.raises(DomainError) as refused:
            await handler.handle(stream, SetTitle("  "), metadata=ADA)
        assert refused.value.field == "title"
        assert await store.stream_version(stream) == 0

    async def test_a_caller_who_named_a_version_gets_the_conflict_even_when_retries_are_on(
        self, store: EventStoreProtocol
    ) -> None:
        handler = CommandHandler(store, title_decider, CODEC, retry=RETRY_ON_CONFLICT)
        stream = a_stream()
        await handler.handle(stream, SetTitle("a"), metadata=ADA)
        await handler.handle(stream, SetTitle("b"), metadata=ADA)
        with pytest.raises(ConcurrencyConflict) as conflict:
            await handler.handle(stream, SetTitle("c"), metadata=ADA, expected_version=1)
        assert (conflict.value.expected, conflict.value.current_version) == (1, 2)
        assert (await handler.load(stream)).state.title == "b"

    async def test_a_lost_race_is_decided_again_on_the_newer_state_only_when_asked(
        self, handler: CommandHandler[SetTitle, TitleState, TitleEvent], store: EventStoreProtocol
    ) -> None:
        stream = a_stream()
        await handler.handle(stream, SetTitle("start"), metadata=ADA)
        seen: list[int] = []

        async def rename_after_someone_else(loaded: Loaded[TitleState, TitleEvent]) -> Sequence[TitleEvent]:
            seen.append(loaded.version)
            if len(seen) == 1:  # another writer gets in between our read and our append
                await store.append(
                    stream,
                    [CODEC.encode(Renamed(title="theirs"))],
                    expected=ExpectedVersion.ANY,
                    metadata=ADA,
                )
            return title_decider.decide(SetTitle(f"ours after {loaded.state.title}"), loaded.state)

        with pytest.raises(ConcurrencyConflict):
            await handler.handle_with(stream, rename_after_someone_else, metadata=ADA)
        seen.clear()
        outcome = await handler.handle_with(
            stream, rename_after_someone_else, metadata=ADA, retry=Retry(on_version_conflict=True)
        )
        assert seen == [2, 3]
        assert outcome.version == 4
        assert outcome.state.title == "ours after theirs"

    async def test_races_between_many_writers_all_end_applied_when_retries_are_on(
        self, store: EventStoreProtocol
    ) -> None:
        handler = CommandHandler(
            store, title_decider, CODEC, retry=Retry(on_version_conflict=True, attempts=50)
        )
        stream = a_stream()
        await handler.handle(stream, SetTitle("start"), metadata=ADA)
        outcomes = await asyncio.gather(
            *(handler.handle(stream, SetTitle(f"writer {n}"), metadata=ADA) for n in range(8))
        )
        assert sorted(o.version for o in outcomes) == list(range(2, 10))
        assert (await handler.load(stream)).state.renames == 8

    async def test_events_are_checked_at_the_store_boundary(
        self, handler: CommandHandler[SetTitle, TitleState, TitleEvent], store: EventStoreProtocol
    ) -> None:
        with pytest.raises(InvalidValue):
            await handler.handle(a_stream(), SetTitle("Lead\u0000"), metadata=ADA)
        with pytest.raises(InvalidValue):
            await handler.handle("titled-a b", SetTitle("fine"), metadata=ADA)


class TestCommandHandlerInMemory(HandlerContract, InMemoryEventStoreFixtures):
    pass


class TestCommandHandlerOnPostgres(HandlerContract, PostgresEventStoreFixtures):
    @pytest.fixture
    async def with_table(
        self, store: EventStore, pool: Pool
    ) -> AsyncIterator[CommandHandler[SetTitle, TitleState, TitleEvent]]:
        await setup_projection(pool, TitleTable(), checkpoint=False)
        yield CommandHandler(store, title_decider, CODEC, projections=[TitleTable()])

    async def test_inline_projections_change_in_the_appends_transaction(
        self, with_table: CommandHandler[SetTitle, TitleState, TitleEvent], pool: Pool
    ) -> None:
        stream = a_stream()
        await with_table.handle(stream, SetTitle("a"), metadata=ADA)
        await with_table.handle(stream, SetTitle("b"), metadata=ADA)
        assert await pool.fetchrow("SELECT title, version FROM titles WHERE stream_id = $1", stream) == (
            "b",
            2,
        )

    async def test_inside_a_consumers_transaction_the_claim_and_the_reaction_commit_or_roll_back_together(
        self, with_table: CommandHandler[SetTitle, TitleState, TitleEvent], store: EventStore, pool: Pool
    ) -> None:
        async with pool.acquire() as connection:
            await processed_events.setup(connection)
        stream, incoming = a_stream(), uuid4()
        for outcome in ("rolled back", "committed"):
            async with pool.acquire() as connection:
                transaction = connection.transaction()
                await transaction.start()
                assert await processed_events.claim(connection, "titler", incoming)
                reaction = await with_table.handle(
                    stream, SetTitle("reacted"), metadata=ADA, connection=connection
                )
                assert reaction.version == 1
                await (transaction.rollback() if outcome == "rolled back" else transaction.commit())
            stored = await store.read_stream(stream)
            titles = await pool.fetchval("SELECT count(*) FROM titles WHERE stream_id = $1", stream)
            claimed = await pool.fetchval(
                "SELECT count(*) FROM processed_events WHERE event_id = $1", incoming
            )
            assert (len(stored), titles, claimed) == ((0, 0, 0) if outcome == "rolled back" else (1, 1, 1))

    async def test_inside_a_transaction_that_wrote_first_a_stale_transaction_goes_to_the_caller(
        self, store: EventStore, pool: Pool
    ) -> None:
        handler = CommandHandler(store, title_decider, CODEC, retry=RETRY_ON_CONFLICT)
        stream = a_stream()
        async with pool.acquire() as connection:
            transaction = connection.transaction()
            await transaction.start()
            await connection.fetchval("SELECT pg_current_xact_id()")  # a claim, say
            await handler.handle(stream, SetTitle("committed meanwhile"), metadata=ADA)
            with pytest.raises(StaleTransaction):
                await handler.handle(stream, SetTitle("too early"), metadata=ADA, connection=connection)
            await transaction.rollback()
        # The caller runs its whole transaction again: a fresh one is never too early.
        async with pool.acquire() as connection, connection.transaction():
            await connection.fetchval("SELECT pg_current_xact_id()")
            outcome = await handler.handle(stream, SetTitle("retried"), metadata=ADA, connection=connection)
        assert outcome.version == 2


def test_the_codec_stores_each_event_at_the_moment_its_contract_names() -> None:
    given_at = datetime(2026, 3, 4, 16, 5, tzinfo=UTC)
    [example] = [e for e in FeedbackGivenV2.model_json_schema()["examples"] if e["kind"] == "constructive"]
    feedback = FeedbackGivenV2.model_validate({**example, "given_at": given_at.isoformat()})
    assert ContractCodec[FeedbackGivenV2]([FeedbackGivenV2]).encode(feedback).occurred_at == given_at
    assert CODEC.encode(Titled(title="no moment")).occurred_at is None, "a contract without one: now"


def test_the_codec_turns_contracts_into_records_and_back() -> None:
    record = CODEC.encode(Renamed(title="Ünïcode ✓"))
    assert (record.event_type, record.payload) == (
        "dev.trellis.kerneltests.Renamed.v1",
        {"title": "Ünïcode ✓"},
    )
    stored_id = uuid4()
    assert CODEC.encode(Titled(title="x"), event_id=stored_id).event_id == stored_id

    stored = StoredEvent(
        uuid4(),
        "titled-1",
        1,
        Position(1, 1),
        record.event_type,
        1,
        record.payload,
        datetime.now(UTC),
        datetime.now(UTC),
        None,
        None,
        "p",
    )
    assert CODEC.decode(stored) == Renamed(title="Ünïcode ✓")
    with pytest.raises(InvalidValue):
        CODEC.encode(GoalAbandoned.model_construct())  # type: ignore[arg-type]
    with pytest.raises(UnknownEventType):
        CODEC.decode(
            StoredEvent(
                uuid4(),
                "titled-1",
                1,
                Position(1, 1),
                "dev.trellis.x.Other.v1",
                1,
                {},
                datetime.now(UTC),
                datetime.now(UTC),
                None,
                None,
                "p",
            )
        )
