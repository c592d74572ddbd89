"""The feedback service's read models, as kernel projections in its own database.

``FEEDBACK_PROJECTIONS`` fold the service's own events and are kept inline (in the transaction
that appends them), so a command's effect is visible as soon as it returns; the kernel rebuilds
them from the store. ``GOALS_FACTS`` fold the events the service consumes from the goals topic
and are applied by its consumer in the transaction that records the event as processed.

No row of any feedback read model holds the id of anyone an anonymous request asked.
"""

from __future__ import annotations

from trellis_feedback.projections.conversations import ConversationLog
from trellis_feedback.projections.goal_counts import GoalFeedbackCounts
from trellis_feedback.projections.goals_facts import KnownGoals, KnownReportingLines
from trellis_feedback.projections.requests import FeedbackRequests
from trellis_feedback.projections.timeline import FeedbackTimeline
from trellis_kernel.projections import Projection, setup_projection
from trellis_kernel.store import Pool

FEEDBACK_PROJECTIONS: tuple[Projection, ...] = (
    FeedbackTimeline(),
    FeedbackRequests(),
    ConversationLog(),
    GoalFeedbackCounts(),
)
GOALS_FACTS: tuple[Projection, ...] = (KnownReportingLines(), KnownGoals())


async def setup(pool: Pool) -> None:
    """Create every read model's tables (idempotent)."""
    for projection in (*FEEDBACK_PROJECTIONS, *GOALS_FACTS):
        await setup_projection(pool, projection, checkpoint=False)


__all__ = [
    "FEEDBACK_PROJECTIONS",
    "GOALS_FACTS",
    "ConversationLog",
    "FeedbackRequests",
    "FeedbackTimeline",
    "GoalFeedbackCounts",
    "KnownGoals",
    "KnownReportingLines",
    "setup",
]
