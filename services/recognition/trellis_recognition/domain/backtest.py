"""Backtesting a draft policy: what it would have granted over a history, emitting nothing.

The draft decides every triggering event of the period as if it had been in effect all along
(its effective date is ignored). Counts over windows are taken from the history itself, in the
order the events happened, including events before the period that fall in a window reaching
into it; only events inside the period trigger. Budgets are not applied: the report is what
the draft would grant, per team and outcome kind, with its cost per currency (or in points).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from trellis_contracts.reward_policy import BonusOutcome, CompensationOutcome, PointsOutcome, RewardPolicy
from trellis_recognition.domain.evaluation import (
    CountKey,
    Facts,
    GoalFacts,
    PlannedOutcome,
    rule_outcomes,
    version_count_queries,
)
from trellis_recognition.domain.policies import draft_version
from trellis_recognition.domain.rules import utc_day
from trellis_recognition.domain.triggers import TriggeringEvent

POINTS = "points"


@dataclass(frozen=True)
class HistoricalTrigger:
    """A triggering event of the stored history, with the facts as they stood then."""

    event: TriggeringEvent
    goal: GoalFacts | None = None
    team_id: str | None = None


@dataclass(frozen=True)
class BacktestLine:
    team_id: str | None
    outcome_kind: str
    count: int
    cost: Mapping[str, Decimal]
    """Total per currency code, or under ``points``; empty for outcomes without a cost."""


@dataclass(frozen=True)
class BacktestReport:
    period_start: date
    period_end: date
    events_considered: int
    outcomes: tuple[PlannedOutcome, ...]
    lines: tuple[BacktestLine, ...]
    """One line per team (None: employees without a known team) and outcome kind, sorted."""


def cost_of(planned: PlannedOutcome) -> tuple[str, Decimal] | None:
    detail = planned.detail
    if isinstance(detail, BonusOutcome):
        return detail.currency, Decimal(detail.amount)
    if isinstance(detail, CompensationOutcome):
        return detail.change.currency, detail.change.as_decimal()
    if isinstance(detail, PointsOutcome):
        return POINTS, Decimal(detail.amount)
    return None


def backtest(
    draft: RewardPolicy,
    organisation_id: str,
    history: Sequence[HistoricalTrigger],
    *,
    period_start: date,
    period_end: date,
) -> BacktestReport:
    """What ``draft`` would have decided for the events of ``[period_start, period_end)``."""
    version = draft_version(draft, organisation_id)
    ordered = sorted(
        (h for h in history if h.event.organisation_id == organisation_id),
        key=lambda h: (h.event.occurred_at, h.event.event_id),
    )
    outcomes: list[PlannedOutcome] = []
    seen: set[str] = set()
    known: dict[str, list[TriggeringEvent]] = defaultdict(list)  # per employee, so far
    considered = 0
    for item in ordered:
        event = item.event
        earlier = tuple(known[event.employee_id])
        known[event.employee_id].append(event)
        if not period_start <= utc_day(event.occurred_at) < period_end:
            continue
        considered += 1
        counts: dict[CountKey, int] = {
            query.key: query.count(event, earlier) for query in version_count_queries(version, event)
        }
        facts = Facts(goal=item.goal, team_id=item.team_id, counts=MappingProxyType(counts))
        for rule in draft.rules:
            for planned in rule_outcomes(version, rule, event, facts):
                if planned.outcome_id not in seen:  # once per id, as recording would
                    seen.add(planned.outcome_id)
                    outcomes.append(planned)
    return BacktestReport(period_start, period_end, considered, tuple(outcomes), _lines(outcomes))


def _lines(outcomes: Sequence[PlannedOutcome]) -> tuple[BacktestLine, ...]:
    counts: dict[tuple[str | None, str], int] = defaultdict(int)
    costs: dict[tuple[str | None, str], dict[str, Decimal]] = defaultdict(dict)
    for planned in outcomes:
        key = (planned.team_id, planned.kind)
        counts[key] += 1
        cost = cost_of(planned)
        if cost is not None:
            unit, amount = cost
            costs[key][unit] = costs[key].get(unit, Decimal(0)) + amount
    return tuple(
        BacktestLine(team, kind, counts[(team, kind)], MappingProxyType(costs[(team, kind)]))
        for team, kind in sorted(counts, key=lambda key: (key[0] or "", key[1]))
    )
