"""The goals service's read models: kernel projections applied inline, in the transaction that
appends the events (so they are never behind a command), each rebuildable from the store with
``trellis projections rebuild goals <name>``."""

from __future__ import annotations

from trellis_goals.projections.goal_views import GoalViews
from trellis_goals.projections.reporting_line_table import ReportingLines
from trellis_kernel.projections import Projection, setup_projection
from trellis_kernel.store import Pool

PROJECTIONS: tuple[Projection, ...] = (GoalViews(), ReportingLines())


async def setup(pool: Pool) -> None:
    for projection in PROJECTIONS:
        await setup_projection(pool, projection, checkpoint=False)
