"""A team's budgets for monetary rewards, one stream per team and calendar year.

HR sets a budget per period (the year, a quarter or a month); every monetary reward granted to
a member of the team is charged to the stream, so a grant that would take a period past its
budget is seen as such even when grants race (they conflict on the stream's version).
A grant exactly at the budget passes; one cent over is held for an HR admin's approval,
as is one in another currency than the budget's. A team without a budget has no limit.
Teams are named by their manager's employee id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

from trellis_contracts.fields import Money
from trellis_contracts.recognition import BudgetCharged, BudgetSet
from trellis_kernel.decider import Decider, DomainError
from trellis_recognition.domain.periods import Period, budget_period
from trellis_recognition.domain.rules import require_aware

BudgetEvent = BudgetSet | BudgetCharged


def budget_id(team_id: str, year: int) -> str:
    return f"{team_id}.{year}"


@dataclass(frozen=True, kw_only=True)
class SetBudget:
    organisation_id: str
    team_id: str
    period: str
    amount: Money
    set_by: str
    now: datetime


@dataclass(frozen=True, kw_only=True)
class ChargeBudget:
    """Charge a granted reward; ``approved_over_budget`` when an HR admin approved it beyond."""

    organisation_id: str
    team_id: str
    reward_id: str
    amount: Money
    day: date
    approved_over_budget: bool = False
    now: datetime


BudgetCommand = SetBudget | ChargeBudget


@dataclass(frozen=True)
class Charge:
    reward_id: str
    amount: Money
    day: date


@dataclass(frozen=True)
class TeamBudgets:
    organisation_id: str | None = None
    team_id: str | None = None
    year: int | None = None
    budgets: Mapping[str, Money] = field(default_factory=lambda: MappingProxyType({}))
    charges: tuple[Charge, ...] = ()

    def used(self, period: Period, currency: str) -> Decimal:
        return sum(
            (
                c.amount.as_decimal()
                for c in self.charges
                if c.day in period and c.amount.currency == currency
            ),
            Decimal(0),
        )


@dataclass(frozen=True)
class Within:
    """The grant fits every budget of its day (or there is none)."""

    verdict: Literal["within"] = "within"


@dataclass(frozen=True)
class Exceeded:
    """The grant does not fit the budget of ``period``."""

    reason: Literal["over_budget", "currency_differs"]
    period: str
    budget: Money
    used: Money


BudgetVerdict = Within | Exceeded


def assess(state: TeamBudgets, amount: Money, day: date) -> BudgetVerdict:
    """Whether granting ``amount`` on ``day`` keeps every budget holding that day (the year's
    first, then the quarter's, then the month's)."""
    holding = sorted(
        (
            (budget_period(label), money)
            for label, money in state.budgets.items()
            if day in budget_period(label)
        ),
        key=lambda item: (item[0].start, -item[0].end.toordinal()),
    )
    for period, budget in holding:
        used = state.used(period, budget.currency)
        spent = Money(amount=str(used), currency=budget.currency)
        if amount.currency != budget.currency:
            return Exceeded("currency_differs", period.label, budget, spent)
        if used + amount.as_decimal() > budget.as_decimal():
            return Exceeded("over_budget", period.label, budget, spent)
    return Within()


def _check_stream(command: BudgetCommand, state: TeamBudgets, year: int) -> None:
    if state.organisation_id not in (None, command.organisation_id) or state.team_id not in (
        None,
        command.team_id,
    ):
        raise DomainError("These budgets belong to another team", field="team_id")
    if state.year not in (None, year):
        raise DomainError(f"These are the team's budgets for {state.year}, not {year}", field="period")


def decide_budget(command: BudgetCommand, state: TeamBudgets) -> Sequence[BudgetEvent]:
    require_aware(command.now)
    if isinstance(command, SetBudget):
        try:
            period = budget_period(command.period)
        except ValueError as error:
            raise DomainError(str(error), field="period") from None
        _check_stream(command, state, period.start.year)
        if command.amount.as_decimal() < 0:
            raise DomainError("A budget cannot be negative", field="amount")
        if state.budgets.get(command.period) == command.amount:
            return []
        return [
            BudgetSet(
                budget_id=budget_id(command.team_id, period.start.year),
                organisation_id=command.organisation_id,
                team_id=command.team_id,
                period=command.period,
                amount=command.amount,
                set_by_id=command.set_by,
                set_at=command.now,
            )
        ]
    _check_stream(command, state, command.day.year)
    if any(charge.reward_id == command.reward_id for charge in state.charges):
        return []  # charged already
    if command.amount.as_decimal() <= 0:
        raise DomainError("A charge must be more than zero", field="amount")
    verdict = assess(state, command.amount, command.day)
    if isinstance(verdict, Exceeded) and not command.approved_over_budget:
        raise DomainError(
            f"The reward does not fit the {verdict.period} budget ({verdict.reason.replace('_', ' ')}); "
            "it needs an HR admin's approval",
            field="amount",
        )
    return [
        BudgetCharged(
            budget_id=budget_id(command.team_id, command.day.year),
            organisation_id=command.organisation_id,
            team_id=command.team_id,
            reward_id=command.reward_id,
            amount=command.amount,
            charged_on=command.day,
            approved_over_budget=command.approved_over_budget,
            charged_at=command.now,
        )
    ]


def evolve_budget(state: TeamBudgets, event: BudgetEvent) -> TeamBudgets:
    year = budget_period(event.period).start.year if isinstance(event, BudgetSet) else event.charged_on.year
    state = replace(state, organisation_id=event.organisation_id, team_id=event.team_id, year=year)
    if isinstance(event, BudgetSet):
        return replace(state, budgets=MappingProxyType({**state.budgets, event.period: event.amount}))
    return replace(state, charges=(*state.charges, Charge(event.reward_id, event.amount, event.charged_on)))


budget_decider: Decider[BudgetCommand, TeamBudgets, BudgetEvent] = Decider(
    decide=decide_budget, evolve=evolve_budget, initial_state=TeamBudgets
)
