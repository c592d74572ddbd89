"""A reminder before the due date, and closing: when everyone responded or the day after the due
date, releasing anonymous answers in aggregate only from the k-th answer on."""

from __future__ import annotations

import pytest

from tests.feedback.domain.builders import (
    DUE,
    EMPLOYEE,
    GOAL,
    KEY,
    MANAGER,
    MONDAY,
    ORG,
    PEER,
    PEER_3,
    PEER_4,
    REQUEST,
    TEAM,
    anonymous_answer,
    answer,
    close,
    days,
    decline,
    named_request,
    on,
    remind,
    upward_request,
)
from trellis_contracts.feedback import (
    FeedbackReminderDue,
    FeedbackRequestClosedV2,
    ReleasedAnswer,
)
from trellis_feedback.domain.anonymity import SealedAnswer
from trellis_feedback.domain.request import commands as r
from trellis_feedback.domain.request import request_decider, seal_answer
from trellis_feedback.domain.request.commands import AnswerRequest
from trellis_feedback.domain.request.state import RequestEvent
from trellis_kernel.testing import given, replay

REMIND_ON = DUE - days(2)


def named() -> list[RequestEvent]:
    return replay(request_decider, named_request())


# --- reminders ---------------------------------------------------------------------------------------


def test_the_reminder_is_due_from_its_day_not_the_day_before() -> None:
    assert given(request_decider, *named()).when(remind(on(REMIND_ON - days(1)))) == []
    assert given(request_decider, *named()).when(remind(on(REMIND_ON))) == [
        FeedbackReminderDue(
            request_id=REQUEST,
            organisation_id=ORG,
            recipient_id=EMPLOYEE,
            due_on=DUE,
            anonymous=False,
            pending_count=2,
            pending_giver_ids=(PEER, MANAGER),
            reminded_at=on(REMIND_ON),
        )
    ]


def test_the_reminder_names_only_who_has_not_responded_and_comes_once() -> None:
    history = replay(request_decider, answer(PEER), history=named())
    [event] = given(request_decider, *history).when(remind(on(DUE)))
    assert isinstance(event, FeedbackReminderDue) and event.pending_giver_ids == (MANAGER,)
    reminded = replay(request_decider, remind(on(DUE)), history=history)
    assert given(request_decider, *reminded).when(remind(on(DUE))) == []


def test_no_reminder_once_everyone_responded_or_the_request_expired() -> None:
    everyone = replay(request_decider, answer(PEER), decline(MANAGER), history=named())
    assert given(request_decider, *everyone).when(remind(on(REMIND_ON))) == []
    assert given(request_decider, *named()).when(remind(on(DUE + days(1)))) == []


def test_a_request_too_short_for_a_reminder_gets_none() -> None:
    short = replay(request_decider, named_request(due_on=MONDAY + days(2)))
    assert given(request_decider, *short).when(remind(on(MONDAY + days(1)))) == []
    assert given(request_decider, *short).when(remind(on(MONDAY + days(2)))) == []


def test_an_anonymous_reminder_counts_and_names_nobody() -> None:
    history = replay(request_decider, upward_request(), anonymous_answer(PEER))
    [event] = given(request_decider, *history).when(remind(on(REMIND_ON)))
    assert isinstance(event, FeedbackReminderDue)
    assert (event.anonymous, event.pending_count, event.pending_giver_ids) == (True, 3, ())


# --- closing a named request ----------------------------------------------------------------------------


def test_a_request_is_open_through_its_due_day_and_expires_the_day_after() -> None:
    history = replay(request_decider, answer(PEER), history=named())
    assert given(request_decider, *history).when(close(on(DUE))) == []
    assert given(request_decider, *history).when(close(on(DUE + days(1)))) == [
        FeedbackRequestClosedV2(
            request_id=REQUEST,
            organisation_id=ORG,
            requester_id=EMPLOYEE,
            recipient_id=EMPLOYEE,
            recipient_manager_id=MANAGER,
            kind="general",
            reason="expired",
            anonymous=False,
            invited_count=2,
            answered_count=1,
            declined_count=0,
            unanswered_giver_ids=(MANAGER,),
            goal_id=GOAL,
            closed_at=on(DUE + days(1)),
        )
    ]


def test_a_request_closes_as_soon_as_everyone_responded_and_only_once() -> None:
    everyone = replay(request_decider, answer(PEER), decline(MANAGER), history=named())
    [event] = given(request_decider, *everyone).when(close(on(DUE - days(5))))
    assert isinstance(event, FeedbackRequestClosedV2)
    assert (event.reason, event.answered_count, event.declined_count, event.results) == (
        "everyone_responded",
        1,
        1,
        None,
    )
    closed = replay(request_decider, close(on(DUE - days(5))), history=everyone)
    assert given(request_decider, *closed).when(close(on(DUE + days(1)))) == []


def test_a_named_request_keeps_nothing_sealed() -> None:
    stray = SealedAnswer("0" * 32, "praise", "recipient_only", "?")
    with pytest.raises(ValueError, match="no sealed answers"):
        given(request_decider, *named()).when(close(on(DUE + days(1)), stray))


# --- closing an anonymous request: the k threshold ---------------------------------------------------------


