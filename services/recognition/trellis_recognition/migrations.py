"""The recognition service's tables (event store, data keys, read models, the consumer's ledger), created
if missing; safe to run again and beside a running service."""

from __future__ import annotations

import os

from trellis_kernel.privacy import KEY_ENCRYPTION_KEYS_SETTING, DataKeyStore
from trellis_kernel.store import create_pool
from trellis_recognition.application import RecognitionApplication
from trellis_recognition.settings import RecognitionSettings


async def migrate(database_url: str) -> None:
    settings = RecognitionSettings(
        database_url=database_url, key_encryption_keys=os.environ.get(KEY_ENCRYPTION_KEYS_SETTING)
    )
    key_encryption = settings.key_encryption()
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        await RecognitionApplication(pool, DataKeyStore(pool, key_encryption)).setup()
    finally:
        await pool.close()
