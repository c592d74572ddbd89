"""Budget use per team: each budget with what was granted from it, and every charge."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from trellis_contracts import recognition as r
from trellis_kernel.store import Connection, StoredEvent
from trellis_recognition.domain.periods import budget_period


class BudgetUse:
    name = "recognition.budget_use"
    tables: Sequence[str] = ("budget_use", "budget_charges")
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.budget_use (
            organisation_id text NOT NULL,
            team_id         text NOT NULL,
            period          text NOT NULL,
            period_start    date NOT NULL,
            period_end      date NOT NULL,
            amount          numeric NOT NULL,
            currency        text NOT NULL,
            used            numeric NOT NULL,
            PRIMARY KEY (organisation_id, team_id, period)
        )
        """,
        """
        CREATE TABLE {schema}.budget_charges (
            organisation_id      text NOT NULL,
            team_id              text NOT NULL,
            reward_id            text NOT NULL,
            amount               numeric NOT NULL,
            currency             text NOT NULL,
            charged_on           date NOT NULL,
            approved_over_budget boolean NOT NULL,
            PRIMARY KEY (organisation_id, reward_id)
        )
        """,
        "CREATE INDEX ON {schema}.budget_charges (organisation_id, team_id, charged_on)",
    )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        payload = event.payload
        if event.event_type == r.BudgetSet.event_type():
            period = budget_period(payload["period"])
            money = payload["amount"]
            await connection.execute(
                f"""
                INSERT INTO {schema}.budget_use (organisation_id, team_id, period, period_start, period_end,
                    amount, currency, used)
                SELECT $1, $2, $3, $4, $5, $6::numeric, $7, coalesce(sum(c.amount), 0)
                FROM {schema}.budget_charges c
                WHERE c.organisation_id = $1 AND c.team_id = $2 AND c.currency = $7
                  AND c.charged_on >= $4 AND c.charged_on < $5
                ON CONFLICT (organisation_id, team_id, period) DO UPDATE SET
                    amount = excluded.amount, currency = excluded.currency, used = excluded.used
                """,
                payload["organisation_id"],
                payload["team_id"],
                payload["period"],
                period.start,
                period.end,
                money["amount"],
                money["currency"],
            )
        elif event.event_type == r.BudgetCharged.event_type():
            money = payload["amount"]
            inserted = await connection.fetchval(
                f"""
                INSERT INTO {schema}.budget_charges (organisation_id, team_id, reward_id, amount, currency,
                    charged_on, approved_over_budget)
                VALUES ($1, $2, $3, $4::numeric, $5, $6::date, $7)
                ON CONFLICT (organisation_id, reward_id) DO NOTHING
                RETURNING true
                """,
                payload["organisation_id"],
                payload["team_id"],
                payload["reward_id"],
                money["amount"],
                money["currency"],
                _day(payload["charged_on"]),
                payload["approved_over_budget"],
            )
            if inserted:
                await connection.execute(
                    f"""
                    UPDATE {schema}.budget_use SET used = used + $4::numeric
                    WHERE organisation_id = $1 AND team_id = $2 AND currency = $5
                      AND period_start <= $3::date AND $3::date < period_end
                    """,
                    payload["organisation_id"],
                    payload["team_id"],
                    _day(payload["charged_on"]),
                    money["amount"],
                    money["currency"],
                )


def _day(text: str) -> date:
    return date.fromisoformat(text)
