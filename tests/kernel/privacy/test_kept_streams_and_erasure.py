"""Streams a command handler keeps between commands never bring erased text back: not in an
answer, not in a new event, not in a read model, whichever replica erased the person; on real
PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from tests.contracts.protected_contracts import GoalPlanned, GoalPlannedV2
from tests.kernel.privacy.support import (
    CONTRACTS,
    ORG,
    WHEN,
    Board,
    PlanGoal,
    PrivacyEvent,
    Timeline,
    timeline,
)
from tests.kernel.privacy.test_protecting_codec import ADA, ADA_TEXT, HR, Handler, goal_stream, kek
from tests.kernel.store.fixtures import PostgresEventStoreFixtures
from trellis_contracts.personal import ERASED
from trellis_kernel.commands import CommandHandler, Loaded
from trellis_kernel.privacy import DataKeyStore, ProtectingCodec
from trellis_kernel.projections import setup_projection
from trellis_kernel.store import EventStore, Pool


class Replica:
    """One process of a service: its own data key store (and key cache), codec and handler."""

    def __init__(self, store: EventStore, pool: Pool) -> None:
        self.keys = DataKeyStore(pool, kek())
        self.codec: ProtectingCodec[PrivacyEvent] = ProtectingCodec(CONTRACTS, self.keys)
        self.handler: Handler = CommandHandler(store, timeline, self.codec, projections=[Board(self.codec)])


async def restate(loaded: Loaded[Timeline, PrivacyEvent]) -> Sequence[PrivacyEvent]:
    """A decision that copies the goal's text, as the stream reads, into a new event."""
    last = loaded.state.events[-1]
    assert isinstance(last, GoalPlannedV2)
    return [last.model_copy(update={"notes": f"Restated: {last.title}"})]


def texts(value: Any) -> str:
    return repr(value)


class TestKeptStreamsAndErasure(PostgresEventStoreFixtures):
    @pytest.fixture
    async def replicas(self, store: EventStore, pool: Pool) -> tuple[Replica, Replica]:
        ours, theirs = Replica(store, pool), Replica(store, pool)
        await ours.keys.setup()
        await setup_projection(pool, Board(ours.codec))
        return ours, theirs

    @pytest.mark.parametrize("shredding", ["erasure", "retention"])
    async def test_text_kept_by_one_replica_is_gone_once_another_shreds_its_key(
        self, replicas: tuple[Replica, Replica], store: EventStore, pool: Pool, shredding: str
    ) -> None:
        ours, theirs = replicas
        stream = goal_stream("goal_ada")
        await ours.handler.handle(
            stream, PlanGoal("goal_ada", ADA, ADA_TEXT[0], steps=(ADA_TEXT[1],)), metadata=HR
        )
        kept = await ours.handler.load(stream)
        assert ADA_TEXT[0] in texts(kept.state) and stream in ours.handler.streams

        if shredding == "erasure":
            await theirs.keys.erase(ORG, ADA, erased_by="hr_1", reason="Asked to be forgotten")
        else:
            assert await theirs.keys.shred_scopes(ORG, ["default"]) == 1

        loaded = await ours.handler.load(stream)
        [event] = loaded.events
        assert isinstance(event, GoalPlannedV2)
        assert (event.title, [step.title for step in event.steps], event.employee_id) == (
            ERASED,
            [ERASED],
            ADA,
        )
        assert ADA_TEXT[0] not in texts(loaded.state)

        outcome = await ours.handler.handle_with(stream, restate, metadata=HR)
        assert outcome.version == 2
        for answer in (outcome.state, outcome.events):
            assert ADA_TEXT[0] not in texts(answer) and ADA_TEXT[1] not in texts(answer)
        fresh = Replica(store, pool)
        again = await fresh.handler.load(stream)
        assert ADA_TEXT[0] not in texts(again.events)
        title, notes = await pool.fetchrow(
            "SELECT title, step_titles::text FROM goal_board WHERE goal_id = 'goal_ada'"
        )
        assert ADA_TEXT[0] not in title + notes and ADA_TEXT[1] not in notes

    async def test_a_kept_stream_opens_only_the_newer_events_and_checks_its_keys_each_time(
        self, replicas: tuple[Replica, Replica], pool: Pool
    ) -> None:
        ours, _ = replicas
        stream = goal_stream("goal_ada")
        await ours.handler.handle(
            stream, PlanGoal("goal_ada", ADA, ADA_TEXT[0], steps=(ADA_TEXT[1],)), metadata=HR
        )
        await ours.handler.load(stream)
        opened: list[int] = []
        asked: list[set[str]] = []
        decode, keys_for_reading = ours.codec.decode_reusable, ours.keys.keys_for_reading

        async def counting_decode(stored: Any, **options: Any) -> Any:
            opened.append(len(stored))
            return await decode(stored, **options)

        async def recording_keys(key_ids: Any, **options: Any) -> Any:
            asked.append(set(key_ids))
            return await keys_for_reading(key_ids, **options)

        ours.codec.decode_reusable = counting_decode  # type: ignore[method-assign]
        ours.keys.keys_for_reading = recording_keys  # type: ignore[method-assign]
        await ours.handler.handle_with(stream, restate, metadata=HR)
        loaded = await ours.handler.load(stream)
        assert [event.title for event in loaded.events if isinstance(event, GoalPlannedV2)] == [
            ADA_TEXT[0]
        ] * 2
        assert opened == [0, 1]  # nothing newer, then the one event the command appended
        ada_key = await pool.fetchval("SELECT key_id FROM privacy_data_keys WHERE person_id = $1", ADA)
        # The kept text's key checked at each load: the command's, and the one after it (between
        # them the read model opened the appended event).
        assert asked == [{ada_key}] * 3

    async def test_personal_text_stored_in_the_clear_is_never_kept(
        self, replicas: tuple[Replica, Replica], store: EventStore
    ) -> None:
        ours, _ = replicas
        stream = goal_stream("g_old")
        plain = GoalPlanned(
            goal_id="g_old", organisation_id=ORG, employee_id=ADA, title="Old plain title", occurred_at=WHEN
        )
        await store.append(stream, [CONTRACTS.encode(plain)], expected=0, metadata=HR)
        loaded = await ours.handler.load(stream)
        assert [event.title for event in loaded.events if isinstance(event, GoalPlanned)] == [
            "Old plain title"
        ]
        assert stream not in ours.handler.streams
