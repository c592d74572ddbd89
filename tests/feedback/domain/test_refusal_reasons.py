"""What a refused feedback command tells the person who sent it: the field at fault and the reason.

The API returns both as the 422 detail (``{"field": ..., "reason": ...}``) and a 403's detail is
the authorization's reason; clients show them and match on them, so their wording is part of
the contract and changes here on purpose only. Refusals no API request can provoke (a ``now``
without an offset, sealed answers that do not match the request) are left free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from tests.feedback.domain.builders import (
    EMPLOYEE,
    FACTS,
    GOAL,
    LONER,
    MANAGER,
    NOW,
    PEER,
    answer,
    close,
    days,
    decline,
    named_request,
    upward_request,
)
from tests.feedback.domain.test_answering_requests import narrow as narrow_answer
from tests.feedback.domain.test_answering_requests import shared_answer
from tests.feedback.domain.test_conversations import (
    action,
    cancel,
    complete,
    held,
    hold,
    link,
    schedule,
    scheduled,
)
from tests.feedback.domain.test_unasked_feedback import give
from tests.feedback.domain.test_unasked_feedback import narrow as narrow_feedback
from trellis_feedback.domain.authorization import Actor, Subject, authorize
from trellis_feedback.domain.conversation import conversation_decider
from trellis_feedback.domain.feedback import feedback_decider
from trellis_feedback.domain.request import commands as r
from trellis_feedback.domain.request import request_decider
from trellis_feedback.domain.settings import SetAnonymityThreshold, settings_decider
from trellis_kernel.decider import Decider
from trellis_kernel.testing import given, replay


def said(decider: Decider[Any, Any, Any], history: Sequence[Any], command: Any, field: str) -> str:
    """The reason given when ``command`` is refused after ``history``, which must name ``field``."""
    return given(decider, *history).when_rejected(command, field=field).message


# --- conversations ----------------------------------------------------------------------------------


def conversation(history: Sequence[Any], command: Any, field: str) -> str:
    return said(conversation_decider, history, command, field)


CANCELLED = replay(conversation_decider, cancel(), history=scheduled())


def test_scheduling_a_conversation_refusals_say_why() -> None:
    assert (
        conversation([], schedule(scheduled_by=PEER), "scheduled_by")
        == "Only the employee or their manager can schedule their conversation"
    )
    assert conversation([], schedule(goal_ids=(GOAL, GOAL)), "goal_ids[1]") == "Each goal is named once"
    assert conversation([], schedule(agenda="  "), "agenda") == "The agenda must not be blank"


def test_recording_a_conversation_refusals_say_why() -> None:
    assert (
        conversation(scheduled(), hold(held_by=PEER), "held_by")
        == "Only the employee or their manager can record their conversation"
    )
    assert (
        conversation(scheduled(), hold(progress_summary=" "), "progress_summary")
        == "What progress was made since you last spoke must not be blank"
    )
    assert conversation(scheduled(), hold(notes=""), "notes") == "The notes must not be blank"
    assert (
        conversation(scheduled(), hold(milestone_ids=("ms_1", "ms_1")), "milestone_ids[1]")
        == "Each milestone is named once"
    )
    assert (
        conversation(scheduled(), hold(agreed_actions=(action(), action())), "agreed_actions[1].action_id")
        == "Each action id is used once"
    )
    assert (
        conversation(
            scheduled(), hold(agreed_actions=(action(), action("act_2", PEER))), "agreed_actions[1].owner_id"
        )
        == "An action is owned by the employee or their manager"
    )
    blank_second = (action(), action("act_2").model_copy(update={"description": " "}))
    assert (
        conversation(scheduled(), hold(agreed_actions=blank_second), "agreed_actions[1].description")
        == "What was agreed must not be blank"
    )
    assert conversation(held(), hold(), "conversation_id") == "The conversation was already held"
    assert conversation(CANCELLED, hold(), "conversation_id") == "The conversation was cancelled"


def test_linking_and_cancelling_refusals_say_why() -> None:
    assert (
        conversation(scheduled(), link(by=PEER), "linked_by")
        == "Only the employee or their manager can link their conversation"
    )
    assert conversation(CANCELLED, link(), "conversation_id") == "The conversation was cancelled"
    assert (
        conversation(held(), cancel(), "conversation_id")
        == "A conversation that took place cannot be cancelled"
    )
    assert conversation(CANCELLED, cancel(), "conversation_id") == "The conversation was already cancelled"
    assert (
        conversation(scheduled(), cancel(by=PEER), "cancelled_by")
        == "Only the employee or their manager can cancel their conversation"
    )
    assert conversation(scheduled(), cancel(reason=" "), "reason") == "The reason must not be blank"


def test_completing_an_action_refusals_say_why() -> None:
    done = replay(conversation_decider, complete(), history=held())
    assert conversation(done, complete(), "action_id") == "The action is already completed"
    assert (
        conversation(held(), complete(by=PEER), "completed_by")
        == "Only the employee or their manager can complete an action of their conversation"
    )
    assert conversation(held(), replace(complete(), note=" "), "note") == "The note must not be blank"


# --- feedback given unasked ---------------------------------------------------------------------------


def test_giving_feedback_refusals_say_why() -> None:
    def feedback(command: Any, field: str, history: Sequence[Any] = ()) -> str:
        return said(feedback_decider, history, command, field)

    assert feedback(give(giver_id=EMPLOYEE), "recipient_id") == "Feedback is given to someone else"
    assert (
        feedback(
            give(
                giver_id=MANAGER,
                recipient_id=PEER,
                relationship="direct_report",
                goal_id=None,
                milestone_id=None,
                kind="upward",
            ),
            "relationship",
        )
        == "The reporting lines make this giver the recipient's manager"
    )
    assert (
        feedback(
            give(
                giver_id=PEER,
                recipient_id=MANAGER,
                relationship="direct_report",
                kind="upward",
                goal_id=None,
                milestone_id=None,
                facts=replace(FACTS, managers={**FACTS.managers, PEER: "x"}),
            ),
            "relationship",
        )
        == "The reporting lines say neither manages the other: the giver is a peer or a mentor"
    )
    assert (
        feedback(give(kind="upward"), "kind")
        == "Upward feedback, on a manager's coaching, comes from someone who reports to them"
    )
    assert feedback(give(content="\n"), "content") == "The feedback must not be blank"
    assert (
        feedback(give(recipient_id=LONER, goal_id=None, milestone_id=None), "visibility")
        == "The recipient has no manager to share it with"
    )
    assert feedback(give(goal_id=None), "goal_id") == "A milestone is named together with its goal"
    given_once = replay(feedback_decider, give())
    assert (
        feedback(narrow_feedback(by=EMPLOYEE), "narrowed_by", given_once)
        == "Only the giver can narrow who reads their feedback"
    )


# --- requests ------------------------------------------------------------------------------------------


def request(history: Sequence[Any], command: Any, field: str) -> str:
    return said(request_decider, history, command, field)


NAMED = replay(request_decider, named_request())
UPWARD = replay(request_decider, upward_request())


def test_asking_for_feedback_refusals_say_why() -> None:
    assert (
        request([], named_request(requester_id=PEER), "requester_id")
        == "Only the person the feedback is about, or their manager, can ask for it"
    )
    assert request([], named_request(givers=()), "givers") == "Ask at least one person"
    twice = (r.Invitee(giver_id=PEER, relationship="peer"), r.Invitee(giver_id=PEER, relationship="peer"))
    assert request([], named_request(givers=twice), "givers[1].giver_id") == "Each person is asked once"
    themselves = (
        r.Invitee(giver_id=PEER, relationship="peer"),
        r.Invitee(giver_id=EMPLOYEE, relationship="peer"),
    )
    assert (
        request([], named_request(givers=themselves), "givers[1].giver_id")
        == "Nobody is asked for feedback about themselves"
    )
    by_the_manager = named_request(
        requester_id=MANAGER,
        givers=(
            r.Invitee(giver_id=PEER, relationship="peer"),
            r.Invitee(giver_id=MANAGER, relationship="manager"),
        ),
    )
    assert request([], by_the_manager, "givers[1].giver_id") == "The requester does not ask themselves"
    assert (
        request(
            [],
            named_request(kind="upward", recipient_id=MANAGER, requester_id=MANAGER, goal_id=None),
            "givers[0].relationship",
        )
        == "The reporting lines make this giver the recipient's direct_report"
    )
    assert request([], upward_request(givers=(), anonymous=False), "givers") == "Ask at least one person"
    assert (
        request([], upward_request(givers=("emp_1", "emp_2")), "givers")
        == "An anonymous request asks at least 3 people: answers are shown only once that many answered"
    )
    assert request([], named_request(prompts=("Fine?", " ")), "prompts[1]") == "A question must not be blank"


def test_an_upward_request_is_asked_of_direct_reports_only() -> None:
    peer_of_manager = replace(FACTS, managers={**FACTS.managers, "mgr_2": "dir_1"})
    asked = (
        r.Invitee(giver_id=EMPLOYEE, relationship="direct_report"),
        r.Invitee(giver_id="mgr_2", relationship="peer"),
    )
    assert (
        request(
            [],
            named_request(
                kind="upward",
                recipient_id=MANAGER,
                requester_id=MANAGER,
                goal_id=None,
                givers=asked,
                facts=peer_of_manager,
                prompts=(),
            ),
            "givers[1].relationship",
        )
        == "Upward feedback, on the recipient's coaching, is asked of people who report to them"
    )


def test_responding_to_a_request_refusals_say_why() -> None:
    assert request(NAMED, answer("emp_3"), "giver_id") == "You were not asked for this feedback"
    closed = replay(request_decider, decline(PEER), decline(MANAGER), close(NOW + days(2)), history=NAMED)
    assert request(closed, answer(PEER), "request_id") == "The request is closed"
    answered = replay(request_decider, answer(PEER), history=NAMED)
    assert request(answered, answer(PEER), "giver_id") == "You have already responded to this request"
    assert (
        request(NAMED, answer(PEER, kind=None), "kind")
        == "Say whether the answer is praise or constructive feedback"
    )
    assert (
        request(NAMED, answer(PEER, kind="upward"), "kind")
        == "Say whether the answer is praise or constructive feedback"
    )
    assert request(NAMED, answer(PEER, content=" "), "content") == "The feedback must not be blank"
    assert request(NAMED, decline(PEER, reason=" "), "reason") == "The reason must not be blank"
    assert (
        request(UPWARD, decline(EMPLOYEE, reason="Busy", respondent_key=bytes(range(32))), "reason")
        == "A decline of an anonymous request gives no reason: its words could tell who declined"
    )
    assert (
        request(UPWARD, answer(EMPLOYEE, kind="praise", respondent_key=bytes(range(32))), "kind")
        == "Answers to an upward request are upward feedback"
    )
    assert (
        request(shared_answer(), narrow_answer(by=EMPLOYEE), "narrowed_by")
        == "Only the giver can narrow who reads their feedback"
    )


# --- settings and authorization ---------------------------------------------------------------------


def test_a_threshold_too_low_says_what_it_would_give_away() -> None:
    command = SetAnonymityThreshold(organisation_id="org_1", threshold=2, set_by=MANAGER, now=NOW)
    assert said(settings_decider, [], command, "threshold") == (
        "The anonymity threshold is between 3 and 50: with fewer than 3 answers, "
        "each giver could tell the others' answers apart from their own"
    )


def test_a_refusal_names_every_role_the_caller_holds() -> None:
    own_request = Subject("org_1", employee_id=EMPLOYEE, requester_id=EMPLOYEE)
    both = authorize(Actor(EMPLOYEE, "org_1"), "give_feedback", own_request)
    assert not both and both.roles == {"self", "requester"}
    assert both.reason == "the requester and self may not give feedback"
    stranger = authorize(Actor(EMPLOYEE, "org_2"), "view_feedback", own_request)
    assert not stranger and stranger.roles == frozenset()
    assert stranger.reason == "the subject belongs to another organisation"
