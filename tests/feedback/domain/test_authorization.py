"""The whole who-may-do-what matrix of the feedback service."""

from __future__ import annotations

from typing import get_args

import pytest

from trellis_feedback.domain.authorization import Action, Actor, Subject, authorize

ORG = "org_1"
EMPLOYEE = "emp_1"
MANAGER = "mgr_1"
REQUESTER = "req_1"
INVITEE = "inv_1"
GIVER = "giv_1"

CALLERS: dict[str, Actor] = {
    "self": Actor(EMPLOYEE, ORG),
    "manager": Actor(MANAGER, ORG),
    "requester": Actor(REQUESTER, ORG),
    "invitee": Actor(INVITEE, ORG),
    "giver": Actor(GIVER, ORG),
    "hr": Actor("hr_1", ORG, hr_admin=True),
    "peer": Actor("emp_2", ORG),
    "stranger": Actor("emp_3", "org_2"),
    "stranger_hr": Actor("hr_2", "org_2", hr_admin=True),
}

# Y = allowed, . = refused. Columns follow CALLERS. The subject fills every role with its own
# person: the employee it is about, their manager, a requester, an invitee and a giver.
MATRIX = """
action                      self manager requester invitee giver hr peer stranger stranger_hr
request_feedback             Y    Y       .         .       .     .  .    .        .
view_request                 Y    .       Y         Y       .     .  .    .        .
respond_to_request           .    .       .         Y       .     .  .    .        .
give_feedback                .    Y       Y         Y       Y     Y  Y    .        .
view_feedback                Y    Y       .         .       Y     .  .    .        .
narrow_feedback_visibility   .    .       .         .       Y     .  .    .        .
view_feedback_timeline       Y    Y       .         .       .     .  .    .        .
view_pending_requests        Y    .       .         .       .     .  .    .        .
view_given_feedback          Y    .       .         .       .     .  .    .        .
view_goal_feedback_counts    Y    Y       .         .       .     .  .    .        .
schedule_conversation        Y    Y       .         .       .     .  .    .        .
view_conversations           Y    Y       .         .       .     Y  .    .        .
hold_conversation            Y    Y       .         .       .     .  .    .        .
cancel_conversation          Y    Y       .         .       .     .  .    .        .
link_conversation_to_goal    Y    Y       .         .       .     .  .    .        .
complete_action              Y    Y       .         .       .     .  .    .        .
set_cadence                  Y    Y       .         .       .     Y  .    .        .
view_cadence                 Y    Y       .         .       .     Y  .    .        .
view_anonymity_threshold     Y    Y       Y         Y       Y     Y  Y    .        .
set_anonymity_threshold      .    .       .         .       .     Y  .    .        .
set_retention                .    .       .         .       .     Y  .    .        .
view_retention               .    .       .         .       .     Y  .    .        .
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
SUBJECT = Subject(
    ORG,
    employee_id=EMPLOYEE,
    manager_id=MANAGER,
    requester_id=REQUESTER,
    invitee_ids=frozenset({INVITEE}),
    giver_id=GIVER,
)


def test_the_matrix_covers_every_action() -> None:
    assert [action for action, _, _ in CASES][:: len(CALLERS)] == list(get_args(Action))


@pytest.mark.parametrize(("action", "caller", "allowed"), CASES, ids=lambda v: str(v))
def test_who_may_do_what(action: Action, caller: str, allowed: bool) -> None:
    decision = authorize(CALLERS[caller], action, SUBJECT)
    assert decision.allowed is allowed, decision.reason
    assert bool(decision) is allowed


def test_a_manager_reads_only_feedback_shared_with_them() -> None:
    private = Subject(ORG, employee_id=EMPLOYEE, manager_id=None, giver_id=GIVER)
    assert not authorize(CALLERS["manager"], "view_feedback", private)
    assert authorize(CALLERS["self"], "view_feedback", private)
    assert authorize(CALLERS["giver"], "view_feedback", private)


def test_an_hr_admin_who_manages_someone_reads_their_feedback_only_as_their_manager() -> None:
    hr_manager = Actor(MANAGER, ORG, hr_admin=True)
    shared = Subject(ORG, employee_id=EMPLOYEE, manager_id=MANAGER)
    private = Subject(ORG, employee_id=EMPLOYEE, manager_id=None)
    assert authorize(hr_manager, "view_feedback", shared)
    assert not authorize(hr_manager, "view_feedback", private)
    assert not authorize(
        hr_manager, "view_request", Subject(ORG, employee_id=EMPLOYEE, requester_id=EMPLOYEE)
    )
    assert authorize(hr_manager, "set_anonymity_threshold", Subject(ORG))


def test_an_anonymous_answer_has_no_giver_unless_the_service_matched_the_caller() -> None:
    anonymous = Subject(ORG, employee_id=MANAGER)
    assert not authorize(Actor(EMPLOYEE, ORG), "view_feedback", anonymous)
    assert authorize(
        Actor(EMPLOYEE, ORG), "view_feedback", Subject(ORG, employee_id=MANAGER, giver_id=EMPLOYEE)
    )


def test_the_recipient_who_asked_is_both_and_gives_no_feedback_to_themselves() -> None:
    own_request = Subject(ORG, employee_id=EMPLOYEE, requester_id=EMPLOYEE)
    decision = authorize(CALLERS["self"], "view_request", own_request)
    assert decision and decision.roles == {"self", "requester"}
    assert not authorize(CALLERS["self"], "give_feedback", own_request)


def test_organisation_wide_settings_have_no_employee() -> None:
    settings = Subject(ORG)
    assert authorize(CALLERS["peer"], "view_anonymity_threshold", settings)
    assert not authorize(CALLERS["manager"], "set_anonymity_threshold", settings)
    assert not authorize(CALLERS["stranger_hr"], "set_anonymity_threshold", settings)


def test_a_refusal_says_why_without_naming_anyone() -> None:
    decision = authorize(CALLERS["stranger_hr"], "view_feedback", SUBJECT)
    assert "another organisation" in decision.reason
    decision = authorize(CALLERS["hr"], "view_feedback", SUBJECT)
    assert decision.reason == "the hr admin may not view feedback"
    assert not any(person in decision.reason for person in (EMPLOYEE, MANAGER, GIVER))
