"""What a refused recognition command tells the person who sent it: the field at fault and the reason.

The API returns both as the 422 detail (``{"field": ..., "reason": ...}``) and a 403's detail is
the authorization's reason; clients show them and match on them, so their wording is part of
the contract and changes here on purpose only. Refusals no API request can provoke (a ``now``
without an offset) are left free.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from tests.recognition.domain.builders import MANAGER, ORG, TEAMMATE, at, goal_facts, policy
from tests.recognition.domain.test_authorization import CALLERS, SUBJECT
from tests.recognition.domain.test_outcomes_and_compensation import proposal
from tests.recognition.domain.test_peer_recognition import recognise
from tests.recognition.domain.test_rewards_and_budgets import (
    BONUS,
    HELD,
    budgets,
    charge,
    eur,
    grant,
    planned,
    set_budget,
)
from trellis_contracts.fields import Money
from trellis_contracts.reward_policy import PointsOutcome
from trellis_kernel.decider import Decider
from trellis_kernel.testing import given, replay
from trellis_recognition.domain.authorization import authorize
from trellis_recognition.domain.budgets import budget_decider
from trellis_recognition.domain.compensation import ProposeAdjustment, adjustment_decider
from trellis_recognition.domain.peer_recognition import peer_recognition_decider
from trellis_recognition.domain.policies import PublishPolicy, policy_decider
from trellis_recognition.domain.rewards import ApproveHeldReward, GrantReward, reward_decider
from trellis_recognition.domain.rules import Approver

NOW = at(date(2026, 5, 10))


def said(decider: Decider[Any, Any, Any], history: Sequence[Any], command: Any, field: str | None) -> str:
    """The reason given when ``command`` is refused after ``history``, which must name ``field``."""
    return given(decider, *history).when_rejected(command, field=field).message


def test_recognising_a_colleague_refusals_say_why() -> None:
    def peer(command: Any, field: str | None, history: Sequence[Any] = ()) -> str:
        return said(peer_recognition_decider, history, command, field)

    assert peer(recognise(1, recipient=TEAMMATE), "recipient_id") == "Nobody recognises themselves"
    assert peer(recognise(1, message=" "), "message") == "The message must not be blank"
    assert peer(recognise(1, milestone_id="ms_1"), "goal_id") == "A milestone is named with its goal"
    someone_elses = goal_facts(employee=MANAGER)
    assert (
        peer(recognise(1, goal_id="goal_1", goal=someone_elses), "goal_id")
        == "The goal is not the recipient's"
    )
    assert peer(recognise(1, limits=None), None) == "No reward policy in effect allows peer recognition"
    recipients = ["emp_a", "emp_b", "emp_c", "emp_d", "emp_e"]
    five = replay(peer_recognition_decider, *(recognise(n, r) for n, r in enumerate(recipients)))
    assert (
        peer(recognise(6, "emp_f"), None, five)
        == "The policy allows 5 recognitions per month, and they are given"
    )


def test_budget_refusals_say_why() -> None:
    def budget(command: Any, field: str, history: Sequence[Any] = ()) -> str:
        return said(budget_decider, history, command, field)

    assert budget(set_budget(amount=eur("-0.01")), "amount") == "A budget cannot be negative"
    assert budget(charge("r1", eur("0.00")), "amount") == "A charge must be more than zero"
    history = budgets(set_budget(), charge("r0", eur("900.00")))
    assert (
        budget(charge("r1", eur("100.01")), "amount", history)
        == "The reward does not fit the 2026-Q2 budget (over budget); it needs an HR admin's approval"
    )
    dollars = Money(amount="5.00", currency="USD")
    assert (
        budget(charge("r1", dollars), "amount", history)
        == "The reward does not fit the 2026-Q2 budget (currency differs); it needs an HR admin's approval"
    )


def test_reward_refusals_say_why() -> None:
    assert (
        said(reward_decider, [], grant(verdict=None), "verdict")
        == "A monetary reward for a team member needs its budget's verdict"
    )
    pay_change = GrantReward(planned=proposal(), verdict=None, now=NOW)
    assert said(reward_decider, [], pay_change, "kind") == "a compensation_adjustment outcome is not a reward"
    held = replay(reward_decider, grant(verdict=HELD))
    manager = ApproveHeldReward(reward_id="rwd-1", approver=Approver(MANAGER, False), now=NOW)
    assert said(reward_decider, held, manager, "approver") == "Only an HR admin decides on a reward"


def test_a_pay_change_comes_only_from_a_pay_change_outcome() -> None:
    bonus = ProposeAdjustment(planned=planned(BONUS), now=NOW)
    assert said(adjustment_decider, [], bonus, "kind") == "a bonus outcome is not a pay change"
    points = ProposeAdjustment(planned=planned(PointsOutcome(amount=5)), now=NOW)
    assert said(adjustment_decider, [], points, "kind") == "a points outcome is not a pay change"


def test_a_policy_id_is_its_organisations() -> None:
    document = policy(effective_on="2026-06-01")
    history = replay(
        policy_decider, PublishPolicy(organisation_id=ORG, document=document, published_by="hr_1", now=NOW)
    )
    elsewhere = PublishPolicy(organisation_id="org_2", document=document, published_by="hr_9", now=NOW)
    assert (
        said(policy_decider, history, elsewhere, "organisation_id")
        == "The policy belongs to another organisation"
    )


def test_a_refusal_says_how_the_caller_stands_to_the_subject() -> None:
    stranger = authorize(CALLERS["stranger_hr"], "view_rewards", SUBJECT)
    assert (stranger.relationship, stranger.reason) == ("none", "the subject belongs to another organisation")
    colleague = authorize(CALLERS["peer"], "view_rewards", SUBJECT)
    assert colleague.reason == "a colleague may not view rewards"
    allowed = authorize(CALLERS["manager"], "view_rewards", SUBJECT)
    assert allowed and allowed.relationship == "manager"
