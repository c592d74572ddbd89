"""What waits for an HR admin: held rewards and proposed pay changes, until decided."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from trellis_contracts import recognition as r
from trellis_kernel.store import Connection, StoredEvent

_DONE: Final[dict[str, str]] = {
    r.RewardGrantedV2.event_type(): "reward_id",
    r.RewardRejectedV2.event_type(): "reward_id",
    r.CompensationAdjustmentApprovedV2.event_type(): "adjustment_id",
    r.CompensationAdjustmentRejectedV3.event_type(): "adjustment_id",
}


class PendingApprovals:
    name = "recognition.pending_approvals"
    tables: Sequence[str] = ("pending_approvals",)
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.pending_approvals (
            organisation_id text NOT NULL,
            subject_id      text NOT NULL,
            kind            text NOT NULL,
            employee_id     text NOT NULL,
            team_id         text,
            amount          numeric NOT NULL,
            currency        text NOT NULL,
            detail          text NOT NULL,
            policy_id       text NOT NULL,
            policy_version  integer NOT NULL,
            waiting_since   timestamptz NOT NULL,
            PRIMARY KEY (organisation_id, subject_id)
        )
        """,
        "CREATE INDEX ON {schema}.pending_approvals (organisation_id, waiting_since)",
    )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        payload = event.payload
        if event.event_type in _DONE:
            await connection.execute(
                f"DELETE FROM {schema}.pending_approvals WHERE organisation_id = $1 AND subject_id = $2",
                payload["organisation_id"],
                payload[_DONE[event.event_type]],
            )
            return
        if event.event_type == r.RewardHeldForApproval.event_type():
            row = (
                "reward",
                payload["reward_id"],
                payload["recipient_id"],
                payload["amount"],
                payload["reason"],
            )
        elif event.event_type == r.CompensationAdjustmentProposedV3.event_type():
            detail = f"{payload['kind']} per {payload['pay_period']} period"
            row = (
                "compensation_adjustment",
                payload["adjustment_id"],
                payload["employee_id"],
                payload["change"],
                detail,
            )
        else:
            return
        kind, subject_id, employee_id, money, detail = row
        await connection.execute(
            f"""
            INSERT INTO {schema}.pending_approvals (organisation_id, subject_id, kind, employee_id, team_id,
                amount, currency, detail, policy_id, policy_version, waiting_since)
            VALUES ($1, $2, $3, $4, $5, $6::numeric, $7, $8, $9, $10, $11)
            ON CONFLICT (organisation_id, subject_id) DO NOTHING
            """,
            payload["organisation_id"],
            subject_id,
            kind,
            employee_id,
            payload.get("team_id"),
            money["amount"],
            money["currency"],
            detail,
            payload["policy_id"],
            payload["policy_version"],
            event.occurred_at,
        )
