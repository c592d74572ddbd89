"""Opening a person's text in a transaction and erasing that person take turns: the erasure waits
for a transaction that opened the text (so that it can forget what the transaction wrote from it),
and a transaction that reads the keys of an erasure still open waits for it and reads them
shredded. Outside a transaction nothing waits. On real PostgreSQL."""

from __future__ import annotations

import asyncio

from tests.contracts.protected_contracts import GoalPlannedV2
from tests.kernel.privacy.support import CONTRACTS, ORG, PrivacyEvent
from tests.kernel.privacy.test_protecting_codec import ADA, ADA_TEXT, BOB, PrivacyFixtures, goal_stream, kek
from trellis_contracts.personal import ERASED
from trellis_kernel.privacy import DataKeyStore, ProtectingCodec
from trellis_kernel.store import Connection, EventStore, Pool, StoredEvent

STILL_WAITING = 0.3
"""Seconds a blocked call is given to finish: it must not, while the other transaction is open."""


async def title_of(
    codec: ProtectingCodec[PrivacyEvent], stored: StoredEvent, connection: Connection | None = None
) -> str:
    [event] = await codec.decode_all([stored], connection=connection)
    assert isinstance(event, GoalPlannedV2)
    return event.title


class TestErasureRaces(PrivacyFixtures):
    async def test_an_erasure_waits_for_a_transaction_that_opened_the_persons_text(
        self,
        store: EventStore,
        pool: Pool,
        keys: DataKeyStore,
        codec: ProtectingCodec[PrivacyEvent],
        history: None,
    ) -> None:
        [ada_goal] = await store.read_stream(goal_stream("goal_ada"))
        async with pool.acquire() as connection:
            async with connection.transaction():
                assert await title_of(codec, ada_goal, connection) == ADA_TEXT[0]
                ada_erased = asyncio.create_task(keys.erase(ORG, ADA, erased_by="hr_1", reason="Asked to"))
                # Someone else's erasure does not wait for it.
                bob_erased = await asyncio.wait_for(
                    keys.erase(ORG, BOB, erased_by="hr_1", reason="Asked to"), timeout=5
                )
                await asyncio.sleep(STILL_WAITING)
                assert not ada_erased.done()
            erasure = await asyncio.wait_for(ada_erased, timeout=5)
        assert (erasure.keys_shredded, bob_erased.keys_shredded) == (1, 1)
        assert await title_of(codec, ada_goal) == ERASED

    async def test_a_transaction_reading_keys_an_open_erasure_deleted_waits_and_reads_them_shredded(
        self,
        store: EventStore,
        pool: Pool,
        keys: DataKeyStore,
        codec: ProtectingCodec[PrivacyEvent],
        history: None,
    ) -> None:
        [ada_goal] = await store.read_stream(goal_stream("goal_ada"))
        # A process that has not seen Ada's key yet: it learns whose key it is before locking.
        elsewhere = ProtectingCodec(CONTRACTS, DataKeyStore(pool, kek()))

        async def read_in_a_transaction() -> str:
            async with pool.acquire() as connection, connection.transaction():
                return await title_of(elsewhere, ada_goal, connection)

        async with pool.acquire() as erasing, erasing.transaction():
            await keys.erase(ORG, ADA, erased_by="hr_1", reason="Asked to", connection=erasing)
            in_a_transaction = asyncio.create_task(read_in_a_transaction())
            # Outside a transaction, nothing waits: the erasure is not committed yet.
            assert await asyncio.wait_for(title_of(codec, ada_goal), timeout=5) == ADA_TEXT[0]
            await asyncio.sleep(STILL_WAITING)
            assert not in_a_transaction.done()
        assert await asyncio.wait_for(in_a_transaction, timeout=5) == ERASED
