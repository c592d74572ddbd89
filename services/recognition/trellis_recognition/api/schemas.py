"""Request and response bodies of the HTTP API (published in its OpenAPI document)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from trellis_contracts.fields import NO_NUL_PATTERN, Money, OpaqueId
from trellis_contracts.recognition import RecognitionVisibility
from trellis_recognition.domain.backtest import POINTS, BacktestReport, cost_of
from trellis_recognition.domain.evaluation import PlannedOutcome

Reason = Annotated[str, StringConstraints(min_length=1, max_length=4000, pattern=NO_NUL_PATTERN)]
Message = Annotated[str, StringConstraints(min_length=1, max_length=4000, pattern=NO_NUL_PATTERN)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Versioned(Body):
    expected_version: int | None = Field(
        default=None,
        ge=0,
        description="The stream version the caller decided on; a different current version "
        "answers 409 with that version. Omit to act on whatever is current.",
    )


def money(amount: Decimal | None, currency: str | None) -> Money | None:
    if amount is None or currency is None:
        return None
    return Money(amount=format(amount, "f"), currency=currency)


# --- policies ------------------------------------------------------------------------------------


class PolicyVersionOut(BaseModel):
    policy_id: str
    policy_version: int
    title: str
    effective_on: date = Field(description="First day (UTC) this version decides.")
    published_by: str
    published_at: datetime
    document: dict[str, Any] = Field(description="The document as published (reward-policy.v1).")


class PolicyOut(BaseModel):
    policy_id: str
    title: str = Field(description="The latest version's title.")
    latest_version: int
    versions: list[PolicyVersionOut] = Field(description="Every version, oldest first.")


def policies_out(rows: list[dict[str, Any]]) -> list[PolicyOut]:
    grouped: dict[str, list[PolicyVersionOut]] = {}
    for row in rows:
        grouped.setdefault(row["policy_id"], []).append(PolicyVersionOut.model_validate(row))
    return [
        PolicyOut(policy_id=policy_id, title=versions[-1].title, latest_version=versions[-1].policy_version,
                  versions=versions)
        for policy_id, versions in grouped.items()
    ]  # fmt: skip


class BacktestLineOut(BaseModel):
    team_id: str | None = Field(description="The team (its manager's id); null: no known team.")
    outcome_kind: str
    count: int
    cost: dict[str, str] = Field(
        description=f"Total per currency code, or under `{POINTS}`; empty for outcomes without a cost."
    )


class BacktestOutcomeOut(BaseModel):
    outcome_id: str
    outcome_kind: str
    employee_id: str
    team_id: str | None
    triggering_event_id: str
    triggering_event_type: str
    rule_id: str
    decided_on: date
    cost: dict[str, str]


class BacktestOut(BaseModel):
    """What the draft would have granted; nothing was recorded or published."""

    period_start: date
    period_end: date = Field(description="The first day after the period.")
    events_considered: int = Field(description="Triggering events of the period in the history.")
    lines: list[BacktestLineOut] = Field(description="Count and cost per team and outcome kind.")
    outcomes: list[BacktestOutcomeOut]


def _cost(planned: PlannedOutcome) -> dict[str, str]:
    cost = cost_of(planned)
    return {} if cost is None else {cost[0]: str(cost[1])}


def _costs(cost: Mapping[str, Decimal]) -> dict[str, str]:
    return {unit: str(amount) for unit, amount in cost.items()}


def backtest_out(report: BacktestReport) -> BacktestOut:
    return BacktestOut(
        period_start=report.period_start,
        period_end=report.period_end,
        events_considered=report.events_considered,
        lines=[
            BacktestLineOut(team_id=line.team_id, outcome_kind=line.outcome_kind, count=line.count,
                            cost=_costs(line.cost))
            for line in report.lines
        ],
        outcomes=[
            BacktestOutcomeOut(
                outcome_id=planned.outcome_id,
                outcome_kind=planned.kind,
                employee_id=planned.employee_id,
                team_id=planned.team_id,
                triggering_event_id=planned.cause.triggering_event_id,
                triggering_event_type=planned.cause.triggering_event_type,
                rule_id=planned.cause.rule_id,
                decided_on=planned.decided_on,
                cost=_cost(planned),
            )
            for planned in report.outcomes
        ],
    )  # fmt: skip


# --- budgets -------------------------------------------------------------------------------------


class BudgetIn(Versioned):
    amount: Money = Field(description="What the team may grant in the period.")


class BudgetOut(BaseModel):
    team_id: str
    period: str
    period_start: date
    period_end: date = Field(description="The first day after the period.")
    amount: Money
    used: Money = Field(description="What was granted from it (approved grants beyond it included).")


def budget_out(row: dict[str, Any]) -> BudgetOut:
    amount = money(row["amount"], row["currency"])
    used = money(row["used"], row["currency"])
    assert amount is not None and used is not None
    return BudgetOut(**{**row, "amount": amount, "used": used})


# --- approvals -----------------------------------------------------------------------------------


class DecisionIn(Versioned):
    reason: Reason | None = Field(default=None, description="Why (kept with a rejection).")


class PendingApprovalOut(BaseModel):
    subject_id: str = Field(description="The held reward's or proposed pay change's id.")
    kind: Literal["reward", "compensation_adjustment"]
    employee_id: str
    team_id: str | None
    amount: Money
    detail: str
    policy_id: str
    policy_version: int
    waiting_since: datetime


def pending_out(row: dict[str, Any]) -> PendingApprovalOut:
    amount = money(row["amount"], row["currency"])
    assert amount is not None
    return PendingApprovalOut(**{**row, "amount": amount})


# --- recognition ---------------------------------------------------------------------------------


class RecogniseIn(Body):
    recognition_id: OpaqueId | None = Field(
        default=None,
        description="Chosen by the caller, so that a retry records it once; generated if omitted.",
    )
    recipient_id: OpaqueId = Field(description="The colleague recognised (not oneself).")
    visibility: RecognitionVisibility = Field(
        description="Who sees it: the organisation, the recipient's team, or the recipient (and "
        "their manager); the policy in effect says which are allowed."
    )
    message: Message
    goal_id: OpaqueId | None = Field(default=None, description="The recipient's goal it is about.")
    milestone_id: OpaqueId | None = Field(default=None, description="A milestone of that goal.")


class FeedEntryOut(BaseModel):
    entry_id: str = Field(description="The recognition's or reward's id.")
    employee_id: str
    entry_kind: Literal["recognition", "reward"]
    source: Literal["policy", "peer"]
    visibility: RecognitionVisibility
    given_by: str | None = Field(description="The colleague who gave it (peer recognition).")
    goal_id: str | None
    milestone_id: str | None
    message: str | None
    reward_kind: str | None
    amount: Money | None
    points: int | None
    occurred_at: datetime


def feed_out(row: dict[str, Any]) -> FeedEntryOut:
    return FeedEntryOut(**{**row, "amount": money(row["amount"], row["currency"])})


class RewardTriggerOut(BaseModel):
    """One outcome of a policy: what triggered it, what decided, where it stands."""

    outcome_id: str
    outcome_kind: str
    outcome_event_type: str
    employee_id: str
    team_id: str | None
    triggering_event_id: str
    triggering_event_type: str
    policy_id: str
    policy_version: int
    rule_id: str
    amount: Money | None
    points: int | None
    approval_state: Literal["not_required", "pending", "approved", "rejected"]
    decided_by: str | None
    decided_at: datetime | None
    recorded_at: datetime
    delivery_state: str | None = Field(description="Its delivery downstream, once an integration reports it.")
    delivery_updated_at: datetime | None


def trigger_out(row: dict[str, Any]) -> RewardTriggerOut:
    return RewardTriggerOut(**{**row, "amount": money(row["amount"], row["currency"])})
