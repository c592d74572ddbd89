"""How much feedback each goal received: in all (for its owner), shared with the manager (for
them), and by kind. Anonymous answers count once released, never before: a count that moved
with each sealed answer would tell when each was given."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from trellis_contracts.feedback import (
    FeedbackGivenV2,
    FeedbackKind,
    FeedbackRequestClosed,
    FeedbackVisibility,
    FeedbackVisibilityNarrowed,
)
from trellis_feedback.projections.payloads import decoded, handling
from trellis_kernel.codec import AsyncEventCodec
from trellis_kernel.store import Connection, StoredEvent

_HANDLED = handling(FeedbackGivenV2, FeedbackVisibilityNarrowed, FeedbackRequestClosed)


class GoalFeedbackCounts:
    def __init__(self, codec: AsyncEventCodec[Any]) -> None:
        self._codec = codec

    name = "feedback.goal_feedback_counts"
    tables: Sequence[str] = ("goal_feedback_counts",)
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.goal_feedback_counts (
            organisation_id    text NOT NULL,
            goal_id            text NOT NULL,
            employee_id        text NOT NULL,
            feedback_count     integer NOT NULL DEFAULT 0,
            shared_count       integer NOT NULL DEFAULT 0,
            praise_count       integer NOT NULL DEFAULT 0,
            constructive_count integer NOT NULL DEFAULT 0,
            upward_count       integer NOT NULL DEFAULT 0,
            last_feedback_at   timestamptz,
            PRIMARY KEY (organisation_id, goal_id)
        )
        """,
        "CREATE INDEX ON {schema}.goal_feedback_counts (organisation_id, employee_id)",
    )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        match await decoded(event, _HANDLED, codec=self._codec, connection=connection):
            case FeedbackGivenV2(goal_id=str(goal_id)) as given:
                await self._count(
                    connection,
                    schema,
                    (given.organisation_id, goal_id, given.recipient_id),
                    [(given.kind, given.visibility)],
                    given.given_at,
                )
            case FeedbackRequestClosed(goal_id=str(goal_id)) as closed if closed.released_answers:
                await self._count(
                    connection,
                    schema,
                    (closed.organisation_id, goal_id, closed.recipient_id),
                    [(answer.kind, answer.visibility) for answer in closed.released_answers],
                    closed.closed_at,
                )
            case FeedbackVisibilityNarrowed(goal_id=str(goal_id)) as narrowed:
                if narrowed.previous_visibility == "recipient_and_manager":
                    await connection.execute(
                        f"UPDATE {schema}.goal_feedback_counts SET shared_count = shared_count - 1"
                        " WHERE organisation_id = $1 AND goal_id = $2",
                        narrowed.organisation_id,
                        goal_id,
                    )

    @staticmethod
    async def _count(
        connection: Connection,
        schema: str,
        goal: tuple[str, str, str],
        pieces: Iterable[tuple[FeedbackKind, FeedbackVisibility]],
        at: datetime,
    ) -> None:
        given = list(pieces)
        kinds = [kind for kind, _ in given]
        shared = sum(1 for _, visibility in given if visibility == "recipient_and_manager")
        await connection.execute(
            f"""
            INSERT INTO {schema}.goal_feedback_counts AS c (
                organisation_id, goal_id, employee_id, feedback_count, shared_count,
                praise_count, constructive_count, upward_count, last_feedback_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (organisation_id, goal_id) DO UPDATE SET
                feedback_count = c.feedback_count + excluded.feedback_count,
                shared_count = c.shared_count + excluded.shared_count,
                praise_count = c.praise_count + excluded.praise_count,
                constructive_count = c.constructive_count + excluded.constructive_count,
                upward_count = c.upward_count + excluded.upward_count,
                last_feedback_at = greatest(c.last_feedback_at, excluded.last_feedback_at)
            """,
            *goal,
            len(given),
            shared,
            kinds.count("praise"),
            kinds.count("constructive"),
            kinds.count("upward"),
            at,
        )
