"""Reading the recognition read models for the API, always within one organisation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trellis_kernel.store import Connection, Pool


def _rows(records: Sequence[Any]) -> list[dict[str, Any]]:
    return [dict(record) for record in records]


async def budgets(pool: Pool, organisation_id: str, team_id: str) -> list[dict[str, Any]]:
    return _rows(
        await pool.fetch(
            "SELECT team_id, period, period_start, period_end, amount, currency, used FROM budget_use"
            " WHERE organisation_id = $1 AND team_id = $2 ORDER BY period_start, period_end DESC",
            organisation_id,
            team_id,
        )
    )


async def pending_approvals(pool: Pool, organisation_id: str) -> list[dict[str, Any]]:
    return _rows(
        await pool.fetch(
            "SELECT subject_id, kind, employee_id, team_id, amount, currency, detail, policy_id,"
            " policy_version, waiting_since FROM pending_approvals WHERE organisation_id = $1"
            " ORDER BY waiting_since, subject_id",
            organisation_id,
        )
    )


async def team_members(pool: Pool, organisation_id: str, team_id: str) -> list[str]:
    rows = await pool.fetch(
        "SELECT employee_id FROM team_members WHERE organisation_id = $1 AND manager_id = $2"
        " ORDER BY employee_id",
        organisation_id,
        team_id,
    )
    return [row["employee_id"] for row in rows]


async def feed(
    pool: Pool,
    organisation_id: str,
    *,
    employee_ids: Sequence[str] | None,
    visibilities: Sequence[str],
    rewards: bool,
    limit: int,
) -> list[dict[str, Any]]:
    """Recognition entries of these visibilities (and rewards, when ``rewards``), of these
    employees (everyone's for None), newest first."""
    return _rows(
        await pool.fetch(
            """
            SELECT entry_id, employee_id, entry_kind, source, visibility, given_by, goal_id, milestone_id,
                   message, reward_kind, amount, currency, points, occurred_at
            FROM recognition_feed
            WHERE organisation_id = $1
              AND ($2::text[] IS NULL OR employee_id = ANY($2::text[]))
              AND ((entry_kind = 'recognition' AND visibility = ANY($3::text[]))
                   OR (entry_kind = 'reward' AND $4))
            ORDER BY occurred_at DESC, entry_id
            LIMIT $5
            """,
            organisation_id,
            None if employee_ids is None else list(employee_ids),
            list(visibilities),
            rewards,
            limit,
        )
    )


async def reward_triggers(
    pool: Pool,
    organisation_id: str,
    *,
    triggering_event_id: str | None,
    employee_id: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    return _rows(
        await pool.fetch(
            """
            SELECT outcome_id, outcome_kind, outcome_event_type, employee_id, team_id, triggering_event_id,
                   triggering_event_type, policy_id, policy_version, rule_id, amount, currency, points,
                   approval_state, decided_by, decided_at, recorded_at, delivery_state, delivery_updated_at
            FROM reward_triggers
            WHERE organisation_id = $1
              AND ($2::text IS NULL OR triggering_event_id = $2)
              AND ($3::text IS NULL OR employee_id = $3)
            ORDER BY recorded_at DESC, outcome_id
            LIMIT $4
            """,
            organisation_id,
            triggering_event_id,
            employee_id,
            limit,
        )
    )


async def recognition_id_taken(
    connection: Connection, organisation_id: str, recognition_id: str, giver_id: str
) -> bool:
    """Whether the id names recognition in the organisation other than this giver's own."""
    taken: bool = await connection.fetchval(
        "SELECT EXISTS (SELECT FROM recognition_feed WHERE organisation_id = $1 AND entry_id = $2"
        " AND NOT (source = 'peer' AND given_by = $3))",
        organisation_id,
        recognition_id,
        giver_id,
    )
    return taken