def sealed_run(*commands: AnswerRequest) -> tuple[list[RequestEvent], list[SealedAnswer]]:
    """The upward request's history after the answers, and what the service sealed of each."""
    events = replay(request_decider, upward_request())
    sealed = []
    for command in commands:
        sealed.append(seal_answer(command, request_decider.fold(events)))
        events = replay(request_decider, command, history=events)
    return events, sealed


def test_below_k_answers_the_content_is_withheld_for_good() -> None:
    history, sealed = sealed_run(anonymous_answer(PEER, "One"), anonymous_answer(PEER_3, "Two"))
    [event] = given(request_decider, *history).when(close(on(DUE + days(1)), *sealed))
    assert isinstance(event, FeedbackRequestClosedV2)
    assert (event.results, event.answered_count, event.released_answers) == ("withheld", 2, ())
    assert "One" not in event.model_dump_json()


def test_the_kth_answer_releases_every_answer_ordered_by_content_without_names() -> None:
    history, sealed = sealed_run(
        anonymous_answer(PEER_3, "You make time when it is urgent."),
        anonymous_answer(PEER, "Ask before you advise.", visibility="recipient_and_manager"),
        anonymous_answer(EMPLOYEE, "One-to-ones get cancelled too often."),
    )
    [event] = given(request_decider, *history).when(close(on(DUE + days(1)), *sealed))
    assert isinstance(event, FeedbackRequestClosedV2)
    assert (event.results, event.reason, event.answered_count) == ("released", "expired", 3)
    assert event.released_answers == (
        ReleasedAnswer(kind="upward", visibility="recipient_and_manager", content="Ask before you advise."),
        ReleasedAnswer(
            kind="upward", visibility="recipient_only", content="One-to-ones get cancelled too often."
        ),
        ReleasedAnswer(
            kind="upward", visibility="recipient_only", content="You make time when it is urgent."
        ),
    )
    published = event.model_dump_json()
    assert not any(person in published for person in TEAM)
    assert not any(answer.respondent_token in published for answer in sealed)


def test_answers_erased_with_their_recipient_are_withheld_even_from_the_kth_on() -> None:
    history, sealed = sealed_run(
        anonymous_answer(PEER_3, "First."),
        anonymous_answer(PEER, "Second."),
        anonymous_answer(EMPLOYEE, "Third."),
    )
    erased = r.CloseRequest(request_id=REQUEST, now=on(DUE + days(1)), answers_erased=True)
    [event] = given(request_decider, *history).when(erased)
    assert isinstance(event, FeedbackRequestClosedV2)
    assert (event.results, event.answered_count, event.released_answers) == ("withheld", 3, ())
    with pytest.raises(ValueError, match="cannot be released"):
        given(request_decider, *history).when(
            r.CloseRequest(
                request_id=REQUEST, now=on(DUE + days(1)), sealed_answers=tuple(sealed), answers_erased=True
            )
        )


def test_when_exactly_k_are_asked_the_last_answer_closes_and_releases() -> None:
    events = replay(request_decider, upward_request(givers=(EMPLOYEE, PEER, PEER_3)))
    sealed = []
    for giver in (EMPLOYEE, PEER, PEER_3):
        command = anonymous_answer(giver, f"Answer {len(sealed)}")
        sealed.append(seal_answer(command, request_decider.fold(events)))
        events = replay(request_decider, command, history=events)
        if len(sealed) < 3:
            assert given(request_decider, *events).when(close(command.now, *sealed)) == []
    [event] = given(request_decider, *events).when(close(on(DUE - days(7)), *sealed))
    assert isinstance(event, FeedbackRequestClosedV2)
    assert (event.reason, event.results, len(event.released_answers)) == ("everyone_responded", "released", 3)


def test_declines_do_not_count_toward_k() -> None:
    history, sealed = sealed_run(anonymous_answer(PEER), anonymous_answer(PEER_3))
    history = replay(request_decider, decline(PEER_4, respondent_key=KEY), history=history)
    [event] = given(request_decider, *history).when(close(on(DUE + days(1)), *sealed))
    assert isinstance(event, FeedbackRequestClosedV2)
    assert (event.results, event.declined_count) == ("withheld", 1)


def test_k_is_the_one_the_request_was_made_with() -> None:
    asked_with_k4 = replay(request_decider, upward_request(anonymity_threshold=4))
    events, sealed = asked_with_k4, []
    for giver in TEAM:
        command = anonymous_answer(giver, f"Answer from the {len(sealed) + 1}th")
        sealed.append(seal_answer(command, request_decider.fold(events)))
        events = replay(request_decider, command, history=events)
        if len(sealed) == 3:
            [three] = given(request_decider, *events).when(close(on(DUE + days(1)), *sealed))
            assert isinstance(three, FeedbackRequestClosedV2) and three.results == "withheld"
    [four] = given(request_decider, *events).when(close(on(DUE - days(1)), *sealed))
    assert isinstance(four, FeedbackRequestClosedV2) and four.results == "released"


def test_the_sealed_answers_must_be_exactly_those_the_request_recorded() -> None:
    history, sealed = sealed_run(anonymous_answer(PEER), anonymous_answer(PEER_3), anonymous_answer(PEER_4))
    for wrong in (
        sealed[:2],
        [*sealed, sealed[0]],
        [sealed[0], sealed[1], SealedAnswer("f" * 32, "upward", "recipient_only", "?")],
    ):
        with pytest.raises(ValueError, match="do not match"):
            given(request_decider, *history).when(close(on(DUE + days(1)), *wrong))
