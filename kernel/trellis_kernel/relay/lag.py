"""Relay lag: how many events are stored but not yet published, and for how long the oldest waits.

The relay reads only events of transactions older than every transaction still running in the
PostgreSQL cluster (gap-safe reads, see trellis_kernel.store.schema), so one transaction left
open anywhere in the cluster, in any database, holds publishing back for as long as it stays
open. ``relay_lag`` measures the effect (events waiting, age of the oldest) from the relay's
checkpoint; OutboxRelay.lag() adds how long the read horizon has stood still while events wait,
and the relay logs a warning naming the oldest open transaction once that passes
``RelaySettings.stall_warning_after``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from trellis_kernel.store.connections import Connection

_LAG: Final = """
WITH checkpoint AS (
    SELECT coalesce(max(transaction_id), 0) AS transaction_id, coalesce(max(global_position), 0) AS position
    FROM relay_checkpoints WHERE name = $1
)
SELECT count(*) AS waiting, extract(epoch FROM now() - min(events.recorded_at))::float8 AS oldest_seconds,
       (SELECT count(*) FROM relay_quarantine WHERE relay = $1 AND published_at IS NULL) AS set_aside
FROM events, checkpoint
WHERE (events.transaction_id, events.global_position)
    > (checkpoint.transaction_id::text::xid8, checkpoint.position)
"""

# The oldest transaction still running anywhere in the cluster: what holds the horizon back.
_OLDEST_TRANSACTION: Final = """
SELECT datname, pid, usename, application_name, state,
       extract(epoch FROM now() - xact_start)::float8 AS open_seconds,
       extract(epoch FROM now() - state_change)::float8 AS state_seconds
FROM pg_stat_activity
WHERE (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL) AND pid <> pg_backend_pid()
ORDER BY greatest(age(backend_xid), age(backend_xmin)) DESC NULLS LAST
LIMIT 1
"""

HORIZON: Final = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"


@dataclass(frozen=True)
class RelayLag:
    waiting: int
    """Events committed to the store and not yet published (behind the checkpoint)."""
    oldest_waiting_seconds: float
    """Since the oldest of them was recorded (0 when none waits)."""
    set_aside: int
    """Events set aside as unpublishable and not published since."""
    horizon_stalled_seconds: float = 0.0
    """How long the read horizon has not moved while events waited (as last seen by the leader)."""


async def relay_lag(connection: Connection, relay_name: str) -> RelayLag:
    row = await connection.fetchrow(_LAG, relay_name)
    assert row is not None
    return RelayLag(
        waiting=row["waiting"],
        oldest_waiting_seconds=max(0.0, row["oldest_seconds"] or 0.0),
        set_aside=row["set_aside"],
    )


async def oldest_open_transaction(connection: Connection) -> dict[str, Any] | None:
    row = await connection.fetchrow(_OLDEST_TRANSACTION)
    return None if row is None else dict(row)
