"""Each organisation's retention rule for feedback text, for the daily job that applies it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trellis_contracts.feedback import FeedbackRetentionSet
from trellis_feedback.projections.payloads import decoded, handling
from trellis_kernel.codec import AsyncEventCodec
from trellis_kernel.store import Connection, StoredEvent

_HANDLED = handling(FeedbackRetentionSet)


class RetentionRules:
    def __init__(self, codec: AsyncEventCodec[Any]) -> None:
        self._codec = codec

    name = "feedback.retention_rules"
    tables: Sequence[str] = ("feedback_retention_rules",)
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.feedback_retention_rules (
            organisation_id text PRIMARY KEY,
            years           integer NOT NULL,
            set_by          text NOT NULL,
            set_at          timestamptz NOT NULL
        )
        """,
    )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        match await decoded(event, _HANDLED, codec=self._codec, connection=connection):
            case FeedbackRetentionSet() as rule:
                await connection.execute(
                    f"""
                    INSERT INTO {schema}.feedback_retention_rules (organisation_id, years, set_by, set_at)
                    VALUES ($1, $2, $3, $4)
                    ON CONFLICT (organisation_id) DO UPDATE SET
                        years = excluded.years, set_by = excluded.set_by, set_at = excluded.set_at
                    """,
                    rule.organisation_id,
                    rule.years,
                    rule.set_by,
                    rule.set_at,
                )
