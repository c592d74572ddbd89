"""What the feedback events carry on from what was asked and said, and the accepting side of the
rules: the milestone a request is about stays on its answers and its closing, the notes of a
conversation are kept, the last question allowed is taken, and one answer narrowed leaves the
others as their givers chose."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta, timezone, tzinfo

from tests.feedback.domain.builders import (
    KEY,
    MANAGER,
    MONDAY,
    NOW,
    PEER,
    anonymous_answer,
    answer,
    close,
    days,
    named_request,
    on,
    upward_request,
)
from tests.feedback.domain.test_answering_requests import narrow
from tests.feedback.domain.test_conversations import hold, schedule, scheduled
from trellis_contracts.feedback import (
    MAX_PROMPTS,
    ConversationHeldV3,
    ConversationScheduledV3,
    FeedbackGivenV3,
    FeedbackRequestClosedV2,
    FeedbackRequestedV3,
    FeedbackVisibilityNarrowed,
)
from trellis_feedback.domain.anonymity import SealedAnswer
from trellis_feedback.domain.conversation import conversation_decider
from trellis_feedback.domain.request import request_decider, seal_answer
from trellis_feedback.domain.request.commands import Invitee
from trellis_kernel.testing import given, replay

ABOUT_A_MILESTONE = replay(request_decider, named_request(milestone_id="ms_2"))


def test_an_answer_to_a_request_about_a_milestone_is_about_that_milestone() -> None:
    [given_answer] = given(request_decider, *ABOUT_A_MILESTONE).when(answer(PEER))
    assert isinstance(given_answer, FeedbackGivenV3)
    assert (given_answer.goal_id, given_answer.milestone_id) == ("goal_1", "ms_2")


def test_a_request_about_a_milestone_closes_about_that_milestone() -> None:
    answered = replay(request_decider, answer(PEER), answer(MANAGER), history=ABOUT_A_MILESTONE)
    [closed] = given(request_decider, *answered).when(close(NOW + days(2)))
    assert isinstance(closed, FeedbackRequestClosedV2)
    assert (closed.reason, closed.goal_id, closed.milestone_id) == ("everyone_responded", "goal_1", "ms_2")


def test_a_request_may_ask_as_many_questions_as_allowed() -> None:
    prompts = tuple(f"Question {n}?" for n in range(MAX_PROMPTS))
    [requested] = given(request_decider).when(named_request(prompts=prompts))
    assert isinstance(requested, FeedbackRequestedV3) and requested.prompts == prompts
    given(request_decider).when_rejected(named_request(prompts=(*prompts, "One more?")), field="prompts")


def test_narrowing_one_answer_leaves_the_other_answers_as_they_were() -> None:
    both_shared = replay(
        request_decider,
        answer(PEER, visibility="recipient_and_manager"),
        answer(MANAGER, feedback_id="fb_other", visibility="recipient_and_manager"),
        history=replay(request_decider, named_request()),
    )
    narrowed = replay(request_decider, narrow(), history=both_shared)
    second = replace(narrow(by=MANAGER), feedback_id="fb_other")
    [event] = given(request_decider, *narrowed).when(second)
    assert isinstance(event, FeedbackVisibilityNarrowed)
    assert (event.feedback_id, event.previous_visibility) == ("fb_other", "recipient_and_manager")


def test_an_upward_answer_may_say_it_is_upward() -> None:
    history = replay(request_decider, upward_request(anonymous=False, respondent_key=None))
    [event] = given(request_decider, *history).when(answer(PEER, kind="upward"))
    assert isinstance(event, FeedbackGivenV3) and event.kind == "upward"


def test_an_anonymous_general_request_keeps_whether_each_answer_is_praise_or_constructive() -> None:
    asked = (
        Invitee(giver_id=PEER, relationship="peer"),
        Invitee(giver_id="emp_3", relationship="peer"),
        Invitee(giver_id="emp_4", relationship="peer"),
    )
    history = replay(request_decider, named_request(anonymous=True, respondent_key=KEY, givers=asked))
    command = anonymous_answer(PEER, "Keep the risks up front.", kind="constructive")
    sealed = seal_answer(command, request_decider.fold(history))
    assert isinstance(sealed, SealedAnswer) and sealed.kind == "constructive"


def test_the_notes_of_a_conversation_are_kept_with_it() -> None:
    [event] = given(conversation_decider, *scheduled()).when(hold(notes="Wants to lead the next launch."))
    assert isinstance(event, ConversationHeldV3) and event.notes == "Wants to lead the next launch."


def test_today_is_the_day_in_the_offset_the_caller_lives_in() -> None:
    # 00:30 on Monday in Berlin is still Sunday in UTC: a conversation at 23:00 UTC on Sunday is
    # Monday 01:00 in Berlin, later today for the caller, so it is accepted.
    now = datetime.combine(MONDAY, time(0, 30), tzinfo=timezone(timedelta(hours=1)))
    sunday_late_utc = on(MONDAY - days(1), time(23, 0))
    [event] = given(conversation_decider).when(schedule(now=now, scheduled_for=sunday_late_utc))
    assert isinstance(event, ConversationScheduledV3)
    given(conversation_decider).when_rejected(
        schedule(now=now, scheduled_for=on(MONDAY - days(1), time(22, 0))), field="scheduled_for"
    )


def test_a_moment_whose_zone_gives_no_offset_is_refused() -> None:
    no_offset = datetime(2026, 3, 2, 9, tzinfo=_NoOffset())
    given(conversation_decider).when_rejected(schedule(now=no_offset), field="now")


class _NoOffset(tzinfo):
    def utcoffset(self, dt: datetime | None) -> None:
        return None
