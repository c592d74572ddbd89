"""The background notifier wakes listeners after every commit, without one NOTIFY per append."""

from __future__ import annotations

import asyncio

from tests.kernel.store.fixtures import PostgresEventStoreFixtures
from trellis_kernel.store import NOTIFY_CHANNEL, Pool
from trellis_kernel.store.notifier import BackgroundNotifier


class TestBackgroundNotifier(PostgresEventStoreFixtures):
    async def test_requests_in_a_burst_are_folded_and_the_last_is_never_lost(self, pool: Pool) -> None:
        received: list[float] = []
        woken = asyncio.Event()

        def on_notification(*_: object) -> None:
            received.append(asyncio.get_running_loop().time())
            woken.set()

        notifier = BackgroundNotifier(pool, interval=0.2)
        async with pool.acquire() as listener:
            await listener.add_listener(NOTIFY_CHANNEL, on_notification)
            try:
                notifier.request()
                await asyncio.wait_for(woken.wait(), timeout=5)
                woken.clear()
                for _ in range(50):
                    notifier.request()
                    await asyncio.sleep(0.001)
                last_request = asyncio.get_running_loop().time()
                await notifier.flush()
                await asyncio.wait_for(woken.wait(), timeout=5)
            finally:
                await listener.remove_listener(NOTIFY_CHANNEL, on_notification)

        assert received[-1] >= last_request
        assert len(received) < 25  # 51 requests, sent at most once per 0.2s (+ the first)
