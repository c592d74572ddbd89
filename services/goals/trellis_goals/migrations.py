"""The goals service's tables (event store, data keys and read tables), created if missing; safe
to run again and beside a running service. Needs the service's key-encryption keys
(``TRELLIS_KEY_ENCRYPTION_KEYS``), like the service."""

from __future__ import annotations

from trellis_goals.application import GoalsApplication
from trellis_goals.settings import key_encryption_from_env
from trellis_kernel.http import IdempotencyKeys
from trellis_kernel.store import create_pool


async def migrate(database_url: str) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        await GoalsApplication(pool, key_encryption_from_env()).setup()
        await IdempotencyKeys(pool).setup()
    finally:
        await pool.close()
