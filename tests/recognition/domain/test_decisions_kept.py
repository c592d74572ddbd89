"""What budgets, rewards and pay changes keep once decided: a rejection retried by whoever made it
changes nothing, a decided reward is still its recipient's, a budget of nothing is a budget, the
year's budget is judged before the quarter's and the month's, and a proposal carries what it is
about into its event."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tests.recognition.domain.builders import EMPLOYEE, HR, MANAGER, OTHER_ORG
from tests.recognition.domain.test_outcomes_and_compensation import (
    HR_ADMIN,
    approve,
    proposal,
    proposed,
    reject,
)
from tests.recognition.domain.test_rewards_and_budgets import (
    DAY,
    HELD,
    budgets,
    charge,
    eur,
    grant,
    set_budget,
)
from trellis_contracts.fields import Money
from trellis_contracts.recognition import BudgetCharged, BudgetSet, CompensationAdjustmentProposedV2
from trellis_kernel.testing import given
from trellis_recognition.domain.budgets import (
    Exceeded,
    SetBudget,
    Within,
    assess,
    budget_decider,
)
from trellis_recognition.domain.compensation import ProposeAdjustment, adjustment_decider
from trellis_recognition.domain.rewards import ApproveHeldReward, RejectHeldReward, reward_decider
from trellis_recognition.domain.rules import Approver

# --- budgets ------------------------------------------------------------------------------------


def test_a_budget_and_its_charges_are_kept_in_the_teams_stream_for_the_year() -> None:
    [budget_set] = given(budget_decider).when(set_budget())
    assert isinstance(budget_set, BudgetSet) and budget_set.budget_id == f"{MANAGER}.2026"
    [charged] = given(budget_decider, budget_set).when(charge("r1", eur("10.00")))
    assert isinstance(charged, BudgetCharged) and charged.budget_id == f"{MANAGER}.2026"


def test_a_budget_of_nothing_holds_every_monetary_reward_and_the_smallest_charge_counts() -> None:
    [nothing] = given(budget_decider).when(set_budget(amount=eur("0.00")))
    assert isinstance(nothing, BudgetSet) and nothing.amount == eur("0.00")
    state = given(budget_decider, nothing).then_state()
    assert assess(state, eur("0.01"), DAY) == Exceeded("over_budget", "2026-Q2", eur("0.00"), eur("0"))
    [cent] = given(budget_decider).when(charge("r1", eur("0.01")))
    assert isinstance(cent, BudgetCharged) and cent.amount == eur("0.01")
    [one] = given(budget_decider).when(charge("r2", eur("1.00")))
    assert isinstance(one, BudgetCharged) and one.amount == eur("1.00")


def test_the_years_budget_is_judged_before_the_quarters_and_the_months() -> None:
    # 15 January lies in the year's, the first quarter's and January's budget, all from 1 January.
    january = date(2026, 1, 15)
    each = budgets(
        set_budget("2026-01", eur("100.00")),
        set_budget("2026-Q1", eur("100.00")),
        set_budget("2026", eur("100.00")),
    )
    state = given(budget_decider, *each).then_state()
    assert assess(state, eur("150.00"), january) == Exceeded("over_budget", "2026", eur("100.00"), eur("0"))
    quarter_and_month = budgets(set_budget("2026-01", eur("100.00")), set_budget("2026-Q1", eur("100.00")))
    state = given(budget_decider, *quarter_and_month).then_state()
    assert assess(state, eur("150.00"), january) == Exceeded(
        "over_budget", "2026-Q1", eur("100.00"), eur("0")
    )


def test_a_grant_in_another_currency_names_the_budget_it_cannot_be_compared_with() -> None:
    history = budgets(set_budget("2026", eur("500.00")), charge("r0", eur("120.00")))
    state = given(budget_decider, *history).then_state()
    dollars = Money(amount="10.00", currency="USD")
    assert assess(state, dollars, DAY) == Exceeded("currency_differs", "2026", eur("500.00"), eur("120.00"))
    assert assess(state, eur("380.00"), DAY) == Within()


def test_another_organisations_team_of_the_same_name_has_its_own_budgets() -> None:
    history = budgets(set_budget())
    elsewhere = SetBudget(
        organisation_id=OTHER_ORG,
        team_id=MANAGER,
        period="2026-Q2",
        amount=eur("5.00"),
        set_by=HR,
        now=history[0].set_at,  # type: ignore[union-attr]
    )
    error = given(budget_decider, *history).when_rejected(elsewhere, field="team_id")
    assert error.message == "These budgets belong to another team"


# --- held rewards ---------------------------------------------------------------------------------


def test_a_rejection_retried_by_the_admin_who_made_it_changes_nothing() -> None:
    held = given(reward_decider).when(grant(verdict=HELD))
    reject_it = RejectHeldReward(reward_id="rwd-1", approver=HR_ADMIN, reason="Spent", now=held[0].held_at)  # type: ignore[union-attr]
    rejected = given(reward_decider, *held).when(reject_it)
    assert given(reward_decider, *held, *rejected).when(reject_it) == []
    other = RejectHeldReward(
        reward_id="rwd-1", approver=Approver("hr_2", True), reason=None, now=reject_it.now
    )
    error = given(reward_decider, *held, *rejected).when_rejected(other, field="reward_id")
    assert error.message == "The reward is rejected, not held for approval"


def test_a_decided_reward_is_still_its_recipients_to_nobody_elses_say() -> None:
    held = given(reward_decider).when(grant(verdict=HELD))
    now = held[0].held_at  # type: ignore[union-attr]
    granted = given(reward_decider, *held).when(
        ApproveHeldReward(reward_id="rwd-1", approver=HR_ADMIN, now=now)
    )
    own = RejectHeldReward(reward_id="rwd-1", approver=Approver(EMPLOYEE, True), reason=None, now=now)
    error = given(reward_decider, *held, *granted).when_rejected(own, field="approver")
    assert error.message == "Nobody decides on a reward of their own"
    rejected = given(reward_decider, *held).when(
        RejectHeldReward(reward_id="rwd-1", approver=HR_ADMIN, reason=None, now=now)
    )
    own_approval = ApproveHeldReward(reward_id="rwd-1", approver=Approver(EMPLOYEE, True), now=now)
    error = given(reward_decider, *held, *rejected).when_rejected(own_approval, field="approver")
    assert error.message == "Nobody decides on a reward of their own"


# --- pay changes ----------------------------------------------------------------------------------


def test_a_proposed_pay_change_says_which_goal_and_milestone_earned_it_and_why() -> None:
    [event] = proposed()
    assert (event.goal_id, event.milestone_id, event.justification) == ("goal_1", "ms_1", None)
    planned = proposal()
    justified = replace(planned, detail=planned.detail.model_copy(update={"justification": "Led the guild"}))
    [event] = given(adjustment_decider).when(ProposeAdjustment(planned=justified, now=event.proposed_at))
    assert isinstance(event, CompensationAdjustmentProposedV2) and event.justification == "Led the guild"


def test_a_pay_change_rejection_retried_by_its_maker_changes_nothing() -> None:
    history = proposed()
    [rejected] = given(adjustment_decider, *history).when(reject())
    assert given(adjustment_decider, *history, rejected).when(reject()) == []
    other = Approver("hr_2", hr_admin=True)
    error = given(adjustment_decider, *history, rejected).when_rejected(reject(other), field="adjustment_id")
    assert error.message == "The pay change is rejected already"
    error = given(adjustment_decider, *history, rejected).when_rejected(approve(), field="adjustment_id")
    assert error.message == "The pay change is rejected already"


def test_only_an_hr_admin_other_than_the_employee_decides_on_a_pay_change() -> None:
    history = proposed()
    error = given(adjustment_decider, *history).when_rejected(
        approve(Approver(MANAGER, False)), field="approver"
    )
    assert error.message == "Only an HR admin decides on a pay change"
    error = given(adjustment_decider, *history).when_rejected(
        approve(Approver(EMPLOYEE, True)), field="approver"
    )
    assert error.message == "Nobody decides on a pay change of their own"
