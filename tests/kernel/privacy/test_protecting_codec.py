"""Personal fields encrypted per person through the codec and the store, erased by deleting the
person's keys: on real PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.contracts.protected_contracts import GoalPlanned, GoalPlannedV2, PraiseGiven
from tests.kernel.privacy.support import (
    CONTRACTS,
    ORG,
    WHEN,
    Board,
    PlanGoal,
    Praise,
    PrivacyEvent,
    Timeline,
    decide,
    text_everywhere,
    timeline,
)
from tests.kernel.store.fixtures import PostgresEventStoreFixtures
from trellis_contracts.personal import ERASED
from trellis_contracts.protected import header_of, is_protected_value
from trellis_kernel.commands import CommandHandler
from trellis_kernel.metadata import EventMetadata
from trellis_kernel.privacy import (
    DataKeyStore,
    KeyEncryptionError,
    KeyOwner,
    LocalKeyEncryptionKeys,
    MissingDataKey,
    ProtectingCodec,
)
from trellis_kernel.projections import rebuild, setup_projection
from trellis_kernel.store import EventStore, InvalidValue, Pool, organisation_stream_id
from trellis_kernel.testing import ProjectionSpecification, on

ADA, BOB = "emp_ada", "emp_bob"
HR = EventMetadata(principal="hr_1")
ADA_TEXT = ("Ada wants to master Photoshop", "Ada takes the online course", "Ada needs a mentor")
BOB_TEXT = ("Bob wants to lead the data team", "Bob shadows a tech lead")
PRAISE_FOR_BOB = "Bob, your launch notes were superb"  # written by Ada, about Bob
PRAISE_FOR_ADA = "Ada, your design review was superb"  # written by Bob, about Ada

Handler = CommandHandler[PlanGoal | Praise, Timeline, PrivacyEvent]


def kek(kek_id: str = "kek_1") -> LocalKeyEncryptionKeys:
    return LocalKeyEncryptionKeys({kek_id: KEKS[kek_id]}, current=kek_id)


KEKS = {"kek_1": os.urandom(32), "kek_2": os.urandom(32)}


def goal_stream(goal_id: str) -> str:
    return organisation_stream_id("goal", ORG, goal_id)


class PrivacyFixtures(PostgresEventStoreFixtures):
    @pytest.fixture
    async def keys(self, pool: Pool) -> DataKeyStore:
        keys = DataKeyStore(pool, kek())
        await keys.setup()
        return keys

    @pytest.fixture
    def codec(self, keys: DataKeyStore) -> ProtectingCodec[PrivacyEvent]:
        return ProtectingCodec(CONTRACTS, keys)

    @pytest.fixture
    async def board(self, pool: Pool, codec: ProtectingCodec[PrivacyEvent]) -> Board:
        board = Board(codec)
        await setup_projection(pool, board)
        return board

    @pytest.fixture
    def handler(self, store: EventStore, codec: ProtectingCodec[PrivacyEvent], board: Board) -> Handler:
        return CommandHandler(store, timeline, codec, projections=[board])

    @pytest.fixture
    async def history(self, handler: Handler) -> AsyncIterator[None]:
        """Ada's goal, Bob's goal, praise from Ada to Bob and from Bob to Ada."""
        await handler.handle(
            goal_stream("goal_ada"),
            PlanGoal(
                "goal_ada",
                ADA,
                ADA_TEXT[0],
                steps=(ADA_TEXT[1], "Ada ships a campaign"),
                resources=(ADA_TEXT[2],),
            ),
            metadata=HR,
        )
        await handler.handle(
            goal_stream("goal_bob"), PlanGoal("goal_bob", BOB, BOB_TEXT[0], steps=(BOB_TEXT[1],)), metadata=HR
        )
        await handler.handle(
            organisation_stream_id("praise", ORG, "p_1"), Praise("p_1", ADA, BOB, PRAISE_FOR_BOB), metadata=HR
        )
        await handler.handle(
            organisation_stream_id("praise", ORG, "p_2"), Praise("p_2", BOB, ADA, PRAISE_FOR_ADA), metadata=HR
        )
        yield


class TestProtectingCodec(PrivacyFixtures):
    async def test_personal_fields_are_stored_encrypted_and_read_back_in_the_clear(
        self, handler: Handler, store: EventStore, pool: Pool, history: None
    ) -> None:
        [stored] = await store.read_stream(goal_stream("goal_ada"))
        payload = stored.payload
        for sealed in (payload["title"], payload["resources"], payload["steps"][0]["title"]):
            assert is_protected_value(sealed)
        assert payload["notes"] is None  # nothing said, nothing sealed
        assert (payload["goal_id"], payload["employee_id"], len(payload["steps"])) == ("goal_ada", ADA, 2)
        assert payload["steps"][1]["due_date"] == "2026-02-02"
        raw = await pool.fetchval("SELECT string_agg(payload::text, ' ') FROM events")
        for text in (*ADA_TEXT, *BOB_TEXT, PRAISE_FOR_ADA, PRAISE_FOR_BOB):
            assert text not in raw

        loaded = await handler.load(goal_stream("goal_ada"))
        [event] = loaded.events
        assert isinstance(event, GoalPlannedV2)
        assert (event.title, event.resources, [s.title for s in event.steps]) == (
            ADA_TEXT[0],
            (ADA_TEXT[2],),
            [ADA_TEXT[1], "Ada ships a campaign"],
        )
        rows = await pool.fetch("SELECT goal_id, title, steps FROM goal_board ORDER BY goal_id")
        assert [tuple(r) for r in rows] == [("goal_ada", ADA_TEXT[0], 2), ("goal_bob", BOB_TEXT[0], 1)]

    async def test_a_projection_specification_seals_with_a_protecting_codec_inside_its_transaction(
        self, pool: Pool, codec: ProtectingCodec[PrivacyEvent]
    ) -> None:
        planned = decide(PlanGoal("goal_spec", ADA, ADA_TEXT[0], steps=(ADA_TEXT[1],)), Timeline())
        scenario = ProjectionSpecification(pool, Board(codec), codec=codec).given(
            on(goal_stream("goal_spec"), *planned)
        )
        await scenario.then(
            "SELECT goal_id, title, step_titles, steps FROM {schema}.goal_board",
            [("goal_spec", ADA_TEXT[0], f'["{ADA_TEXT[1]}"]', 1)],
        )
        # Its key was made in the rolled-back transaction: nothing of the scenario stays.
        assert await pool.fetchval("SELECT count(*) FROM privacy_data_keys") == 0

    async def test_each_field_is_sealed_with_the_key_of_the_person_it_is_about(
        self, store: EventStore, keys: DataKeyStore, history: None
    ) -> None:
        [praise_for_bob] = await store.read_stream(organisation_stream_id("praise", ORG, "p_1"))
        [ada_goal] = await store.read_stream(goal_stream("goal_ada"))
        bob_key = (await keys.keys_for_writing([KeyOwner(ORG, BOB)]))[KeyOwner(ORG, BOB)]
        ada_key = (await keys.keys_for_writing([KeyOwner(ORG, ADA)]))[KeyOwner(ORG, ADA)]
        assert header_of(praise_for_bob.payload["message"]).key_id == bob_key.key_id  # about the recipient
        assert header_of(ada_goal.payload["title"]).key_id == ada_key.key_id
        assert await keys.pool.fetchval("SELECT count(*) FROM privacy_data_keys") == 2

    async def test_erasing_a_person_leaves_none_of_their_text_in_any_table(
        self, handler: Handler, store: EventStore, pool: Pool, keys: DataKeyStore, board: Board, history: None
    ) -> None:
        everything = await text_everywhere(pool)
        assert ADA_TEXT[0] in everything and PRAISE_FOR_ADA in everything  # the read model has them

        erasure = await keys.erase(
            ORG, ADA, erased_by="hr_1", reason="Left the company; asked to be forgotten"
        )
        assert (erasure.keys_shredded, erasure.erased_by, erasure.already_erased) == (1, "hr_1", False)
        # The service drops what it derived from the person: here, by rebuilding its read model.
        await rebuild(store, board, inline=True)

        everything = await text_everywhere(pool)
        for text in (*ADA_TEXT, "Ada ships a campaign", PRAISE_FOR_ADA):
            assert text not in everything, f"{text!r} survived the erasure"
        for text in (*BOB_TEXT, PRAISE_FOR_BOB):
            assert text in everything, f"{text!r} (not about Ada) was lost"

        rows = await pool.fetch(
            "SELECT goal_id, employee_id, title, step_titles::text, steps FROM goal_board ORDER BY goal_id"
        )
        assert [tuple(r) for r in rows] == [
            ("goal_ada", ADA, ERASED, f'["{ERASED}", "{ERASED}"]', 2),  # the milestones still count
            ("goal_bob", BOB, BOB_TEXT[0], f'["{BOB_TEXT[1]}"]', 1),
        ]
        praise = await pool.fetch(
            "SELECT praise_id, recipient_id, message FROM praise_wall ORDER BY praise_id"
        )
        assert [tuple(r) for r in praise] == [("p_1", BOB, PRAISE_FOR_BOB), ("p_2", ADA, ERASED)]

    async def test_erased_history_still_folds_and_new_text_about_the_erased_is_never_readable(
        self, handler: Handler, keys: DataKeyStore, pool: Pool, history: None
    ) -> None:
        await keys.erase(ORG, ADA, erased_by="hr_1", reason="Asked to be forgotten")
        loaded = await handler.load(goal_stream("goal_ada"))
        [event] = loaded.events
        assert isinstance(event, GoalPlannedV2)
        assert (event.title, event.resources, event.employee_id, len(event.steps)) == (
            ERASED,
            (ERASED,),
            ADA,
            2,
        )

        written_after = "Ada gets praise after she left"
        await handler.handle(
            organisation_stream_id("praise", ORG, "p_3"), Praise("p_3", BOB, ADA, written_after), metadata=HR
        )
        [late] = (await handler.load(organisation_stream_id("praise", ORG, "p_3"))).events
        assert isinstance(late, PraiseGiven) and late.message == ERASED
        assert written_after not in await text_everywhere(pool)
        assert await pool.fetchval("SELECT count(*) FROM privacy_data_keys WHERE person_id = $1", ADA) == 0

        again = await keys.erase(ORG, ADA, erased_by="hr_2", reason="Asked twice")
        assert (again.already_erased, again.erased_by, again.reason) == (
            True,
            "hr_1",
            "Asked to be forgotten",
        )

    async def test_a_lost_key_is_an_error_not_an_erasure(
        self, handler: Handler, pool: Pool, history: None
    ) -> None:
        await pool.execute("DELETE FROM privacy_data_keys WHERE person_id = $1", ADA)
        with pytest.raises(MissingDataKey, match="no data key and no record of its erasure"):
            await handler.load(goal_stream("goal_ada"))

    async def test_plain_personal_data_is_refused_but_plain_history_still_reads(
        self, handler: Handler, store: EventStore, codec: ProtectingCodec[PrivacyEvent]
    ) -> None:
        plain = GoalPlanned(
            goal_id="g_old", organisation_id=ORG, employee_id=ADA, title="Old plain title", occurred_at=WHEN
        )
        with pytest.raises(InvalidValue, match="carries personal data in plain text"):
            await codec.encode_all([plain])
        stream = goal_stream("g_old")
        await store.append(stream, [CONTRACTS.encode(plain)], expected=0, metadata=HR)
        assert (await handler.load(stream)).events == (plain,)

    async def test_a_field_about_nobody_is_refused(self, codec: ProtectingCodec[PrivacyEvent]) -> None:
        with pytest.raises(ValueError, match="names nobody"):
            ProtectingCodec(_careless_codec(), codec.keys)

    async def test_first_writes_for_a_new_person_from_many_writers_share_one_key(
        self, handler: Handler, pool: Pool
    ) -> None:
        await asyncio.gather(
            *(
                handler.handle(
                    goal_stream(f"g_{n}"), PlanGoal(f"g_{n}", "emp_new", f"Goal number {n}"), metadata=HR
                )
                for n in range(6)
            )
        )
        assert await pool.fetchval("SELECT count(*) FROM privacy_data_keys WHERE person_id = 'emp_new'") == 1
        titles = [(await handler.load(goal_stream(f"g_{n}"))).events[0].title for n in range(6)]  # type: ignore[union-attr]
        assert titles == [f"Goal number {n}" for n in range(6)]

    async def test_an_erasure_waits_for_a_write_in_flight_and_then_shreds_its_key(
        self, keys: DataKeyStore, pool: Pool
    ) -> None:
        async with pool.acquire() as connection:
            transaction = connection.transaction()
            await transaction.start()
            await keys.keys_for_writing([KeyOwner(ORG, "emp_cy")], connection=connection)
            erasing = asyncio.create_task(keys.erase(ORG, "emp_cy", erased_by="hr_1", reason="Asked"))
            await asyncio.sleep(0.3)
            assert not erasing.done(), "the erasure did not wait for the write holding the person"
            await transaction.commit()
        erasure = await erasing
        assert erasure.keys_shredded == 1
        assert await pool.fetchval("SELECT count(*) FROM privacy_data_keys WHERE person_id = 'emp_cy'") == 0

    async def test_a_key_taken_just_before_an_erasure_seals_only_what_the_erasure_shreds(
        self, keys: DataKeyStore, history: None
    ) -> None:
        [taken] = (await keys.keys_for_writing([KeyOwner(ORG, ADA)])).values()
        await keys.erase(ORG, ADA, erased_by="hr_1", reason="Asked")
        assert await keys.keys_for_reading([taken.key_id]) == {taken.key_id: None}

    async def test_an_erasure_needs_a_reason(self, keys: DataKeyStore) -> None:
        with pytest.raises(InvalidValue, match="needs a reason"):
            await keys.erase(ORG, ADA, erased_by="hr_1", reason="   ")


class TestKeyEncryptionKeyRotation(PrivacyFixtures):
    async def test_rotation_rewraps_every_data_key_and_leaves_the_events_alone(
        self, store: EventStore, pool: Pool, keys: DataKeyStore, history: None
    ) -> None:
        events_before = await pool.fetchval(
            "SELECT string_agg(payload::text, '|' ORDER BY global_position) FROM events"
        )
        wrapped_before = await pool.fetchval(
            "SELECT string_agg(encode(wrapped_key, 'hex'), '|' ORDER BY key_id) FROM privacy_data_keys"
        )
        assert await keys.keys_per_kek() == {"kek_1": 2}

        both = LocalKeyEncryptionKeys(KEKS, current="kek_2")
        rotated = DataKeyStore(pool, both)
        assert await rotated.rewrap(batch_size=1) == 2
        assert await rotated.rewrap() == 0
        assert await rotated.keys_per_kek() == {"kek_2": 2}
        assert (
            await pool.fetchval("SELECT string_agg(payload::text, '|' ORDER BY global_position) FROM events")
            == events_before
        )
        assert (
            await pool.fetchval(
                "SELECT string_agg(encode(wrapped_key, 'hex'), '|' ORDER BY key_id) FROM privacy_data_keys"
            )
            != wrapped_before
        )

        only_new = CommandHandler(
            store, timeline, ProtectingCodec(CONTRACTS, DataKeyStore(pool, kek("kek_2")))
        )
        [event] = (await only_new.load(goal_stream("goal_ada"))).events
        assert isinstance(event, GoalPlannedV2) and event.title == ADA_TEXT[0]
        only_old = CommandHandler(
            store, timeline, ProtectingCodec(CONTRACTS, DataKeyStore(pool, kek("kek_1")))
        )
        with pytest.raises(KeyEncryptionError, match="'kek_2' that wraps this data key is not configured"):
            await only_old.load(goal_stream("goal_ada"))

    async def test_a_wrapped_key_moved_to_another_person_does_not_unwrap(
        self, pool: Pool, keys: DataKeyStore, history: None
    ) -> None:
        await pool.execute(
            "UPDATE privacy_data_keys SET wrapped_key = (SELECT wrapped_key FROM privacy_data_keys WHERE person_id = $1)"
            " WHERE person_id = $2",
            BOB,
            ADA,
        )
        fresh = DataKeyStore(pool, kek())  # nothing cached
        with pytest.raises(KeyEncryptionError, match="does not open"):
            await fresh.keys_for_writing([KeyOwner(ORG, ADA)])


def test_configured_keys_come_from_one_setting() -> None:
    from trellis_kernel.privacy import new_key_encryption_key

    setting = ",".join([new_key_encryption_key("kek_2026"), new_key_encryption_key("kek_2025")])
    keks = LocalKeyEncryptionKeys.from_environment({"TRELLIS_KEY_ENCRYPTION_KEYS": setting})
    assert keks.current == "kek_2026"
    for bad in ("", "kek_1", "kek_1:not base64!", "kek 1:" + "A" * 43, "kek_1:" + "A" * 10):
        with pytest.raises(ValueError):
            LocalKeyEncryptionKeys.from_setting(bad)


def _careless_codec() -> Any:
    from typing import ClassVar

    from trellis_contracts import EventContract, personal_data
    from trellis_kernel.codec import ContractCodec

    class Careless(EventContract):
        service: ClassVar[str] = "privacytests"
        moment_field: ClassVar[str | None] = None
        protects_personal_data: ClassVar[bool] = True
        organisation_id: str
        note: str = personal_data("A note.")

    return ContractCodec([Careless])
