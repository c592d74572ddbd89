"""What people (and the scheduler) ask of a feedback request. Every command carries ``now``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from trellis_contracts.feedback import (
    FeedbackKind,
    FeedbackVisibility,
    GiverRelationship,
    RequestKind,
)
from trellis_feedback.domain.anonymity import DEFAULT_ANONYMITY_THRESHOLD, SealedAnswer
from trellis_feedback.domain.facts import Facts


@dataclass(frozen=True, kw_only=True)
class Invitee:
    giver_id: str
    relationship: GiverRelationship


@dataclass(frozen=True, kw_only=True)
class RequestFeedback:
    """Ask several people for feedback about ``recipient_id``, by ``due_on``.

    An anonymous request needs ``respondent_key``, the random key the service keeps privately
    for this request, and is made with the organisation's ``anonymity_threshold`` of now.
    """

    request_id: str
    organisation_id: str
    requester_id: str
    recipient_id: str
    givers: tuple[Invitee, ...]
    due_on: date
    now: datetime
    facts: Facts = field(default_factory=Facts)
    kind: RequestKind = "general"
    anonymous: bool = False
    respondent_key: bytes | None = None
    anonymity_threshold: int = DEFAULT_ANONYMITY_THRESHOLD
    goal_id: str | None = None
    milestone_id: str | None = None
    prompts: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class AnswerRequest:
    """``giver_id`` answers. ``feedback_id`` names the answer of a named request; an anonymous
    answer publishes no id and stays sealed (see ``seal_answer``). ``kind`` may be left out
    of an upward request's answers, which are upward feedback."""

    request_id: str
    feedback_id: str
    giver_id: str
    content: str
    visibility: FeedbackVisibility
    now: datetime
    kind: FeedbackKind | None = None
    respondent_key: bytes | None = None


@dataclass(frozen=True, kw_only=True)
class DeclineRequest:
    request_id: str
    giver_id: str
    now: datetime
    reason: str | None = None
    respondent_key: bytes | None = None


@dataclass(frozen=True, kw_only=True)
class RemindPendingGivers:
    """Sent by a scheduler: from ``remind_on``, those who have not responded are reminded, once."""

    request_id: str
    now: datetime


@dataclass(frozen=True, kw_only=True)
class CloseRequest:
    """Sent after each response and by a scheduler: a request closes once everyone responded
    or its due date passed. ``sealed_answers`` are the anonymous answers the service kept;
    ``answers_erased``: it kept none, because the person the request is about was erased (their
    anonymous answers are then withheld for good)."""

    request_id: str
    now: datetime
    sealed_answers: tuple[SealedAnswer, ...] = ()
    answers_erased: bool = False


@dataclass(frozen=True, kw_only=True)
class NarrowAnswerVisibility:
    request_id: str
    feedback_id: str
    narrowed_by: str
    now: datetime
    visibility: FeedbackVisibility = "recipient_only"


RequestCommand = (
    RequestFeedback
    | AnswerRequest
    | DeclineRequest
    | RemindPendingGivers
    | CloseRequest
    | NarrowAnswerVisibility
)
