"""An employee's feedback timeline: every piece of feedback they received that may be read.

Named feedback appears when given. Anonymous answers appear only once released, when their
request closed with at least k answers, each as its own entry ``<request_id>#<n>`` with no
giver, no relationship and the release time: nothing in a row says who wrote it or when. The
rows keep what queries need to enforce who reads what: the giver (named only), the visibility
and the one manager it may be shared with.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from trellis_contracts.feedback import FeedbackGivenV2, FeedbackRequestClosed, FeedbackVisibilityNarrowed
from trellis_contracts.personal import ERASED
from trellis_feedback.projections.payloads import decoded, handling, updated
from trellis_kernel.codec import AsyncEventCodec
from trellis_kernel.store import Connection, StoredEvent

_HANDLED = handling(FeedbackGivenV2, FeedbackVisibilityNarrowed, FeedbackRequestClosed)

_INSERT = """
INSERT INTO {schema}.feedback_timeline (
    organisation_id, entry_id, recipient_id, recipient_manager_id, visibility, kind, anonymous,
    giver_id, relationship, request_id, goal_id, milestone_id, content, given_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT (organisation_id, entry_id) DO NOTHING
"""


def released_entry_id(request_id: str, position: int) -> str:
    """The timeline id of the ``position``-th (from 1) answer a request released."""
    return f"{request_id}#{position}"


class FeedbackTimeline:
    def __init__(self, codec: AsyncEventCodec[Any]) -> None:
        self._codec = codec

    name = "feedback.timeline"
    tables: Sequence[str] = ("feedback_timeline",)
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.feedback_timeline (
            organisation_id      text NOT NULL,
            entry_id             text NOT NULL,
            recipient_id         text NOT NULL,
            recipient_manager_id text,
            visibility           text NOT NULL,
            kind                 text NOT NULL,
            anonymous            boolean NOT NULL,
            giver_id             text,
            relationship         text,
            request_id           text,
            goal_id              text,
            milestone_id         text,
            content              text NOT NULL,
            given_at             timestamptz NOT NULL,
            PRIMARY KEY (organisation_id, entry_id),
            CHECK (anonymous = (giver_id IS NULL))
        )
        """,
        "CREATE INDEX ON {schema}.feedback_timeline (organisation_id, recipient_id, given_at)",
        "CREATE INDEX ON {schema}.feedback_timeline (organisation_id, giver_id, given_at)",
    )

    async def forget(self, connection: Connection, organisation_id: str, person_id: str, schema: str) -> int:
        """The feedback about an erased person reads as erased (as a rebuild shows it: its key
        is shredded); rows they gave about others keep their text. Returns the texts forgotten."""
        status = await connection.execute(
            f"UPDATE {schema}.feedback_timeline SET content = $3"
            " WHERE organisation_id = $1 AND recipient_id = $2 AND content <> $3",
            organisation_id,
            person_id,
            ERASED,
        )
        return updated(status)

    async def forget_before(
        self, connection: Connection, organisation_id: str, before: datetime, schema: str
    ) -> int:
        """Feedback given (or released) before ``before`` reads as erased."""
        return updated(
            await connection.execute(
                f"UPDATE {schema}.feedback_timeline SET content = $3"
                " WHERE organisation_id = $1 AND given_at < $2 AND content <> $3",
                organisation_id,
                before,
                ERASED,
            )
        )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        match await decoded(event, _HANDLED, codec=self._codec, connection=connection):
            case FeedbackGivenV2() as given:
                await connection.execute(
                    _INSERT.format(schema=schema),
                    given.organisation_id,
                    given.feedback_id,
                    given.recipient_id,
                    given.recipient_manager_id,
                    given.visibility,
                    given.kind,
                    False,
                    given.giver_id,
                    given.relationship,
                    given.request_id,
                    given.goal_id,
                    given.milestone_id,
                    given.content,
                    given.given_at,
                )
            case FeedbackVisibilityNarrowed() as narrowed:
                await connection.execute(
                    f"UPDATE {schema}.feedback_timeline SET visibility = $3"
                    " WHERE organisation_id = $1 AND entry_id = $2",
                    narrowed.organisation_id,
                    narrowed.feedback_id,
                    narrowed.visibility,
                )
            case FeedbackRequestClosed() as closed if closed.released_answers:
                await connection.executemany(
                    _INSERT.format(schema=schema),
                    [
                        (
                            closed.organisation_id,
                            released_entry_id(closed.request_id, position),
                            closed.recipient_id,
                            closed.recipient_manager_id,
                            answer.visibility,
                            answer.kind,
                            True,
                            None,
                            None,
                            closed.request_id,
                            closed.goal_id,
                            closed.milestone_id,
                            answer.content,
                            closed.closed_at,
                        )
                        for position, answer in enumerate(closed.released_answers, start=1)
                    ],
                )
