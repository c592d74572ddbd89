"""Backtests: what a draft policy would have granted over a stored history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.recognition.domain.builders import (
    EMPLOYEE,
    MANAGER,
    ORG,
    TEAMMATE,
    at,
    example,
    feedback_given,
    goal_completed,
    goal_facts,
    milestone_reached,
    policy,
    rule,
)
from trellis_recognition.domain.backtest import BacktestLine, HistoricalTrigger, backtest
from trellis_recognition.domain.evaluation import GoalFacts

Q1 = (date(2026, 1, 1), date(2026, 4, 1))
CERTIFIED = "aws-associate-certification"


def certified_goal(goal: str, employee: str) -> GoalFacts:
    return GoalFacts(goal, ORG, employee, template_id=CERTIFIED)


def test_a_draft_reports_count_and_cost_per_team_and_outcome_kind() -> None:
    history = [
        HistoricalTrigger(
            goal_completed("g1", at(date(2026, 1, 20)), goal="g1"), certified_goal("g1", EMPLOYEE), MANAGER
        ),
        HistoricalTrigger(
            goal_completed("g2", at(date(2026, 2, 20)), employee=TEAMMATE, goal="g2"),
            certified_goal("g2", TEAMMATE),
            MANAGER,
        ),
        HistoricalTrigger(
            goal_completed("g3", at(date(2026, 3, 1)), employee="emp_9", goal="g3"),
            certified_goal("g3", "emp_9"),
            "mgr_2",
        ),
        HistoricalTrigger(
            goal_completed("g4", at(date(2026, 3, 2)), employee="emp_8", goal="g4"),
            goal_facts(template="other"),
        ),
    ]
    report = backtest(example("certification-bonus.json"), ORG, history, period_start=Q1[0], period_end=Q1[1])
    assert report.events_considered == 4
    assert len(report.outcomes) == 6
    assert report.lines == (
        BacktestLine(MANAGER, "bonus", 2, {"EUR": Decimal("400.00")}),
        BacktestLine(MANAGER, "learning_assignment", 2, {}),
        BacktestLine("mgr_2", "bonus", 1, {"EUR": Decimal("200.00")}),
        BacktestLine("mgr_2", "learning_assignment", 1, {}),
    )


def test_only_events_in_the_period_trigger_but_earlier_ones_in_a_window_count() -> None:
    praises = [
        feedback_given("p1", at(date(2026, 2, 1))),
        feedback_given("p2", at(date(2026, 2, 20))),
        feedback_given("p3", at(date(2026, 3, 5))),  # the third in Q1: recognised
        feedback_given("p4", at(date(2026, 3, 6))),  # the fourth: the same outcome again
        feedback_given("p5", at(date(2026, 4, 2))),  # after the period
        feedback_given("o1", at(date(2026, 3, 7)), recipient=TEAMMATE),
    ]
    history = [HistoricalTrigger(p, team_id=MANAGER) for p in reversed(praises)]
    report = backtest(example("praise.yaml"), ORG, history, period_start=date(2026, 3, 1), period_end=Q1[1])
    assert report.events_considered == 3
    [recognition] = report.outcomes
    assert (recognition.employee_id, recognition.cause.triggering_event_id) == (EMPLOYEE, praises[2].event_id)
    assert report.lines == (BacktestLine(MANAGER, "recognition", 1, {}),)


def test_a_draft_decides_regardless_of_its_effective_date_and_other_organisations_are_left_out() -> None:
    draft = policy(
        effective_on="2027-01-01", rules=[rule("goals.MilestoneReached", {"points": {"amount": 25}})]
    )
    history = [
        HistoricalTrigger(milestone_reached("m1", at(date(2026, 1, 5)))),
        HistoricalTrigger(milestone_reached("m2", at(date(2026, 1, 6)))),
    ]
    report = backtest(draft, ORG, history, period_start=Q1[0], period_end=Q1[1])
    assert report.lines == (BacktestLine(None, "points", 2, {"points": Decimal(50)}),)
    assert backtest(draft, "org_2", history, period_start=Q1[0], period_end=Q1[1]).outcomes == ()


def test_an_empty_history_grants_nothing() -> None:
    report = backtest(example("praise.yaml"), ORG, [], period_start=Q1[0], period_end=Q1[1])
    assert (report.events_considered, report.outcomes, report.lines) == (0, (), ())
