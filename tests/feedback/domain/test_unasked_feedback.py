"""Feedback given unasked: always named, to someone else, with a relationship the reporting lines
agree with, and a visibility that can narrow but never widen."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.feedback.domain.builders import (
    EMPLOYEE,
    FACTS,
    GOAL,
    LONER,
    MANAGER,
    MENTOR,
    NOW,
    ORG,
    OTHER_GOAL,
    PEER,
    days,
)
from trellis_contracts.feedback import FeedbackGivenV3, FeedbackVisibilityNarrowed
from trellis_feedback.domain.feedback import GiveFeedback, NarrowFeedbackVisibility, feedback_decider
from trellis_kernel.testing import given, replay

FEEDBACK = "fb_1"


def give(**overrides: Any) -> GiveFeedback:
    command = GiveFeedback(
        feedback_id=FEEDBACK,
        organisation_id=ORG,
        giver_id=PEER,
        recipient_id=EMPLOYEE,
        relationship="peer",
        kind="praise",
        content="The launch demo was superb.",
        visibility="recipient_and_manager",
        now=NOW,
        facts=FACTS,
        goal_id=GOAL,
        milestone_id="ms_1",
    )
    return replace(command, **overrides)


def narrow(by: str = PEER, visibility: str = "recipient_only") -> NarrowFeedbackVisibility:
    return NarrowFeedbackVisibility(
        feedback_id=FEEDBACK,
        narrowed_by=by,
        now=NOW + days(1),
        visibility=visibility,  # type: ignore[arg-type]
    )


def test_praise_from_a_peer_names_the_recipients_manager_it_is_shared_with() -> None:
    assert given(feedback_decider).when(give()) == [
        FeedbackGivenV3(
            feedback_id=FEEDBACK,
            organisation_id=ORG,
            giver_id=PEER,
            recipient_id=EMPLOYEE,
            recipient_manager_id=MANAGER,
            relationship="peer",
            kind="praise",
            goal_id=GOAL,
            milestone_id="ms_1",
            content="The launch demo was superb.",
            visibility="recipient_and_manager",
            given_at=NOW,
        )
    ]


def test_feedback_is_for_someone_else() -> None:
    given(feedback_decider).when_rejected(give(giver_id=EMPLOYEE), field="recipient_id", match="someone else")


def test_upward_feedback_comes_from_someone_the_recipient_manages() -> None:
    [event] = given(feedback_decider).when(
        give(
            giver_id=EMPLOYEE,
            recipient_id=MANAGER,
            relationship="direct_report",
            kind="upward",
            goal_id=None,
            milestone_id=None,
        )
    )
    assert isinstance(event, FeedbackGivenV3) and event.kind == "upward"
    given(feedback_decider).when_rejected(give(kind="upward"), field="kind", match="reports to them")
    given(feedback_decider).when_rejected(
        give(giver_id=MENTOR, relationship="direct_report", kind="upward"),
        field="relationship",
        match="reporting lines",
    )


def test_a_manager_giving_feedback_is_the_manager() -> None:
    [event] = given(feedback_decider).when(
        give(giver_id=MANAGER, relationship="manager", kind="constructive")
    )
    assert isinstance(event, FeedbackGivenV3) and event.relationship == "manager"
    given(feedback_decider).when_rejected(give(giver_id=MANAGER), field="relationship", match="manager")


def test_feedback_has_words_and_sharing_needs_a_manager() -> None:
    given(feedback_decider).when_rejected(give(content="   "), field="content")
    given(feedback_decider).when_rejected(
        give(recipient_id=LONER, goal_id=None, milestone_id=None), field="visibility", match="no manager"
    )
    [private] = given(feedback_decider).when(
        give(recipient_id=LONER, goal_id=None, milestone_id=None, visibility="recipient_only")
    )
    assert isinstance(private, FeedbackGivenV3) and private.recipient_manager_id is None


def test_feedback_about_a_goal_needs_the_recipients_goal() -> None:
    given(feedback_decider).when_rejected(give(goal_id=OTHER_GOAL, milestone_id=None), field="goal_id")
    given(feedback_decider).when_rejected(give(goal_id="goal_gone", milestone_id=None), field="goal_id")
    given(feedback_decider).when_rejected(give(milestone_id="ms_9"), field="milestone_id")


def test_a_feedback_id_is_used_once() -> None:
    history = replay(feedback_decider, give())
    given(feedback_decider, *history).when_rejected(give(), field="feedback_id", match="already")


def test_the_giver_narrows_it_once_and_it_never_widens() -> None:
    history = replay(feedback_decider, give())
    assert given(feedback_decider, *history).when(narrow()) == [
        FeedbackVisibilityNarrowed(
            feedback_id=FEEDBACK,
            organisation_id=ORG,
            recipient_id=EMPLOYEE,
            giver_id=PEER,
            goal_id=GOAL,
            visibility="recipient_only",
            previous_visibility="recipient_and_manager",
            narrowed_at=NOW + days(1),
        )
    ]
    given(feedback_decider, *history).when_rejected(narrow(by=EMPLOYEE), field="narrowed_by")
    given(feedback_decider, *history).when_rejected(narrow(by=MANAGER), field="narrowed_by")
    narrowed = replay(feedback_decider, narrow(), history=history)
    given(feedback_decider, *narrowed).when_rejected(
        narrow(visibility="recipient_and_manager"), field="visibility", match="never widen"
    )
    given(feedback_decider, *narrowed).when_rejected(narrow(), field="visibility", match="already")


def test_private_feedback_cannot_be_shared_later() -> None:
    history = replay(feedback_decider, give(visibility="recipient_only"))
    given(feedback_decider, *history).when_rejected(
        narrow(visibility="recipient_and_manager"), field="visibility", match="never widen"
    )


def test_there_is_no_narrowing_feedback_that_does_not_exist() -> None:
    given(feedback_decider).when_rejected(narrow(), field="feedback_id", match="no feedback")
