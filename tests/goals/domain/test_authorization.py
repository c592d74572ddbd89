"""The whole who-may-do-what matrix of the goals service."""

from __future__ import annotations

from typing import get_args

import pytest

from trellis_goals.domain.authorization import Action, Actor, Subject, authorize

ORG = "org_1"
EMPLOYEE = "emp_1"
MANAGER = "mgr_1"

CALLERS: dict[str, Actor] = {
    "self": Actor(EMPLOYEE, ORG),
    "manager": Actor(MANAGER, ORG),
    "hr": Actor("hr_1", ORG, hr_admin=True),
    "peer": Actor("emp_2", ORG),
    "other_manager": Actor("mgr_2", ORG),
    "stranger": Actor("emp_3", "org_2"),
    "stranger_hr": Actor("hr_2", "org_2", hr_admin=True),
}

# Y = allowed, . = refused. Columns follow CALLERS.
MATRIX = """
action                       self manager hr peer other_manager stranger stranger_hr
view_goals                    Y    Y      Y   .    .             .        .
propose_goal                  Y    Y      .   .    .             .        .
agree_to_goal                 Y    Y      .   .    .             .        .
request_goal_changes          Y    Y      .   .    .             .        .
withdraw_proposal             Y    Y      .   .    .             .        .
align_goal                    Y    Y      .   .    .             .        .
adjust_goal                   .    Y      .   .    .             .        .
review_goal                   .    Y      .   .    .             .        .
add_milestone                 Y    Y      .   .    .             .        .
reschedule_milestone          Y    Y      .   .    .             .        .
update_milestone_progress     Y    Y      .   .    .             .        .
reach_milestone               Y    Y      .   .    .             .        .
record_check_in               Y    Y      .   .    .             .        .
manage_development_activity   Y    Y      .   .    .             .        .
mark_overdue_milestones       Y    Y      Y   .    .             .        .
view_vision                   Y    Y      Y   .    .             .        .
edit_vision                   Y    .      .   .    .             .        .
view_career_choice            Y    Y      Y   .    .             .        .
choose_career_track           Y    .      .   .    .             .        .
view_career_tracks            Y    Y      Y   Y    Y             .        .
define_career_track           .    .      Y   .    .             .        .
view_reporting_line           Y    Y      Y   .    .             .        .
change_reporting_line         .    .      Y   .    .             .        .
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


def test_the_manager_is_whoever_the_reporting_line_says_now() -> None:
    moved = Subject(ORG, employee_id=EMPLOYEE, manager_id="mgr_2")
    assert not authorize(CALLERS["manager"], "review_goal", moved)
    assert authorize(CALLERS["other_manager"], "review_goal", moved)


def test_an_employee_without_a_manager_has_nobody_reviewing() -> None:
    alone = Subject(ORG, employee_id=EMPLOYEE, manager_id=None)
    for caller in CALLERS.values():
        assert not authorize(caller, "review_goal", alone)


def test_an_hr_admin_who_manages_the_employee_has_both_rights() -> None:
    hr_manager = Actor(MANAGER, ORG, hr_admin=True)
    assert authorize(hr_manager, "review_goal", SUBJECT)
    assert authorize(hr_manager, "change_reporting_line", SUBJECT)
    assert not authorize(hr_manager, "edit_vision", SUBJECT)


def test_organisation_wide_actions_have_no_employee() -> None:
    catalogue = Subject(ORG)
    assert authorize(CALLERS["hr"], "define_career_track", catalogue)
    assert not authorize(CALLERS["manager"], "define_career_track", catalogue)
    assert authorize(CALLERS["peer"], "view_career_tracks", catalogue)
    assert not authorize(CALLERS["stranger_hr"], "define_career_track", catalogue)


def test_a_refusal_says_why() -> None:
    decision = authorize(CALLERS["stranger_hr"], "view_goals", SUBJECT)
    assert "another organisation" in decision.reason
    decision = authorize(CALLERS["peer"], "view_goals", SUBJECT)
    assert decision.relationship == "colleague" and "may not view goals" in decision.reason
