"""The goals service's read models: kernel projections applied inline, in the transaction that
appends the events (so they are never behind a command), each rebuildable from the store with
``trellis projections rebuild goals <name>``. They decode events through the service's codec, in
the connection they write with, so that they see the personal fields opened (or erased)."""

from __future__ import annotations

from trellis_goals.event_codec import GoalsCodec, goals_codec
from trellis_goals.projections.goal_views import GoalViews
from trellis_goals.projections.reporting_line_table import ReportingLines
from trellis_goals.settings import key_encryption_from_env
from trellis_kernel.privacy import DataKeyStore
from trellis_kernel.projections import Projection, setup_or_rebuild
from trellis_kernel.store import EventStore, Pool


def projections(codec: GoalsCodec) -> tuple[Projection, ...]:
    return (GoalViews(codec), ReportingLines(codec))


def rebuildable(pool: Pool) -> tuple[Projection, ...]:
    """The read models as ``trellis projections`` replays them: on the data keys in the database
    of ``pool``, unwrapped with the key-encryption keys the service has (its environment's)."""
    return projections(goals_codec(DataKeyStore(pool, key_encryption_from_env())))


async def setup(store: EventStore, read_models: tuple[Projection, ...]) -> None:
    """Create the read models' tables, or rebuild those an earlier version made differently."""
    for projection in read_models:
        await setup_or_rebuild(store, projection, inline=True)
