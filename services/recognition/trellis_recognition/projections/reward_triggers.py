"""The reward-trigger view: one row per outcome of a policy, saying which event triggered it,
which policy version and rule decided, its approval state, and (filled in by the integrations
that deliver it to payroll or the LMS) its delivery state downstream. Times are the events'
``occurred_at`` as stored (the codec stores each event's own time there)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from trellis_contracts import recognition as r
from trellis_kernel.store import Connection, StoredEvent

_OUTCOMES: Final[dict[str, tuple[str, str, str]]] = {
    # event type: (kind, id field, employee field)
    r.RecognitionAwardedV3.event_type(): ("recognition", "recognition_id", "recipient_id"),
    r.RewardGrantedV2.event_type(): ("reward", "reward_id", "recipient_id"),
    r.RewardHeldForApproval.event_type(): ("reward", "reward_id", "recipient_id"),
    r.CompensationAdjustmentProposedV3.event_type(): (
        "compensation_adjustment",
        "adjustment_id",
        "employee_id",
    ),
    r.LearningAssignmentRequestedV2.event_type(): ("learning_assignment", "assignment_id", "learner_id"),
    r.InitiativeLeadProposedV2.event_type(): ("lead_initiative", "proposal_id", "employee_id"),
}
_DECISIONS: Final[dict[str, tuple[str, str, str]]] = {
    # event type: (id field, state, by field)
    r.CompensationAdjustmentApprovedV2.event_type(): ("adjustment_id", "approved", "approved_by_id"),
    r.CompensationAdjustmentRejectedV3.event_type(): ("adjustment_id", "rejected", "rejected_by_id"),
    r.RewardRejectedV2.event_type(): ("reward_id", "rejected", "rejected_by_id"),
}
_APPROVAL_STATE: Final[dict[str, str]] = {
    r.RewardHeldForApproval.event_type(): "pending",
    r.CompensationAdjustmentProposedV3.event_type(): "pending",
}


def _money(payload: dict[str, Any]) -> tuple[str | None, str | None]:
    money = payload.get("amount") or payload.get("change")
    return (money["amount"], money["currency"]) if isinstance(money, dict) else (None, None)


class RewardTriggers:
    name = "recognition.reward_triggers"
    tables: Sequence[str] = ("reward_triggers",)
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.reward_triggers (
            organisation_id       text NOT NULL,
            outcome_id            text NOT NULL,
            outcome_kind          text NOT NULL,
            outcome_event_type    text NOT NULL,
            employee_id           text NOT NULL,
            team_id               text,
            triggering_event_id   text NOT NULL,
            triggering_event_type text NOT NULL,
            policy_id             text NOT NULL,
            policy_version        integer NOT NULL,
            rule_id               text NOT NULL,
            amount                numeric,
            currency              text,
            points                integer,
            approval_state        text NOT NULL,
            decided_by            text,
            decided_at            timestamptz,
            recorded_at           timestamptz NOT NULL,
            delivery_state        text,
            delivery_updated_at   timestamptz,
            PRIMARY KEY (organisation_id, outcome_id)
        )
        """,
        "CREATE INDEX ON {schema}.reward_triggers (organisation_id, triggering_event_id)",
        "CREATE INDEX ON {schema}.reward_triggers (organisation_id, employee_id)",
    )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        payload = event.payload
        if event.event_type in _DECISIONS:
            id_field, state, by_field = _DECISIONS[event.event_type]
            await connection.execute(
                f"UPDATE {schema}.reward_triggers SET approval_state = $3, decided_by = $4, decided_at = $5"
                " WHERE organisation_id = $1 AND outcome_id = $2",
                payload["organisation_id"],
                payload[id_field],
                state,
                payload[by_field],
                event.occurred_at,
            )
            return
        described = _OUTCOMES.get(event.event_type)
        if described is None:
            return
        kind, id_field, employee_field = described
        amount, currency = _money(payload)
        approved_by = payload.get("approved_by_id")
        state = "approved" if approved_by else _APPROVAL_STATE.get(event.event_type, "not_required")
        await connection.execute(
            f"""
            INSERT INTO {schema}.reward_triggers (
                organisation_id, outcome_id, outcome_kind, outcome_event_type, employee_id, team_id,
                triggering_event_id, triggering_event_type, policy_id, policy_version, rule_id,
                amount, currency, points, approval_state, decided_by, decided_at, recorded_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::numeric, $13, $14, $15, $16, $17, $18)
            ON CONFLICT (organisation_id, outcome_id) DO UPDATE SET
                outcome_event_type = excluded.outcome_event_type, approval_state = excluded.approval_state,
                decided_by = excluded.decided_by, decided_at = excluded.decided_at
            """,
            payload["organisation_id"],
            payload[id_field],
            kind,
            event.event_type,
            payload[employee_field],
            payload.get("team_id"),
            payload["triggering_event_id"],
            payload["triggering_event_type"],
            payload["policy_id"],
            payload["policy_version"],
            payload["rule_id"],
            amount,
            currency,
            payload.get("points"),
            state,
            approved_by,
            event.occurred_at if approved_by else None,
            event.occurred_at,
        )
