"""The feedback service's read models, as kernel projections in its own database.

``feedback_projections(codec)`` fold the service's own events (decoded through its protecting
codec, in the projection's connection) and are kept inline (in the transaction that appends
them), so a command's effect is visible as soon as it returns; the kernel rebuilds them from the
store. ``GOALS_FACTS`` fold the events the service consumes from the goals topic and are applied
by its consumer in the transaction that records the event as processed.

No row of any feedback read model holds the id of anyone an anonymous request asked.
"""

from __future__ import annotations

import os
from typing import Any

from trellis_feedback.event_codec import feedback_codec
from trellis_feedback.projections.conversations import ConversationLog
from trellis_feedback.projections.goal_counts import GoalFeedbackCounts
from trellis_feedback.projections.goals_facts import KnownGoals, KnownReportingLines
from trellis_feedback.projections.requests import FeedbackRequests
from trellis_feedback.projections.retention_rules import RetentionRules
from trellis_feedback.projections.timeline import FeedbackTimeline
from trellis_kernel.codec import AsyncEventCodec
from trellis_kernel.privacy import KEY_ENCRYPTION_KEYS_SETTING, DataKeyStore
from trellis_kernel.projections import Projection, setup_or_rebuild, setup_projection
from trellis_kernel.settings import ServiceSettings
from trellis_kernel.store import EventStore, Pool

GOALS_FACTS: tuple[Projection, ...] = (KnownReportingLines(), KnownGoals())

_UPGRADES = (
    # The goal and milestone titles earlier versions kept: the facts keep no goals text now.
    "ALTER TABLE IF EXISTS public.goals DROP COLUMN IF EXISTS title",
    "ALTER TABLE IF EXISTS public.goal_milestones DROP COLUMN IF EXISTS title",
)


def feedback_projections(codec: AsyncEventCodec[Any]) -> tuple[Projection, ...]:
    return (
        FeedbackTimeline(codec),
        FeedbackRequests(codec),
        ConversationLog(codec),
        GoalFeedbackCounts(codec),
        RetentionRules(codec),
    )


def inline_projections(pool: Pool) -> tuple[Projection, ...]:
    """The read models kept inline, with the service's codec over ``pool`` and the key-encryption
    keys of the environment (``trellis projections rebuild``)."""
    keys = ServiceSettings(
        database_url="", key_encryption_keys=os.environ.get(KEY_ENCRYPTION_KEYS_SETTING) or None
    ).key_encryption()
    return feedback_projections(feedback_codec(DataKeyStore(pool, keys)))


async def setup(store: EventStore, codec: AsyncEventCodec[Any]) -> None:
    """Create every read model's tables (idempotent); rebuild from the store those of the
    service's own events that an earlier version made differently."""
    for projection in feedback_projections(codec):
        await setup_or_rebuild(store, projection, inline=True)
    for fact in GOALS_FACTS:
        await setup_projection(store.pool, fact, checkpoint=False)
    async with store.pool.acquire() as connection, connection.transaction():
        for statement in _UPGRADES:
            await connection.execute(statement)


__all__ = [
    "GOALS_FACTS",
    "ConversationLog",
    "FeedbackRequests",
    "FeedbackTimeline",
    "GoalFeedbackCounts",
    "KnownGoals",
    "KnownReportingLines",
    "RetentionRules",
    "feedback_projections",
    "inline_projections",
    "setup",
]
