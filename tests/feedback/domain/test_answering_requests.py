"""Answering and declining a request, named or anonymous, until the end of its due day."""

from __future__ import annotations

from datetime import time

import pytest

from tests.feedback.domain.builders import (
    DUE,
    EMPLOYEE,
    GOAL,
    KEY,
    LONER,
    MANAGER,
    ORG,
    PEER,
    PEER_3,
    PEER_4,
    REQUEST,
    anonymous_answer,
    answer,
    close,
    days,
    decline,
    named_request,
    on,
    upward_request,
)
from trellis_contracts.feedback import (
    AnonymousFeedbackSubmitted,
    FeedbackDeclinedV3,
    FeedbackGivenV3,
    FeedbackVisibilityNarrowed,
)
from trellis_feedback.domain.anonymity import SealedAnswer, respondent_token
from trellis_feedback.domain.request import request_decider, seal_answer
from trellis_feedback.domain.request.commands import Invitee, NarrowAnswerVisibility
from trellis_feedback.domain.request.state import RequestEvent
from trellis_kernel.decider import DomainError
from trellis_kernel.testing import given, replay


def named() -> list[RequestEvent]:
    return replay(request_decider, named_request())


def anonymous() -> list[RequestEvent]:
    return replay(request_decider, upward_request())


# --- named answers ----------------------------------------------------------------------------------


def test_a_named_answer_is_feedback_that_names_its_giver_and_carries_the_requests_context() -> None:
    assert given(request_decider, *named()).when(answer(PEER, kind="constructive")) == [
        FeedbackGivenV3(
            feedback_id=f"fb_{PEER}",
            organisation_id=ORG,
            request_id=REQUEST,
            giver_id=PEER,
            recipient_id=EMPLOYEE,
            recipient_manager_id=MANAGER,
            relationship="peer",
            kind="constructive",
            goal_id=GOAL,
            content="Clear notes; keep the risks up front.",
            visibility="recipient_only",
            given_at=answer(PEER).now,
        )
    ]


def test_answers_are_taken_until_the_end_of_the_due_day_and_refused_the_day_after() -> None:
    last_minute = on(DUE, time(23, 59))
    [event] = given(request_decider, *named()).when(answer(PEER, now=last_minute))
    assert isinstance(event, FeedbackGivenV3)
    given(request_decider, *named()).when_rejected(
        answer(PEER, now=on(DUE + days(1), time(0, 0))), field="request_id", match="expired"
    )


def test_only_those_asked_answer_and_each_responds_once() -> None:
    given(request_decider, *named()).when_rejected(answer(PEER_3), field="giver_id", match="not asked")
    answered = replay(request_decider, answer(PEER), history=named())
    given(request_decider, *answered).when_rejected(
        answer(PEER, feedback_id="fb_again"), field="giver_id", match="already responded"
    )
    given(request_decider, *answered).when_rejected(
        decline(PEER), field="giver_id", match="already responded"
    )
    declined = replay(request_decider, decline(PEER), history=named())
    given(request_decider, *declined).when_rejected(answer(PEER), field="giver_id", match="already responded")


def test_a_general_requests_answer_says_whether_it_is_praise_or_constructive() -> None:
    given(request_decider, *named()).when_rejected(answer(PEER, kind=None), field="kind", match="praise or")
    given(request_decider, *named()).when_rejected(
        answer(PEER, kind="upward"), field="kind", match="praise or"
    )


def test_an_upward_requests_answers_are_upward_feedback() -> None:
    history = replay(request_decider, upward_request(anonymous=False, respondent_key=None))
    [event] = given(request_decider, *history).when(answer(PEER, kind=None))
    assert isinstance(event, FeedbackGivenV3) and event.kind == "upward"
    assert event.relationship == "direct_report"
    given(request_decider, *history).when_rejected(answer(PEER, kind="praise"), field="kind", match="upward")


def test_an_answer_has_words_and_may_be_shared_only_with_a_manager_who_exists() -> None:
    given(request_decider, *named()).when_rejected(answer(PEER, content=" \n"), field="content")
    lonely = replay(
        request_decider,
        named_request(
            requester_id=LONER,
            recipient_id=LONER,
            goal_id=None,
            givers=(Invitee(giver_id=PEER_4, relationship="peer"),),
        ),
    )
    given(request_decider, *lonely).when_rejected(
        answer(PEER_4, visibility="recipient_and_manager"), field="visibility", match="no manager"
    )
    [shared] = given(request_decider, *named()).when(answer(PEER, visibility="recipient_and_manager"))
    assert isinstance(shared, FeedbackGivenV3) and shared.recipient_manager_id == MANAGER


def test_an_answer_id_is_used_once_in_a_request() -> None:
    answered = replay(request_decider, answer(PEER), history=named())
    given(request_decider, *answered).when_rejected(
        answer(MANAGER, feedback_id=f"fb_{PEER}"), field="feedback_id", match="taken"
    )


def test_a_closed_request_takes_no_more_answers() -> None:
    closed = replay(request_decider, close(on(DUE + days(1))), history=named())
    given(request_decider, *closed).when_rejected(answer(PEER), field="request_id", match="closed")


def test_there_is_no_answering_a_request_that_does_not_exist() -> None:
    given(request_decider).when_rejected(answer(PEER), field="request_id", match="no request")


# --- anonymous answers ---------------------------------------------------------------------------


def test_an_anonymous_answer_carries_a_pseudonym_and_neither_the_giver_nor_the_words() -> None:
    command = anonymous_answer(PEER, "Ask before you advise.")
    [event] = given(request_decider, *anonymous()).when(command)
    assert event == AnonymousFeedbackSubmitted(
        request_id=REQUEST,
        organisation_id=ORG,
        respondent_token=respondent_token(KEY, REQUEST, PEER),
        submitted_at=command.now,
    )
    published = event.model_dump_json()
    assert PEER not in published and "Ask before you advise" not in published


