"""A feedback request as its events leave it, and how each event changes it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

from trellis_contracts.feedback import (
    AnonymousFeedbackSubmitted,
    FeedbackDeclinedV2,
    FeedbackGivenV2,
    FeedbackReminderDue,
    FeedbackRequestClosed,
    FeedbackRequestedV2,
    FeedbackVisibility,
    FeedbackVisibilityNarrowed,
    GiverRelationship,
    RequestKind,
)

Response = Literal["answered", "declined"]

RequestEvent = (
    FeedbackRequestedV2
    | FeedbackGivenV2
    | AnonymousFeedbackSubmitted
    | FeedbackDeclinedV2
    | FeedbackReminderDue
    | FeedbackRequestClosed
    | FeedbackVisibilityNarrowed
)
"""The events of one request's stream."""


@dataclass(frozen=True)
class NamedAnswer:
    feedback_id: str
    giver_id: str
    visibility: FeedbackVisibility


@dataclass(frozen=True)
class Request:
    request_id: str
    organisation_id: str
    requester_id: str
    recipient_id: str
    recipient_manager_id: str | None
    kind: RequestKind
    anonymous: bool
    anonymity_threshold: int | None
    goal_id: str | None
    milestone_id: str | None
    due_on: date
    remind_on: date | None
    givers: Mapping[str, GiverRelationship] = field(default_factory=dict)
    """Who a named request asks, in the order asked; empty for an anonymous one."""
    invitee_tokens: frozenset[str] = frozenset()
    """Pseudonyms of who an anonymous request asks."""
    responses: Mapping[str, Response] = field(default_factory=dict)
    """By giver id (named) or token (anonymous)."""
    answers: tuple[NamedAnswer, ...] = ()
    reminded: bool = False
    closed: bool = False

    @property
    def invited_count(self) -> int:
        return len(self.invitee_tokens) if self.anonymous else len(self.givers)

    @property
    def answered_count(self) -> int:
        return sum(1 for response in self.responses.values() if response == "answered")

    @property
    def declined_count(self) -> int:
        return sum(1 for response in self.responses.values() if response == "declined")

    @property
    def pending_count(self) -> int:
        return self.invited_count - len(self.responses)

    @property
    def everyone_responded(self) -> bool:
        return self.pending_count == 0

    @property
    def answered_tokens(self) -> frozenset[str]:
        if not self.anonymous:
            return frozenset()
        return frozenset(token for token, response in self.responses.items() if response == "answered")

    def pending_giver_ids(self) -> tuple[str, ...]:
        """Who a named request still waits for, in the order asked (empty when anonymous)."""
        return tuple(giver for giver in self.givers if giver not in self.responses)

    def expired_on(self, day: date) -> bool:
        """Answers are taken until the end of ``due_on``."""
        return day > self.due_on

    def answer(self, feedback_id: str) -> NamedAnswer | None:
        return next((a for a in self.answers if a.feedback_id == feedback_id), None)

    def responded(self, respondent: str, response: Response) -> Request:
        return replace(self, responses={**self.responses, respondent: response})


RequestState = Request | None


def initial_request_state() -> RequestState:
    return None


def evolve_request(state: RequestState, event: RequestEvent) -> RequestState:
    if isinstance(event, FeedbackRequestedV2):
        return Request(
            request_id=event.request_id,
            organisation_id=event.organisation_id,
            requester_id=event.requester_id,
            recipient_id=event.recipient_id,
            recipient_manager_id=event.recipient_manager_id,
            kind=event.kind,
            anonymous=event.anonymous,
            anonymity_threshold=event.anonymity_threshold,
            goal_id=event.goal_id,
            milestone_id=event.milestone_id,
            due_on=event.due_on,
            remind_on=event.remind_on,
            givers={giver.giver_id: giver.relationship for giver in event.givers},
            invitee_tokens=frozenset(event.invitee_tokens),
        )
    if state is None:
        return None
    match event:
        case FeedbackGivenV2():
            answer = NamedAnswer(event.feedback_id, event.giver_id, event.visibility)
            return replace(state.responded(event.giver_id, "answered"), answers=(*state.answers, answer))
        case AnonymousFeedbackSubmitted():
            return state.responded(event.respondent_token, "answered")
        case FeedbackDeclinedV2():
            respondent = event.giver_id if event.giver_id is not None else event.respondent_token
            return state if respondent is None else state.responded(respondent, "declined")
        case FeedbackReminderDue():
            return replace(state, reminded=True)
        case FeedbackRequestClosed():
            return replace(state, closed=True)
        case FeedbackVisibilityNarrowed():
            narrowed = event.visibility
            answers = tuple(
                replace(a, visibility=narrowed) if a.feedback_id == event.feedback_id else a
                for a in state.answers
            )
            return replace(state, answers=answers)
    return state
