"""Asking several people for feedback: who may ask whom, about what, by when."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from tests.feedback.domain.builders import (
    DUE,
    EMPLOYEE,
    FACTS,
    GOAL,
    KEY,
    LONER,
    MANAGER,
    MENTOR,
    MONDAY,
    NOW,
    ORG,
    OTHER_GOAL,
    PEER,
    PEER_3,
    PEER_4,
    REQUEST,
    SKIP_LEVEL,
    TEAM,
    days,
    named_request,
    upward_request,
)
from trellis_contracts.feedback import FeedbackRequestedV3, RequestedGiver
from trellis_feedback.domain.anonymity import respondent_token
from trellis_feedback.domain.request import request_decider
from trellis_feedback.domain.request.commands import Invitee, RequestFeedback
from trellis_kernel.testing import given, replay


def ask(command: RequestFeedback) -> FeedbackRequestedV3:
    [event] = given(request_decider).when(command)
    assert isinstance(event, FeedbackRequestedV3)
    return event


def test_a_named_request_lists_who_is_asked_and_when_to_remind_them() -> None:
    assert given(request_decider).when(named_request()) == [
        FeedbackRequestedV3(
            request_id=REQUEST,
            organisation_id=ORG,
            requester_id=EMPLOYEE,
            recipient_id=EMPLOYEE,
            recipient_manager_id=MANAGER,
            kind="general",
            anonymous=False,
            givers=(
                RequestedGiver(giver_id=PEER, relationship="peer"),
                RequestedGiver(giver_id=MANAGER, relationship="manager"),
            ),
            invited_count=2,
            goal_id=GOAL,
            prompts=("How did my launch notes land?",),
            due_on=DUE,
            remind_on=DUE - days(2),
            requested_at=NOW,
        )
    ]


def test_an_anonymous_request_names_nobody_asked_only_their_sorted_pseudonyms() -> None:
    event = ask(upward_request())
    assert event.givers == ()
    tokens = sorted(respondent_token(KEY, REQUEST, giver) for giver in TEAM)
    assert event.invitee_tokens == tuple(tokens)
    assert (event.invited_count, event.anonymity_threshold) == (4, 3)
    published = event.model_dump_json()
    assert not any(giver in published for giver in TEAM)


def test_the_order_people_were_named_in_does_not_show_in_the_tokens() -> None:
    forwards = ask(upward_request(TEAM))
    backwards = ask(upward_request(tuple(reversed(TEAM))))
    assert forwards.invitee_tokens == backwards.invitee_tokens


def test_the_person_or_their_manager_may_ask_about_them_nobody_else() -> None:
    assert ask(named_request(requester_id=MANAGER, givers=(Invitee(giver_id=PEER, relationship="peer"),)))
    for outsider in (PEER, SKIP_LEVEL):
        given(request_decider).when_rejected(
            named_request(requester_id=outsider), field="requester_id", match="their manager"
        )


def test_somebody_is_asked_each_once_never_about_themselves_nor_the_requester() -> None:
    peer = Invitee(giver_id=PEER, relationship="peer")
    given(request_decider).when_rejected(named_request(givers=()), field="givers", match="at least one")
    given(request_decider).when_rejected(
        named_request(givers=(peer, peer)), field="givers[1].giver_id", match="once"
    )
    given(request_decider).when_rejected(
        named_request(givers=(peer, Invitee(giver_id=EMPLOYEE, relationship="peer"))),
        field="givers[1].giver_id",
        match="about themselves",
    )
    by_manager = named_request(
        requester_id=MANAGER, givers=(Invitee(giver_id=MANAGER, relationship="manager"),)
    )
    given(request_decider).when_rejected(by_manager, field="givers[0].giver_id", match="requester")


def test_at_most_fifty_people_are_asked() -> None:
    crowd = tuple(Invitee(giver_id=f"emp_x{n}", relationship="peer") for n in range(51))
    given(request_decider).when_rejected(named_request(givers=crowd), field="givers", match="at most 50")
    assert ask(named_request(givers=crowd[:50])).invited_count == 50


@pytest.mark.parametrize(
    ("giver", "declared", "accepted"),
    [
        (MANAGER, "manager", True),
        (MANAGER, "peer", False),
        (PEER, "peer", True),
        (PEER, "mentor", True),
        (PEER, "manager", False),
        (PEER, "direct_report", False),
        (MENTOR, "mentor", True),
    ],
)
def test_a_relationship_agrees_with_the_reporting_lines(giver: str, declared: str, accepted: bool) -> None:
    command = named_request(givers=(Invitee(giver_id=giver, relationship=declared),))  # type: ignore[arg-type]
    if accepted:
        assert ask(command).givers[0].relationship == declared
    else:
        given(request_decider).when_rejected(command, field="givers[0].relationship", match="reporting lines")


def test_upward_feedback_is_asked_of_people_who_report_to_the_recipient() -> None:
    assert ask(upward_request(anonymous=False, respondent_key=None)).kind == "upward"
    mixed = upward_request(anonymous=False, respondent_key=None)
    mixed = replace(
        mixed,
        givers=(
            Invitee(giver_id=EMPLOYEE, relationship="direct_report"),
            Invitee(giver_id=SKIP_LEVEL, relationship="manager"),
        ),
    )
    given(request_decider).when_rejected(mixed, field="givers[1].relationship", match="report to them")


def test_an_anonymous_request_asks_at_least_k_people() -> None:
    given(request_decider).when_rejected(
        upward_request(givers=(EMPLOYEE, PEER)), field="givers", match="at least 3 people"
    )
    assert ask(upward_request(givers=(EMPLOYEE, PEER, PEER_3))).invited_count == 3
    given(request_decider).when_rejected(
        upward_request(anonymity_threshold=5), field="givers", match="at least 5 people"
    )


def test_an_anonymous_request_cannot_be_made_without_its_private_key() -> None:
    with pytest.raises(ValueError, match="respondent key"):
        given(request_decider).when(upward_request(respondent_key=None))
    with pytest.raises(ValueError, match="at least 16"):
        given(request_decider).when(upward_request(respondent_key=b"short"))


def test_the_due_date_is_after_today_and_a_reminder_comes_two_days_before_it() -> None:
    given(request_decider).when_rejected(named_request(due_on=MONDAY), field="due_on", match="after today")
    assert ask(named_request(due_on=MONDAY + days(1))).remind_on is None
    assert ask(named_request(due_on=MONDAY + days(2))).remind_on is None
    assert ask(named_request(due_on=MONDAY + days(3))).remind_on == MONDAY + days(1)


def test_today_is_the_day_in_the_offset_now_was_given_with() -> None:
    late_evening = datetime.fromisoformat("2026-03-02T23:30:00-05:00")  # already Tuesday in UTC
    assert ask(named_request(now=late_evening, due_on=MONDAY + days(1))).due_on == MONDAY + days(1)


def test_a_request_may_be_about_the_recipients_goal_and_its_milestones() -> None:
    assert ask(named_request(milestone_id="ms_2")).milestone_id == "ms_2"
    given(request_decider).when_rejected(named_request(goal_id="goal_9"), field="goal_id", match="no goal")
    given(request_decider).when_rejected(
        named_request(goal_id=OTHER_GOAL), field="goal_id", match=f"{EMPLOYEE} has no goal"
    )
    given(request_decider).when_rejected(
        named_request(milestone_id="ms_7"), field="milestone_id", match="no milestone"
    )
    given(request_decider).when_rejected(
        named_request(goal_id=None, milestone_id="ms_1"), field="goal_id", match="together with its goal"
    )


def test_prompts_are_questions_in_words_at_most_ten() -> None:
    given(request_decider).when_rejected(
        named_request(prompts=("Fine?", "  ")), field="prompts[1]", match="must not be blank"
    )
    given(request_decider).when_rejected(
        named_request(prompts=tuple(f"Question {n}?" for n in range(11))), field="prompts", match="at most 10"
    )


def test_a_request_id_is_used_once() -> None:
    history = replay(request_decider, named_request())
    given(request_decider, *history).when_rejected(named_request(), field="request_id", match="already")


def test_a_recipient_without_a_manager_may_still_ask() -> None:
    event = ask(
        named_request(
            requester_id=LONER,
            recipient_id=LONER,
            goal_id=None,
            givers=(Invitee(giver_id=PEER_4, relationship="peer"),),
        )
    )
    assert event.recipient_manager_id is None


def test_now_must_carry_an_offset() -> None:
    given(request_decider).when_rejected(
        named_request(now=datetime(2026, 3, 2, 9, 0)), field="now", match="UTC offset"
    )


def test_facts_are_what_the_command_brings() -> None:
    """A manager the service has not learned of yet is no manager."""
    command = named_request(requester_id=MANAGER, facts=replace(FACTS, managers={}))
    given(request_decider).when_rejected(command, field="requester_id")
