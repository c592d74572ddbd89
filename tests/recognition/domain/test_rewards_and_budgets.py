"""Monetary rewards against team budgets, held rewards approved or rejected by an HR admin,
and points."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tests.recognition.domain.builders import EMPLOYEE, HR, MANAGER, ORG, at, event_id, goal_completed
from trellis_contracts.fields import Money
from trellis_contracts.recognition import (
    BudgetCharged,
    BudgetSet,
    RewardGrantedV2,
    RewardHeldForApproval,
    RewardRejected,
)
from trellis_contracts.reward_policy import BonusOutcome, PointsOutcome
from trellis_kernel.testing import given, replay
from trellis_recognition.domain.budgets import (
    BudgetEvent,
    ChargeBudget,
    Exceeded,
    SetBudget,
    Within,
    assess,
    budget_decider,
)
from trellis_recognition.domain.evaluation import Cause, PlannedOutcome
from trellis_recognition.domain.rewards import (
    ApproveHeldReward,
    GrantReward,
    RejectHeldReward,
    reward_decider,
)
from trellis_recognition.domain.rules import Approver

NOW = at(date(2026, 5, 10))
DAY = date(2026, 5, 10)
EUR_1000 = Money(amount="1000.00", currency="EUR")
HR_ADMIN = Approver(HR, hr_admin=True)


def eur(amount: str) -> Money:
    return Money(amount=amount, currency="EUR")


def set_budget(period: str = "2026-Q2", amount: Money = EUR_1000, team: str = MANAGER) -> SetBudget:
    return SetBudget(organisation_id=ORG, team_id=team, period=period, amount=amount, set_by=HR, now=NOW)


def charge(reward: str, amount: Money, day: date = DAY, approved: bool = False) -> ChargeBudget:
    return ChargeBudget(
        organisation_id=ORG,
        team_id=MANAGER,
        reward_id=reward,
        amount=amount,
        day=day,
        approved_over_budget=approved,
        now=NOW,
    )


def budgets(*commands: SetBudget | ChargeBudget) -> list[BudgetEvent]:
    return replay(budget_decider, *commands)


# --- budgets ----------------------------------------------------------------------------------


def test_a_budget_is_set_per_team_and_period_in_the_teams_stream_for_the_year() -> None:
    [event] = given(budget_decider).when(set_budget())
    assert isinstance(event, BudgetSet)
    assert (event.budget_id, event.team_id, event.period, event.amount) == (
        f"{MANAGER}.2026",
        MANAGER,
        "2026-Q2",
        EUR_1000,
    )
    assert given(budget_decider, event).when(set_budget()) == []  # the same again
    [raised] = given(budget_decider, event).when(set_budget(amount=eur("1500.00")))
    assert isinstance(raised, BudgetSet) and raised.amount == eur("1500.00")


def test_a_grant_exactly_at_the_budget_passes_and_one_cent_over_is_held() -> None:
    state = given(budget_decider, *budgets(set_budget(), charge("r1", eur("600.00")))).then_state()
    assert assess(state, eur("400.00"), DAY) == Within()
    assert assess(state, eur("400.01"), DAY) == Exceeded("over_budget", "2026-Q2", EUR_1000, eur("600.00"))


def test_only_grants_in_the_period_count_against_it() -> None:
    history = budgets(set_budget(), charge("r0", eur("900.00"), day=date(2026, 3, 31)))
    state = given(budget_decider, *history).then_state()
    assert assess(state, eur("1000.00"), date(2026, 4, 1)) == Within()
    assert assess(state, eur("1000.00"), date(2026, 7, 1)) == Within()  # no Q3 budget: no limit


def test_every_budget_holding_the_day_must_fit() -> None:
    history = budgets(
        set_budget("2026", eur("5000.00")),
        set_budget("2026-05", eur("300.00")),
        charge("r1", eur("250.00")),
    )
    state = given(budget_decider, *history).then_state()
    assert assess(state, eur("50.00"), DAY) == Within()
    assert assess(state, eur("50.01"), DAY) == Exceeded(
        "over_budget", "2026-05", eur("300.00"), eur("250.00")
    )
    assert assess(state, eur("4000.00"), date(2026, 6, 1)) == Within()
    over_year = assess(state, eur("4750.01"), date(2026, 6, 1))
    assert isinstance(over_year, Exceeded) and over_year.period == "2026"


def test_a_grant_in_another_currency_than_the_budget_cannot_be_compared() -> None:
    state = given(budget_decider, *budgets(set_budget())).then_state()
    verdict = assess(state, Money(amount="1.00", currency="USD"), DAY)
    assert isinstance(verdict, Exceeded) and verdict.reason == "currency_differs"


def test_a_team_without_a_budget_has_no_limit() -> None:
    assert assess(given(budget_decider).then_state(), eur("99999.00"), DAY) == Within()


def test_a_budget_set_late_sees_what_was_granted_before() -> None:
    history = budgets(charge("r1", eur("800.00")), set_budget())
    assert assess(given(budget_decider, *history).then_state(), eur("200.01"), DAY) != Within()


def test_a_charge_is_recorded_once_and_never_beyond_the_budget_without_approval() -> None:
    history = budgets(set_budget(), charge("r1", eur("900.00")))
    assert given(budget_decider, *history).when(charge("r1", eur("900.00"))) == []
    given(budget_decider, *history).when_rejected(
        charge("r2", eur("100.01")), field="amount", match="approval"
    )
    [over] = given(budget_decider, *history).when(charge("r2", eur("100.01"), approved=True))
    assert isinstance(over, BudgetCharged) and over.approved_over_budget


def test_budget_periods_and_amounts_are_checked() -> None:
    given(budget_decider).when_rejected(set_budget("2026-Q5"), field="period", match="quarter")
    given(budget_decider).when_rejected(set_budget(amount=eur("-1.00")), field="amount")
    history = budgets(set_budget())
    given(budget_decider, *history).when_rejected(set_budget("2027-Q1"), field="period", match="2026")
    given(budget_decider, *history).when_rejected(set_budget(team="mgr_2"), field="team_id")
    given(budget_decider).when_rejected(charge("r1", eur("0.00")), field="amount")


# --- rewards ------------------------------------------------------------------------------------


def planned(
    detail: BonusOutcome | PointsOutcome, team: str | None = MANAGER, recipient: str = EMPLOYEE
) -> PlannedOutcome:
    trigger = goal_completed("g1", NOW)
    return PlannedOutcome(
        outcome_id="rwd-1",
        organisation_id=ORG,
        employee_id=recipient,
        cause=Cause(trigger.event_id, trigger.event_type, "pol-1", 2, "certified"),
        detail=detail,
        decided_on=DAY,
        goal_id="goal_1",
        team_id=team,
    )


BONUS = BonusOutcome(amount="200.00", currency="EUR", pay_after_days=20)
HELD = Exceeded("over_budget", "2026-Q2", EUR_1000, eur("900.00"))
WITHIN = Within()


def grant(
    detail: BonusOutcome | PointsOutcome = BONUS, verdict: Within | Exceeded | None = WITHIN, **kw: object
) -> GrantReward:
    return GrantReward(planned=planned(detail, **kw), verdict=verdict, now=NOW)  # type: ignore[arg-type]


def test_a_bonus_within_budget_is_granted_with_its_cause() -> None:
    [event] = given(reward_decider).when(grant())
    assert isinstance(event, RewardGrantedV2)
    assert (event.reward_id, event.recipient_id, event.kind, event.amount) == (
        "rwd-1",
        EMPLOYEE,
        "spot_award",
        eur("200.00"),
    )
    assert (event.effective_on, event.team_id, event.approved_by_id) == (date(2026, 5, 30), MANAGER, None)
    assert (event.triggering_event_id, event.policy_id, event.policy_version, event.rule_id) == (
        event_id("g1"),
        "pol-1",
        2,
        "certified",
    )


def test_a_bonus_over_budget_is_held_with_what_hr_needs_to_decide() -> None:
    [event] = given(reward_decider).when(grant(verdict=HELD))
    assert isinstance(event, RewardHeldForApproval)
    assert (event.reason, event.budget_period, event.budget, event.budget_used) == (
        "over_budget",
        "2026-Q2",
        EUR_1000,
        eur("900.00"),
    )


def test_a_reward_is_recorded_once() -> None:
    history = given(reward_decider).when(grant())
    assert given(reward_decider, *history).when(grant(verdict=HELD)) == []


def test_points_and_bonuses_of_employees_without_a_team_need_no_budget() -> None:
    [points] = given(reward_decider).when(grant(PointsOutcome(amount=50), verdict=None))
    assert isinstance(points, RewardGrantedV2) and (points.kind, points.points, points.amount) == (
        "points",
        50,
        None,
    )
    [bonus] = given(reward_decider).when(grant(verdict=None, team=None))
    assert isinstance(bonus, RewardGrantedV2) and bonus.team_id is None
    given(reward_decider).when_rejected(grant(verdict=None), field="verdict")


def test_an_hr_admin_approves_a_held_reward_into_a_grant() -> None:
    held = given(reward_decider).when(grant(verdict=HELD))
    [event] = given(reward_decider, *held).when(
        ApproveHeldReward(reward_id="rwd-1", approver=HR_ADMIN, now=NOW)
    )
    assert isinstance(event, RewardGrantedV2)
    assert (event.approved_by_id, event.amount, event.team_id, event.effective_on) == (
        HR,
        eur("200.00"),
        MANAGER,
        date(2026, 5, 30),
    )
    assert event.triggering_event_id == event_id("g1")
    again = ApproveHeldReward(reward_id="rwd-1", approver=HR_ADMIN, now=NOW)
    assert given(reward_decider, *held, event).when(again) == []
    other = ApproveHeldReward(reward_id="rwd-1", approver=Approver("hr_2", True), now=NOW)
    given(reward_decider, *held, event).when_rejected(other, field="reward_id", match="granted")


def test_an_hr_admin_rejects_a_held_reward() -> None:
    held = given(reward_decider).when(grant(verdict=HELD))
    reject = RejectHeldReward(reward_id="rwd-1", approver=HR_ADMIN, reason="Spent", now=NOW)
    [event] = given(reward_decider, *held).when(reject)
    assert isinstance(event, RewardRejected) and (event.rejected_by_id, event.reason) == (HR, "Spent")
    approve = ApproveHeldReward(reward_id="rwd-1", approver=HR_ADMIN, now=NOW)
    given(reward_decider, *held, event).when_rejected(approve, field="reward_id", match="rejected")


def test_only_an_hr_admin_who_is_not_the_recipient_decides_on_a_held_reward() -> None:
    held = given(reward_decider).when(grant(verdict=HELD))
    manager = ApproveHeldReward(reward_id="rwd-1", approver=Approver(MANAGER, False), now=NOW)
    given(reward_decider, *held).when_rejected(manager, field="approver", match="only an hr admin")
    own = ApproveHeldReward(reward_id="rwd-1", approver=Approver(EMPLOYEE, True), now=NOW)
    given(reward_decider, *held).when_rejected(own, field="approver", match="of their own")
    reject_own = RejectHeldReward(reward_id="rwd-1", approver=Approver(EMPLOYEE, True), reason=None, now=NOW)
    given(reward_decider, *held).when_rejected(reject_own, field="approver", match="of their own")


def test_a_granted_or_unknown_reward_is_not_waiting_for_anyone() -> None:
    approve = ApproveHeldReward(reward_id="rwd-1", approver=HR_ADMIN, now=NOW)
    given(reward_decider).when_rejected(approve, field="reward_id", match="no reward")
    granted = given(reward_decider).when(grant())
    given(reward_decider, *granted).when_rejected(approve, field="reward_id", match="not held")


def test_a_held_grant_approved_is_charged_beyond_the_budget() -> None:
    history = budgets(set_budget(), charge("r0", eur("900.00")))
    state = given(budget_decider, *history).then_state()
    verdict = assess(state, eur("200.00"), DAY)
    [held] = given(reward_decider).when(replace(grant(), verdict=verdict))
    assert isinstance(held, RewardHeldForApproval)
    [over] = given(budget_decider, *history).when(charge("rwd-1", held.amount, approved=True))
    assert isinstance(over, BudgetCharged) and over.approved_over_budget
