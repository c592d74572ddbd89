"""The goals history from before the service protected personal data, protected in place.

``python -m trellis_goals.history`` (with the service's settings in the environment) rewrites
every stored version 1 event that carried an employee's text in the clear as its version 2,
sealed with the employee's data key, and prints the migration's record (see
``trellis_kernel.privacy.history`` and docs/operations.md: back the database up first, then
destroy the older backups, which hold the plain text).
"""

from __future__ import annotations

import asyncio
from typing import Final

from trellis_contracts.goals import PROTECTED_MAJORS
from trellis_goals.application import GoalsApplication
from trellis_goals.settings import GoalsSettings
from trellis_kernel.privacy.history import HistoryProtection, protect_history
from trellis_kernel.store import create_pool

MIGRATION: Final = "goals.protect-history.v2"
"""The name of the migration's record in ``privacy_migrations``."""


async def protect_goals_history(goals: GoalsApplication, *, batch_size: int = 500) -> HistoryProtection:
    return await protect_history(
        goals.pool, goals.codec, PROTECTED_MAJORS, name=MIGRATION, batch_size=batch_size
    )


async def _main() -> None:
    settings = GoalsSettings.from_env()
    pool = await create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        goals = GoalsApplication(pool, settings.key_encryption())
        await goals.setup()
        done = await protect_goals_history(goals)
    finally:
        await pool.close()
    print(
        f"{done.name}: {done.events_protected} events protected in all since {done.started_at:%Y-%m-%d %H:%M}Z;"
        f" finished {done.finished_at:%Y-%m-%d %H:%M:%S}Z"
    )


if __name__ == "__main__":
    asyncio.run(_main())
