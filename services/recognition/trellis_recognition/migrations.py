"""The recognition service's tables (event store, read models, the consumer's ledger), created
if missing; safe to run again and beside a running service."""

from __future__ import annotations

from trellis_kernel.store import create_pool
from trellis_recognition.application import RecognitionApplication


async def migrate(database_url: str) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        await RecognitionApplication(pool).setup()
    finally:
        await pool.close()