def test_an_anonymous_giver_responds_once_and_no_refusal_names_them() -> None:
    answered = replay(request_decider, anonymous_answer(PEER), history=anonymous())
    for again in (anonymous_answer(PEER), decline(PEER, respondent_key=KEY)):
        error = given(request_decider, *answered).when_rejected(again, field="giver_id", match="already")
        assert PEER not in error.message
    error = given(request_decider, *anonymous()).when_rejected(
        anonymous_answer(MANAGER), field="giver_id", match="not asked"
    )
    assert MANAGER not in error.message


def test_without_the_requests_key_nobody_can_answer_it_anonymously() -> None:
    other_key = bytes(reversed(range(32)))
    given(request_decider, *anonymous()).when_rejected(
        anonymous_answer(PEER, respondent_key=other_key), field="giver_id", match="not asked"
    )
    with pytest.raises(ValueError, match="respondent key"):
        given(request_decider, *anonymous()).when(anonymous_answer(PEER, respondent_key=None))


def test_the_answer_is_sealed_for_the_service_to_keep_until_the_request_closes() -> None:
    command = anonymous_answer(PEER, "Ask before you advise.", visibility="recipient_and_manager")
    assert seal_answer(command, request_decider.fold(anonymous())) == SealedAnswer(
        respondent_token=respondent_token(KEY, REQUEST, PEER),
        kind="upward",
        visibility="recipient_and_manager",
        content="Ask before you advise.",
    )


def test_sealing_decides_like_answering() -> None:
    answered = replay(request_decider, anonymous_answer(PEER), history=anonymous())
    with pytest.raises(DomainError, match="already responded"):
        seal_answer(anonymous_answer(PEER), request_decider.fold(answered))
    with pytest.raises(ValueError, match="anonymous"):
        seal_answer(answer(PEER), request_decider.fold(named()))


# --- declining -------------------------------------------------------------------------------------


def test_a_named_decline_may_say_why() -> None:
    command = decline(PEER, reason="I have not worked with them this quarter.")
    assert given(request_decider, *named()).when(command) == [
        FeedbackDeclinedV3(
            request_id=REQUEST,
            organisation_id=ORG,
            giver_id=PEER,
            reason="I have not worked with them this quarter.",
            declined_at=command.now,
        )
    ]
    given(request_decider, *named()).when_rejected(decline(PEER, reason=" "), field="reason")


def test_an_anonymous_decline_carries_the_pseudonym_and_no_reason() -> None:
    [event] = given(request_decider, *anonymous()).when(decline(PEER, respondent_key=KEY))
    assert isinstance(event, FeedbackDeclinedV3)
    assert (event.giver_id, event.respondent_token, event.reason) == (
        None,
        respondent_token(KEY, REQUEST, PEER),
        None,
    )
    given(request_decider, *anonymous()).when_rejected(
        decline(PEER, respondent_key=KEY, reason="I am new here"), field="reason", match="could tell who"
    )


def test_declines_are_refused_after_the_due_day_like_answers() -> None:
    given(request_decider, *named()).when_rejected(
        decline(PEER, now=on(DUE + days(1))), field="request_id", match="expired"
    )


# --- narrowing an answer's visibility ----------------------------------------------------------------


def narrow(by: str = PEER, visibility: str = "recipient_only") -> NarrowAnswerVisibility:
    return NarrowAnswerVisibility(
        request_id=REQUEST,
        feedback_id=f"fb_{PEER}",
        narrowed_by=by,
        now=on(DUE),
        visibility=visibility,  # type: ignore[arg-type]
    )


def shared_answer() -> list[RequestEvent]:
    return replay(request_decider, answer(PEER, visibility="recipient_and_manager"), history=named())


def test_the_giver_narrows_who_reads_their_answer() -> None:
    assert given(request_decider, *shared_answer()).when(narrow()) == [
        FeedbackVisibilityNarrowed(
            feedback_id=f"fb_{PEER}",
            organisation_id=ORG,
            request_id=REQUEST,
            recipient_id=EMPLOYEE,
            giver_id=PEER,
            goal_id=GOAL,
            visibility="recipient_only",
            previous_visibility="recipient_and_manager",
            narrowed_at=on(DUE),
        )
    ]


def test_nobody_but_the_giver_narrows_and_nothing_widens() -> None:
    given(request_decider, *shared_answer()).when_rejected(
        narrow(by=EMPLOYEE), field="narrowed_by", match="Only the giver"
    )
    private = replay(request_decider, narrow(), history=shared_answer())
    given(request_decider, *private).when_rejected(narrow(), field="visibility", match="already")
    given(request_decider, *private).when_rejected(
        narrow(visibility="recipient_and_manager"), field="visibility", match="never widen"
    )
    given(request_decider, *named()).when_rejected(narrow(), field="feedback_id", match="no answer")
    assert request_decider.fold(private) is not None


def test_three_answered_of_four_is_counted_without_knowing_who() -> None:
    history = replay(
        request_decider,
        anonymous_answer(PEER),
        anonymous_answer(PEER_3),
        decline(PEER_4, respondent_key=KEY),
        history=anonymous(),
    )
    state = request_decider.fold(history)
    assert state is not None
    assert (state.answered_count, state.declined_count, state.pending_count) == (2, 1, 1)
    assert state.pending_giver_ids() == ()
    assert not any(PEER in key or PEER_3 in key for key in state.responses)
