"""An employee's recognition feed: recognition from policies and colleagues, and the rewards
granted, each with who may see it (public, team, private; rewards are always private).

Messages are stored as the codec opens them (the recipient's key); erasing the recipient forgets
them here at once (``forget``), and a rebuild reads them as erased, since the key is gone. A
message written while the recipient is being erased cannot slip in after the forgetting: writing
holds a shared lock on the person and checks for their erasure, forgetting holds it exclusively."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Final

from trellis_contracts import recognition as r
from trellis_contracts.personal import ERASED
from trellis_kernel.codec import AsyncEventCodec
from trellis_kernel.store import Connection, StoredEvent

_FED: Final = frozenset(
    event.event_type() for event in (r.RecognitionAwardedV3, r.PeerRecognitionGivenV2, r.RewardGrantedV2)
)


def _person_lock(organisation_id: str, person_id: str) -> int:
    digest = hashlib.sha256(f"trellis.recognition.feed\n{organisation_id}\n{person_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


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

    def __init__(self, codec: AsyncEventCodec[Any]) -> None:
        """``codec``: the service's (protecting) codec, which opens the messages in the
        projection's own transaction."""
        self._codec = codec

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        if event.event_type not in _FED:
            return
        [decoded] = await self._codec.decode_all([event], connection=connection)
        reward: tuple[object, ...] = (None, None, None, None)
        message: str | None = None
        given_by: str | None = None
        match decoded:
            case r.PeerRecognitionGiven():
                entry_id, source, visibility = decoded.recognition_id, "peer", decoded.visibility
                given_by, message = decoded.giver_id, decoded.message
                kind = "recognition"
            case r.RecognitionAwardedV2():
                entry_id, source, visibility = decoded.recognition_id, "policy", decoded.visibility
                message, kind = decoded.message, "recognition"
            case r.RewardGrantedV2():
                entry_id, source, visibility, kind = decoded.reward_id, "policy", "private", "reward"
                money = decoded.amount
                reward = (
                    decoded.kind,
                    money.amount if money else None,
                    money.currency if money else None,
                    decoded.points,
                )
            case _:
                return
        if message is not None:
            await connection.execute(
                "SELECT pg_advisory_xact_lock_shared($1)",
                _person_lock(decoded.organisation_id, decoded.recipient_id),
            )
            if await connection.fetchval(
                "SELECT EXISTS (SELECT FROM privacy_erasures WHERE organisation_id = $1 AND person_id = $2)",
                decoded.organisation_id,
                decoded.recipient_id,
            ):
                message = ERASED
        await connection.execute(
            f"""
            INSERT INTO {schema}.recognition_feed (organisation_id, entry_id, employee_id, entry_kind, source,
                visibility, given_by, goal_id, milestone_id, message, reward_kind, amount, currency, points,
                occurred_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::numeric, $13, $14, $15)
            ON CONFLICT (organisation_id, entry_id) DO NOTHING
            """,
            decoded.organisation_id,
            entry_id,
            decoded.recipient_id,
            kind,
            source,
            visibility,
            given_by,
            getattr(decoded, "goal_id", None),
            getattr(decoded, "milestone_id", None),
            message,
            *reward,
            event.occurred_at,
        )

    async def forget(self, connection: Connection, organisation_id: str, person_id: str, schema: str) -> None:
        """The person was erased: the messages about them (their feed's) read as erased."""
        await connection.execute("SELECT pg_advisory_xact_lock($1)", _person_lock(organisation_id, person_id))
        await connection.execute(
            f"UPDATE {schema}.recognition_feed SET message = $3"
            " WHERE organisation_id = $1 AND employee_id = $2 AND message IS NOT NULL AND message <> $3",
            organisation_id,
            person_id,
            ERASED,
        )
