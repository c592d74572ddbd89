"""The whole who-may-do-what matrix of the recognition service."""

from __future__ import annotations

from typing import get_args

import pytest

from trellis_recognition.domain.authorization import Action, Actor, Subject, authorize

ORG = "org_1"
EMPLOYEE = "emp_1"
MANAGER = "mgr_1"

CALLERS: dict[str, Actor] = {
    "self": Actor(EMPLOYEE, ORG, manager_id=MANAGER),
    "manager": Actor(MANAGER, ORG),
    "hr": Actor("hr_1", ORG, hr_admin=True),
    "hr_self": Actor(EMPLOYEE, ORG, hr_admin=True, manager_id=MANAGER),
    "teammate": Actor("emp_2", ORG, manager_id=MANAGER),
    "peer": Actor("emp_3", ORG, manager_id="mgr_2"),
    "stranger": Actor("emp_4", "org_2"),
    "stranger_hr": Actor("hr_2", "org_2", hr_admin=True),
}

# Y = allowed, . = refused, about the employee EMPLOYEE (whose manager is MANAGER).
MATRIX = """
action                     self manager hr hr_self teammate peer stranger stranger_hr
view_policies               Y    Y      Y   Y       Y        Y    .        .
publish_policy              .    .      Y   Y       .        .    .        .
backtest_policy             .    .      Y   Y       .        .    .        .
set_budget                  .    .      Y   Y       .        .    .        .
view_budget                 .    Y      Y   Y       .        .    .        .
view_pending_approvals      .    .      Y   Y       .        .    .        .
decide_approval             .    .      Y   .       .        .    .        .
view_reward_triggers        .    .      Y   Y       .        .    .        .
recognise_colleague         .    Y      Y   .       Y        Y    .        .
view_rewards                Y    Y      Y   Y       .        .    .        .
view_public_recognition     Y    Y      Y   Y       Y        Y    .        .
view_team_recognition       Y    Y      Y   Y       Y        .    .        .
view_private_recognition    Y    Y      Y   Y       .        .    .        .
"""


def _cases() -> list[tuple[str, str, bool]]:
    header, *rows = [line.split() for line in MATRIX.strip().splitlines()]
    callers = header[1:]
    assert callers == list(CALLERS)
    cases: list[tuple[str, str, bool]] = []
    for action, *marks in rows:
        assert len(marks) == len(callers), action
        cases.extend((action, caller, mark == "Y") for caller, mark in zip(callers, marks, strict=True))
    return cases


CASES = _cases()
SUBJECT = Subject(ORG, employee_id=EMPLOYEE, manager_id=MANAGER)


def test_the_matrix_covers_every_action() -> None:
    assert {action for action, _, _ in CASES} == set(get_args(Action))


@pytest.mark.parametrize(("action", "caller", "allowed"), CASES, ids=lambda v: str(v))
def test_who_may_do_what_about_an_employee(action: Action, caller: str, allowed: bool) -> None:
    decision = authorize(CALLERS[caller], action, SUBJECT)
    assert decision.allowed is allowed, decision.reason
    assert bool(decision) is allowed


def test_a_team_is_the_managers_to_see_and_hrs_to_budget() -> None:
    team = Subject(ORG, manager_id=MANAGER)
    assert authorize(CALLERS["manager"], "view_budget", team)
    assert not authorize(CALLERS["manager"], "set_budget", team)
    assert not authorize(Actor("mgr_2", ORG), "view_budget", team)
    assert authorize(CALLERS["hr"], "set_budget", team)
    assert not authorize(CALLERS["teammate"], "view_budget", team)


def test_organisation_wide_actions_have_no_employee() -> None:
    organisation = Subject(ORG)
    assert authorize(CALLERS["hr"], "publish_policy", organisation)
    assert authorize(CALLERS["peer"], "view_policies", organisation)
    assert not authorize(CALLERS["manager"], "publish_policy", organisation)
    assert not authorize(CALLERS["stranger_hr"], "publish_policy", organisation)


def test_the_manager_is_whoever_the_reporting_line_says_now() -> None:
    moved = Subject(ORG, employee_id=EMPLOYEE, manager_id="mgr_2")
    assert not authorize(CALLERS["manager"], "view_rewards", moved)
    assert authorize(Actor("mgr_2", ORG), "view_rewards", moved)
    assert authorize(CALLERS["peer"], "view_team_recognition", moved)  # now the employee's teammate


def test_a_refusal_says_why() -> None:
    assert "another organisation" in authorize(CALLERS["stranger_hr"], "view_rewards", SUBJECT).reason
    assert authorize(CALLERS["hr_self"], "decide_approval", SUBJECT).reason == (
        "nobody decides on their own reward or pay change"
    )
    assert authorize(CALLERS["self"], "recognise_colleague", SUBJECT).reason == "nobody recognises themselves"
    decision = authorize(CALLERS["peer"], "view_rewards", SUBJECT)
    assert decision.relationship == "colleague" and "may not view rewards" in decision.reason
