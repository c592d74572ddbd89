"""The feedback service's tables (event store, data keys, read models, the private tables for
anonymity, the receipts of client ids and the consumer's processed events), created if missing;
safe to run again and beside a running service. Needs the service's key-encryption keys."""

from __future__ import annotations

import os

from trellis_feedback.application import FeedbackApplication
from trellis_feedback.settings import FeedbackSettings
from trellis_kernel.consumers import processed_events
from trellis_kernel.privacy import KEY_ENCRYPTION_KEYS_SETTING, DataKeyStore
from trellis_kernel.store import create_pool


async def migrate(database_url: str) -> None:
    settings = FeedbackSettings(
        database_url=database_url, key_encryption_keys=os.environ.get(KEY_ENCRYPTION_KEYS_SETTING) or None
    )
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        await FeedbackApplication(pool, DataKeyStore(pool, settings.key_encryption())).setup()
        async with pool.acquire() as connection:
            await processed_events.setup(connection)
    finally:
        await pool.close()
