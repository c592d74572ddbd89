"""The feedback service's tables (event store, read models, the private tables for anonymity,
the receipts of client ids and the consumer's processed events), created if missing; safe to
run again and beside a running service."""

from __future__ import annotations

from trellis_feedback.application import FeedbackApplication
from trellis_kernel.consumers import processed_events
from trellis_kernel.store import create_pool


async def migrate(database_url: str) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        await FeedbackApplication(pool).setup()
        async with pool.acquire() as connection:
            await processed_events.setup(connection)
    finally:
        await pool.close()
