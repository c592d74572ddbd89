"""An employee's recognition feed: recognition from policies and colleagues, and the rewards
granted, each with who may see it (public, team, private; rewards are always private)."""

from __future__ import annotations

from collections.abc import Sequence

from trellis_contracts import recognition as r
from trellis_kernel.store import Connection, StoredEvent


class RecognitionFeed:
    name = "recognition.recognition_feed"
    tables: Sequence[str] = ("recognition_feed",)
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.recognition_feed (
            organisation_id text NOT NULL,
            entry_id        text NOT NULL,
            employee_id     text NOT NULL,
            entry_kind      text NOT NULL,
            source          text NOT NULL,
            visibility      text NOT NULL,
            given_by        text,
            goal_id         text,
            milestone_id    text,
            message         text,
            reward_kind     text,
            amount          numeric,
            currency        text,
            points          integer,
            occurred_at     timestamptz NOT NULL,
            PRIMARY KEY (organisation_id, entry_id)
        )
        """,
        "CREATE INDEX ON {schema}.recognition_feed (organisation_id, employee_id, occurred_at)",
        "CREATE INDEX ON {schema}.recognition_feed (organisation_id, visibility, occurred_at)",
    )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        p = event.payload
        if event.event_type == r.RecognitionAwardedV3.event_type():
            row = (p["recognition_id"], p["recipient_id"], "recognition", "policy", p["visibility"], None)
            reward: tuple[object, ...] = (None, None, None, None)
            message = p.get("message")
        elif event.event_type == r.PeerRecognitionGivenV2.event_type():
            row = (
                p["recognition_id"],
                p["recipient_id"],
                "recognition",
                "peer",
                p["visibility"],
                p["giver_id"],
            )
            reward = (None, None, None, None)
            message = p["message"]
        elif event.event_type == r.RewardGrantedV2.event_type():
            row = (p["reward_id"], p["recipient_id"], "reward", "policy", "private", None)
            money = p.get("amount") or {}
            reward = (p["kind"], money.get("amount"), money.get("currency"), p.get("points"))
            message = None
        else:
            return
        entry_id, employee_id, entry_kind, source, visibility, given_by = row
        await connection.execute(
            f"""
            INSERT INTO {schema}.recognition_feed (organisation_id, entry_id, employee_id, entry_kind, source,
                visibility, given_by, goal_id, milestone_id, message, reward_kind, amount, currency, points,
                occurred_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::numeric, $13, $14, $15)
            ON CONFLICT (organisation_id, entry_id) DO NOTHING
            """,
            p["organisation_id"],
            entry_id,
            employee_id,
            entry_kind,
            source,
            visibility,
            given_by,
            p.get("goal_id"),
            p.get("milestone_id"),
            message,
            *reward,
            event.occurred_at,
        )
