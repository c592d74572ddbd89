"""Events of the feedback service: 360 and upward feedback, and performance conversations.

Aggregates (the CloudEvents ``subject`` and Kafka key), each within one organisation:

- a feedback request (``request_id``): FeedbackRequested, FeedbackGiven when it answers the
  request, AnonymousFeedbackSubmitted, FeedbackDeclined, FeedbackReminderDue,
  FeedbackRequestClosed, and FeedbackVisibilityNarrowed of an answer;
- unasked feedback (``feedback_id``): FeedbackGiven without a request, and
  FeedbackVisibilityNarrowed;
- a performance conversation (``conversation_id``): ConversationScheduled, ConversationHeld,
  ConversationLinkedToGoal, ConversationCancelled, ActionItemCompleted;
- the conversation cadence of one employee and manager pair (``employee_id`` and
  ``manager_id``): ConversationCadenceSet, ConversationCadenceMissed;
- the organisation's feedback settings (``organisation_id``): AnonymityThresholdSet; its
  retention of feedback text (``organisation_id``): FeedbackRetentionSet, FeedbackTextExpired.

Anonymity. A request either names who answered (``anonymous`` false) or allows anonymity
(``anonymous`` true). For an anonymous request the giver's identity never leaves the feedback
service, so no event of it carries a person's id for the people asked:

- FeedbackRequested lists no givers, only ``invitee_tokens``: one pseudonym per person asked,
  an HMAC of their id under a key the service keeps privately for that request (never
  published, erased with the request), in sorted order so that the order in which the
  requester named people says nothing.
- An answer is AnonymousFeedbackSubmitted with the respondent's token and no content; a
  decline is FeedbackDeclined with the token, no giver id and no reason (free text could name
  its author). The token lets the service refuse a second response from the same person
  without anyone's id in the stream; outside the service it links nothing.
- The content stays sealed inside the service until the request closes. FeedbackRequestClosed
  then releases every answer at once, ordered by content, without tokens or times, and only if
  at least ``anonymity_threshold`` (k, per organisation, at least 3) people answered; below k
  the content is withheld for good. One release per request, after it closed, means a later
  answer can never be singled out by comparing two releases, and nothing ties an answer's
  content to the moment its author submitted it.
- Reminders and closing say how many people have not answered, never who.

Visibility is chosen when feedback is given: ``recipient_only``, or ``recipient_and_manager``,
which shares it with the one manager named in the event (the recipient's manager when it was
asked for or given, not whoever manages them later). It can narrow later, never widen.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from trellis_contracts.base import EventContract, personal_data
from trellis_contracts.fields import NO_NUL_PATTERN, OpaqueId, Text

SERVICE = "feedback"

MIN_ANONYMITY_THRESHOLD = 3
"""The smallest k an organisation may choose: with two answers each giver could tell the
other's answer apart from their own."""
MAX_ANONYMITY_THRESHOLD = 50
MAX_GIVERS = 50
MAX_PROMPTS = 10

GiverRelationship = Literal["manager", "peer", "mentor", "direct_report"]
"""How the giver relates to the recipient. ``direct_report``: the giver reports to the
recipient (upward feedback); ``manager``: the recipient reports to the giver."""

FeedbackKind = Literal["praise", "constructive", "upward"]
RequestKind = Literal["general", "upward"]
FeedbackVisibility = Literal["recipient_only", "recipient_and_manager"]
ConversationKind = Literal["check_in", "quarterly_review", "career_conversation"]
CloseReason = Literal["everyone_responded", "expired"]
AnonymousResults = Literal["released", "withheld"]

RespondentToken = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{32}$"),
    Field(
        description="Pseudonym of one person asked by an anonymous request, unique within "
        "that request: an HMAC of their id under a key only the feedback service holds, for "
        "this request alone. It links nothing outside the service.",
        examples=["3f9a2c7e1b0d4e8fa6c5b4d3e2f1a0b9"],
    ),
]
Prompt = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=NO_NUL_PATTERN)]

_RELATIONSHIP = (
    "Relationship of the giver to the recipient: manager, peer, mentor, or direct_report "
    "(the giver reports to the recipient: upward feedback)."
)
_KIND = (
    "praise, constructive, or upward (a direct report's feedback on the recipient's coaching "
    "and support as their manager)."
)
_VISIBILITY = (
    "Who may read it: the recipient only, or also the manager named in recipient_manager_id. "
    "It can narrow later, never widen."
)


def _organisation_id() -> Any:
    return Field(description="The organisation (tenant) the record belongs to.", examples=["org_7f3a"])


def _when(what: str) -> Any:
    return Field(description=f"When it was {what} (UTC offset included).", examples=["2026-03-04T16:05:00Z"])


def _recipient_manager_id(when: str) -> Any:
    return Field(
        default=None,
        description=f"The recipient's manager {when}: the one manager who may read what is "
        "shared with the manager. Null when the recipient had none.",
    )


class _Part(BaseModel):
    """A value nested inside an event."""

    model_config = ConfigDict(frozen=True, extra="ignore")


# --- settings ---------------------------------------------------------------------------------


class AnonymityThresholdSet(EventContract):
    """An organisation chose k: how many people must answer an anonymous request before its
    answers are shown, in aggregate."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "set_at"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "organisation_id": "org_7f3a",
                    "threshold": 5,
                    "previous_threshold": 3,
                    "set_by": "hr_0042",
                    "set_at": "2026-01-05T09:00:00Z",
                }
            ]
        }
    )

    organisation_id: OpaqueId = _organisation_id()
    threshold: int = Field(
        ge=MIN_ANONYMITY_THRESHOLD,
        le=MAX_ANONYMITY_THRESHOLD,
        description="k for anonymous requests made from now on; each request keeps the k it was made with.",
    )
    previous_threshold: int = Field(
        ge=MIN_ANONYMITY_THRESHOLD,
        le=MAX_ANONYMITY_THRESHOLD,
        description="k before the change (3, the default, when never set).",
    )
    set_by: OpaqueId = Field(description="HR admin who set it.")
    set_at: AwareDatetime = _when("set")


MIN_RETENTION_YEARS = 1
MAX_RETENTION_YEARS = 50


class FeedbackRetentionSet(EventContract):
    """An organisation chose how long feedback text is kept: text older than ``years`` years
    (feedback, prompts, answers, conversation notes) is made unreadable, a whole calendar year
    at a time, by shredding the keys it was sealed with. Ids, counts and dates stay."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "set_at"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "organisation_id": "org_7f3a",
                    "years": 3,
                    "previous_years": None,
                    "set_by": "hr_0042",
                    "set_at": "2026-01-05T09:00:00Z",
                }
            ]
        }
    )

    organisation_id: OpaqueId = _organisation_id()
    years: int = Field(
        ge=MIN_RETENTION_YEARS,
        le=MAX_RETENTION_YEARS,
        description="Feedback text older than this many years is erased. The text of a calendar "
        "year (UTC) goes once the whole year is older than that: within a year after it passes.",
    )
    previous_years: int | None = Field(
        default=None,
        ge=MIN_RETENTION_YEARS,
        le=MAX_RETENTION_YEARS,
        description="The rule before, if one was set (none: text was kept).",
    )
    set_by: OpaqueId = Field(description="HR admin who set it.")
    set_at: AwareDatetime = _when("set")


class FeedbackTextExpired(EventContract):
    """The organisation's retention erased feedback text: every key of the years before
    ``before`` was shredded, so every protected field of a feedback event dated before then reads
    as erased (the key endpoint answers 410 for those keys). Drop what you derived from them."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "expired_at"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "organisation_id": "org_7f3a",
                    "before": "2023-01-01T00:00:00Z",
                    "years": 3,
                    "expired_at": "2026-01-01T06:00:00Z",
                }
            ]
        }
    )

    organisation_id: OpaqueId = _organisation_id()
    before: AwareDatetime = Field(
        description="Text of feedback events dated before this moment (1 January, UTC) is erased."
    )
    years: int = Field(
        ge=MIN_RETENTION_YEARS, le=MAX_RETENTION_YEARS, description="The rule applied (years kept)."
    )
    expired_at: AwareDatetime = _when("applied")


# --- feedback requests ------------------------------------------------------------------------


class RequestedGiver(_Part):
    """Someone a named (not anonymous) request asks, and how they relate to the recipient."""

    giver_id: OpaqueId = Field(description="Employee asked to give feedback.")
    relationship: GiverRelationship = Field(description=_RELATIONSHIP)


class FeedbackRequestedV2(EventContract):
    """Someone asked several people for feedback about a person (themselves or a report)."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "requested_at"
    major: ClassVar[int] = 2
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "request_id": "req_5f0c1a52",
                    "organisation_id": "org_7f3a",
                    "requester_id": "emp_20417",
                    "recipient_id": "emp_20417",
                    "recipient_manager_id": "emp_11873",
                    "kind": "general",
                    "anonymous": False,
                    "givers": [
                        {"giver_id": "emp_11873", "relationship": "manager"},
                        {"giver_id": "emp_30012", "relationship": "peer"},
                    ],
                    "invited_count": 2,
                    "goal_id": "goal_5b12",
                    "prompts": ["How did my stakeholder updates land during the Q3 launch?"],
                    "due_on": "2026-03-15",
                    "remind_on": "2026-03-13",
                    "requested_at": "2026-03-01T09:30:00Z",
                },
                {
                    "request_id": "req_upward_q1",
                    "organisation_id": "org_7f3a",
                    "requester_id": "emp_11873",
                    "recipient_id": "emp_11873",
                    "recipient_manager_id": "emp_00100",
                    "kind": "upward",
                    "anonymous": True,
                    "invitee_tokens": [
                        "0c1e5a9f3b7d2e4c6a8b0d1f3e5c7a9b",
                        "5d2f8e1a7c3b9d0e4f6a2c8b1e3d5f7a",
                        "a7b3c9d1e5f2a8c4b6d0e2f4a6c8b0d2",
                    ],
                    "invited_count": 3,
                    "anonymity_threshold": 3,
                    "prompts": ["What could I do to support you better in our one-to-ones?"],
                    "due_on": "2026-03-31",
                    "remind_on": "2026-03-29",
                    "requested_at": "2026-03-16T08:00:00Z",
                },
            ]
        }
    )

    request_id: OpaqueId = Field(description="Id of the feedback request (the aggregate).")
    organisation_id: OpaqueId = _organisation_id()
    requester_id: OpaqueId = Field(description="Who asked: the recipient or the recipient's manager.")
    recipient_id: OpaqueId = Field(description="Employee the feedback is about.")
    recipient_manager_id: OpaqueId | None = _recipient_manager_id("when the request was made")
    kind: RequestKind = Field(
        description="general, or upward: about the recipient's coaching and support as a "
        "manager, asked of people who report to them."
    )
    anonymous: bool = Field(
        description="True when the request allows anonymity: then no event names who was "
        "asked, who answered or who declined (see invitee_tokens)."
    )
    givers: tuple[RequestedGiver, ...] = Field(
        default=(),
        max_length=MAX_GIVERS,
        description="Who is asked, when the request is not anonymous; empty when it is.",
    )
    invitee_tokens: tuple[RespondentToken, ...] = Field(
        default=(),
        max_length=MAX_GIVERS,
        description="When the request is anonymous: one pseudonym per person asked, sorted. "
        "Empty when it is not.",
    )
    invited_count: int = Field(ge=1, le=MAX_GIVERS, description="How many people were asked.")
    anonymity_threshold: int | None = Field(
        default=None,
        ge=MIN_ANONYMITY_THRESHOLD,
        le=MAX_ANONYMITY_THRESHOLD,
        description="k for this anonymous request (the organisation's at the time): answers are "
        "released only if at least k people answered. Null when not anonymous.",
    )
    goal_id: OpaqueId | None = Field(default=None, description="The recipient's goal it is about, if any.")
    milestone_id: OpaqueId | None = Field(
        default=None, description="The milestone of that goal it is about, if any."
    )
    prompts: tuple[Prompt, ...] = personal_data(
        "Questions put to the givers, in the requester's words.",
        default=(),
        max_length=MAX_PROMPTS,
        about="recipient_id",
    )
    due_on: date = Field(description="Last day to answer; the request expires the day after.")
    remind_on: date | None = Field(
        default=None,
        description="Day from which a reminder is due to those who have not responded (two "
        "days before due_on); null when the request is too short for one.",
    )
    requested_at: AwareDatetime = _when("made")

    @model_validator(mode="after")
    def _givers_match_anonymity(self) -> FeedbackRequestedV2:
        if self.anonymous:
            if self.givers:
                raise ValueError("an anonymous request names no givers; it carries invitee_tokens")
            if len(self.invitee_tokens) != self.invited_count:
                raise ValueError("an anonymous request carries one invitee token per person asked")
            if list(self.invitee_tokens) != sorted(set(self.invitee_tokens)):
                raise ValueError("invitee tokens are distinct and sorted")
            if self.anonymity_threshold is None:
                raise ValueError("an anonymous request carries its anonymity_threshold")
        else:
            if self.invitee_tokens or self.anonymity_threshold is not None:
                raise ValueError("a named request carries no invitee tokens and no threshold")
            if len(self.givers) != self.invited_count:
                raise ValueError("a named request lists every giver asked")
        return self


class FeedbackGivenV2(EventContract):
    """Feedback that names its giver was given: an answer to a named request, or unasked."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "given_at"
    major: ClassVar[int] = 2
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "feedback_id": "fb_c3a5f7e1",
                    "organisation_id": "org_7f3a",
                    "request_id": "req_5f0c1a52",
                    "giver_id": "emp_30012",
                    "recipient_id": "emp_20417",
                    "recipient_manager_id": "emp_11873",
                    "relationship": "peer",
                    "kind": "constructive",
                    "goal_id": "goal_5b12",
                    "content": "Your weekly launch notes were clear; put the risks up front.",
                    "visibility": "recipient_only",
                    "given_at": "2026-03-04T16:05:00Z",
                },
                {
                    "feedback_id": "fb_0e9d8c7b",
                    "organisation_id": "org_7f3a",
                    "giver_id": "emp_30012",
                    "recipient_id": "emp_11873",
                    "recipient_manager_id": "emp_00100",
                    "relationship": "direct_report",
                    "kind": "upward",
                    "content": "Our one-to-ones help most when you ask before you advise.",
                    "visibility": "recipient_and_manager",
                    "given_at": "2026-03-05T08:00:00Z",
                },
            ]
        }
    )

    feedback_id: OpaqueId = Field(description="Id of this piece of feedback.")
    organisation_id: OpaqueId = _organisation_id()
    request_id: OpaqueId | None = Field(
        default=None, description="The named request it answers; absent for unasked feedback."
    )
    giver_id: OpaqueId = Field(description="Employee who gave it.")
    recipient_id: OpaqueId = Field(description="Employee it is about.")
    recipient_manager_id: OpaqueId | None = _recipient_manager_id(
        "when it was asked for (or given, if unasked)"
    )
    relationship: GiverRelationship = Field(description=_RELATIONSHIP)
    kind: FeedbackKind = Field(description=_KIND)
    goal_id: OpaqueId | None = Field(default=None, description="The recipient's goal it is about, if any.")
    milestone_id: OpaqueId | None = Field(
        default=None, description="The milestone of that goal it is about, if any."
    )
    content: Text = personal_data("The feedback text.", min_length=1, max_length=10000, about="recipient_id")
    visibility: FeedbackVisibility = Field(description=_VISIBILITY)
    given_at: AwareDatetime = _when("given")


class AnonymousFeedbackSubmitted(EventContract):
    """Someone answered an anonymous request. The answer stays sealed in the service until the
    request closes; this event carries neither its author nor its content."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "submitted_at"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "request_id": "req_upward_q1",
                    "organisation_id": "org_7f3a",
                    "respondent_token": "5d2f8e1a7c3b9d0e4f6a2c8b1e3d5f7a",
                    "submitted_at": "2026-03-18T11:20:00Z",
                }
            ]
        }
    )

    request_id: OpaqueId = Field(description="The anonymous request answered.")
    organisation_id: OpaqueId = _organisation_id()
    respondent_token: RespondentToken = Field(
        description="Pseudonym of whoever answered, one of the request's invitee_tokens."
    )
    submitted_at: AwareDatetime = _when("submitted")


class FeedbackDeclinedV2(EventContract):
    """Someone asked for feedback declined to give it."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "declined_at"
    major: ClassVar[int] = 2
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "request_id": "req_5f0c1a52",
                    "organisation_id": "org_7f3a",
                    "giver_id": "emp_11873",
                    "reason": "I have not worked with them this quarter.",
                    "declined_at": "2026-03-02T11:00:00Z",
                },
                {
                    "request_id": "req_upward_q1",
                    "organisation_id": "org_7f3a",
                    "respondent_token": "a7b3c9d1e5f2a8c4b6d0e2f4a6c8b0d2",
                    "declined_at": "2026-03-19T15:00:00Z",
                },
            ]
        }
    )

    request_id: OpaqueId = Field(description="The declined request.")
    organisation_id: OpaqueId = _organisation_id()
    giver_id: OpaqueId | None = Field(
        default=None, description="Who declined a named request; null for an anonymous one."
    )
    respondent_token: RespondentToken | None = Field(
        default=None, description="Pseudonym of who declined an anonymous request; null otherwise."
    )
    reason: Text | None = personal_data(
        "Why, in the giver's words; only for a named request.",
        default=None,
        max_length=2000,
        about="giver_id",
    )
    declined_at: AwareDatetime = _when("declined")

    @model_validator(mode="after")
    def _one_way_to_say_who(self) -> FeedbackDeclinedV2:
        if (self.giver_id is None) == (self.respondent_token is None):
            raise ValueError("a decline carries either giver_id (named) or respondent_token (anonymous)")
        if self.respondent_token is not None and self.reason is not None:
            raise ValueError("an anonymous decline carries no reason")
        return self


class FeedbackReminderDue(EventContract):
    """A request is due soon and some people asked have not responded yet. Said once."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "reminded_at"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "request_id": "req_5f0c1a52",
                    "organisation_id": "org_7f3a",
                    "recipient_id": "emp_20417",
                    "due_on": "2026-03-15",
                    "anonymous": False,
                    "pending_count": 1,
                    "pending_giver_ids": ["emp_30012"],
                    "reminded_at": "2026-03-13T06:00:00Z",
                }
            ]
        }
    )

    request_id: OpaqueId = Field(description="The request.")
    organisation_id: OpaqueId = _organisation_id()
    recipient_id: OpaqueId = Field(description="Employee the feedback is about.")
    due_on: date = Field(description="Last day to answer.")
    anonymous: bool = Field(description="Whether the request allows anonymity.")
    pending_count: int = Field(ge=1, description="How many people asked have not responded.")
    pending_giver_ids: tuple[OpaqueId, ...] = Field(
        default=(),
        description="Who has not responded, for a named request; always empty for an anonymous "
        "one (the feedback service reminds those people itself).",
    )
    reminded_at: AwareDatetime = _when("found due")


class ReleasedAnswer(_Part):
    """One answer to an anonymous request, released without its author, token or time."""

    kind: FeedbackKind = Field(description=_KIND)
    visibility: FeedbackVisibility = Field(description=_VISIBILITY)
    content: Text = personal_data("The feedback text.", min_length=1, max_length=10000, about="recipient_id")


class FeedbackRequestClosed(EventContract):
    """A request closed, because everyone asked responded or because its due date passed; for an
    anonymous request it releases the answers in aggregate, or withholds them below k."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "closed_at"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "request_id": "req_upward_q1",
                    "organisation_id": "org_7f3a",
                    "requester_id": "emp_11873",
                    "recipient_id": "emp_11873",
                    "recipient_manager_id": "emp_00100",
                    "kind": "upward",
                    "reason": "expired",
                    "anonymous": True,
                    "invited_count": 4,
                    "answered_count": 3,
                    "declined_count": 1,
                    "results": "released",
                    "released_answers": [
                        {
                            "kind": "upward",
                            "visibility": "recipient_only",
                            "content": "Ask before you advise; it works when you do.",
                        },
                        {
                            "kind": "upward",
                            "visibility": "recipient_and_manager",
                            "content": "Our one-to-ones get cancelled too often.",
                        },
                        {
                            "kind": "upward",
                            "visibility": "recipient_only",
                            "content": "You make time when something is urgent.",
                        },
                    ],
                    "closed_at": "2026-04-01T06:00:00Z",
                },
                {
                    "request_id": "req_5f0c1a52",
                    "organisation_id": "org_7f3a",
                    "requester_id": "emp_20417",
                    "recipient_id": "emp_20417",
                    "recipient_manager_id": "emp_11873",
                    "kind": "general",
                    "reason": "everyone_responded",
                    "anonymous": False,
                    "invited_count": 2,
                    "answered_count": 1,
                    "declined_count": 1,
                    "goal_id": "goal_5b12",
                    "closed_at": "2026-03-04T16:05:00Z",
                },
            ]
        }
    )

    request_id: OpaqueId = Field(description="The request.")
    organisation_id: OpaqueId = _organisation_id()
    requester_id: OpaqueId = Field(description="Who asked.")
    recipient_id: OpaqueId = Field(description="Employee the feedback is about.")
    recipient_manager_id: OpaqueId | None = _recipient_manager_id("when the request was made")
    kind: RequestKind = Field(description="general or upward, as requested.")
    reason: CloseReason = Field(description="everyone_responded, or expired (its due date passed).")
    anonymous: bool = Field(description="Whether the request allowed anonymity.")
    invited_count: int = Field(ge=1, description="How many people were asked.")
    answered_count: int = Field(ge=0, description="How many answered.")
    declined_count: int = Field(ge=0, description="How many declined.")
    unanswered_giver_ids: tuple[OpaqueId, ...] = Field(
        default=(),
        description="Who never responded to a named request; always empty for an anonymous one.",
    )
    goal_id: OpaqueId | None = Field(default=None, description="The goal it was about, if any.")
    milestone_id: OpaqueId | None = Field(default=None, description="The milestone it was about, if any.")
    results: AnonymousResults | None = Field(
        default=None,
        description="For an anonymous request: released (at least k answered; released_answers "
        "holds every answer) or withheld (fewer than k; the content is never shown). Null for "
        "a named request, whose answers were published as FeedbackGiven.",
    )
    released_answers: tuple[ReleasedAnswer, ...] = Field(
        default=(),
        description="The answers of an anonymous request, released at once in the order of "
        "their content; empty unless results is released.",
    )
    closed_at: AwareDatetime = _when("closed")

    @model_validator(mode="after")
    def _results_match_anonymity(self) -> FeedbackRequestClosed:
        if self.answered_count + self.declined_count > self.invited_count:
            raise ValueError("more responses than people asked")
        if not self.anonymous:
            if self.results is not None or self.released_answers:
                raise ValueError("a named request releases nothing when it closes")
            return self
        if self.results is None:
            raise ValueError("an anonymous request closes with results released or withheld")
        if self.unanswered_giver_ids:
            raise ValueError("an anonymous request names nobody")
        released = len(self.released_answers)
        if self.results == "released" and released != self.answered_count:
            raise ValueError("released results carry every answer")
        if self.results == "withheld" and released:
            raise ValueError("withheld results carry no answer")
        return self


class FeedbackVisibilityNarrowed(EventContract):
    """The giver of named feedback narrowed who may read it (it never widens)."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "narrowed_at"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "feedback_id": "fb_0e9d8c7b",
                    "organisation_id": "org_7f3a",
                    "recipient_id": "emp_11873",
                    "giver_id": "emp_30012",
                    "visibility": "recipient_only",
                    "previous_visibility": "recipient_and_manager",
                    "narrowed_at": "2026-03-06T10:00:00Z",
                }
            ]
        }
    )

    feedback_id: OpaqueId = Field(description="The feedback.")
    organisation_id: OpaqueId = _organisation_id()
    request_id: OpaqueId | None = Field(default=None, description="The request it answered, if any.")
    recipient_id: OpaqueId = Field(description="Employee it is about.")
    giver_id: OpaqueId = Field(description="Employee who gave it and narrowed it.")
    goal_id: OpaqueId | None = Field(default=None, description="The goal it is about, if any.")
    visibility: FeedbackVisibility = Field(description="Who may read it from now on.")
    previous_visibility: FeedbackVisibility = Field(description="Who could read it before.")
    narrowed_at: AwareDatetime = _when("narrowed")


# --- performance conversations -----------------------------------------------------------------


def _conversation_id(what: str) -> Any:
    return Field(description=what, examples=["conv_a1b2c3"])


def _employee_id() -> Any:
    return Field(description="Employee whose growth the conversation is about.", examples=["emp_20417"])


def _manager_id() -> Any:
    return Field(description="Their manager, the other participant.", examples=["emp_11873"])


class ConversationScheduledV2(EventContract):
    """A performance conversation between an employee and their manager was planned."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "scheduled_at"
    major: ClassVar[int] = 2
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "conversation_id": "conv_a1b2c3",
                    "organisation_id": "org_7f3a",
                    "employee_id": "emp_20417",
                    "manager_id": "emp_11873",
                    "kind": "check_in",
                    "scheduled_for": "2026-03-10T14:00:00Z",
                    "goal_ids": ["goal_5b12"],
                    "agenda": "Progress toward the certification milestone.",
                    "scheduled_by": "emp_11873",
                    "scheduled_at": "2026-03-03T10:00:00Z",
                }
            ]
        }
    )

    conversation_id: OpaqueId = _conversation_id("Id of the conversation (the aggregate).")
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    kind: ConversationKind = Field(
        description="check_in (short, frequent), quarterly_review (deeper) or career_conversation."
    )
    scheduled_for: AwareDatetime = Field(description="When it is to take place.")
    goal_ids: tuple[OpaqueId, ...] = Field(default=(), description="The employee's goals on the agenda.")
    agenda: Text | None = personal_data(
        "Agenda in the participants' words.", default=None, max_length=4000, about="employee_id"
    )
    scheduled_by: OpaqueId = Field(description="The participant who scheduled it.")
    scheduled_at: AwareDatetime = _when("scheduled")


class AgreedAction(_Part):
    """An action agreed in a conversation, with an owner and a due date."""

    action_id: OpaqueId = Field(description="Id of the action, unique within its conversation.")
    owner_id: OpaqueId = Field(description="Participant responsible for it.")
    due_on: date = Field(description="Date the action is due.")
    description: Text = personal_data("What was agreed.", min_length=1, max_length=2000, about="employee_id")
    milestone_id: OpaqueId | None = Field(default=None, description="Milestone it moves forward, if any.")


class ConversationHeldV2(EventContract):
    """A performance conversation took place: the progress since the last one, what was
    discussed, and the actions agreed."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "held_at"
    major: ClassVar[int] = 2
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "conversation_id": "conv_a1b2c3",
                    "organisation_id": "org_7f3a",
                    "employee_id": "emp_20417",
                    "manager_id": "emp_11873",
                    "kind": "check_in",
                    "goal_ids": ["goal_5b12"],
                    "milestone_ids": ["ms_01"],
                    "progress_summary": "Finished two of four course modules since last time.",
                    "notes": "Wants more design-review exposure.",
                    "agreed_actions": [
                        {
                            "action_id": "act_7d41e0",
                            "owner_id": "emp_20417",
                            "due_on": "2026-03-24",
                            "description": "Complete module 3 and share the project draft.",
                            "milestone_id": "ms_01",
                        },
                        {
                            "action_id": "act_7d41e1",
                            "owner_id": "emp_11873",
                            "due_on": "2026-03-17",
                            "description": "Book a shadowing day with the design lead.",
                        },
                    ],
                    "held_by": "emp_11873",
                    "held_at": "2026-03-10T14:30:00Z",
                }
            ]
        }
    )

    conversation_id: OpaqueId = _conversation_id("The conversation that took place.")
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    kind: ConversationKind = Field(description="Kind of conversation.")
    goal_ids: tuple[OpaqueId, ...] = Field(default=(), description="The employee's goals discussed.")
    milestone_ids: tuple[OpaqueId, ...] = Field(
        default=(), description="Milestones of those goals whose progress was reviewed."
    )
    progress_summary: Text = personal_data(
        "The answer to: what progress have you made toward your milestones since we last spoke?",
        min_length=1,
        max_length=10000,
        about="employee_id",
    )
    notes: Text | None = personal_data("Other notes.", default=None, max_length=10000, about="employee_id")
    agreed_actions: tuple[AgreedAction, ...] = Field(
        default=(), description="Actions agreed, each with an owner and a due date."
    )
    held_by: OpaqueId = Field(description="The participant who recorded it.")
    held_at: AwareDatetime = _when("held")


class ConversationLinkedToGoal(EventContract):
    """A conversation was linked to one of the employee's goals (it was about that goal)."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "linked_at"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "conversation_id": "conv_a1b2c3",
                    "organisation_id": "org_7f3a",
                    "employee_id": "emp_20417",
                    "manager_id": "emp_11873",
                    "goal_id": "goal_77aa",
                    "linked_by": "emp_20417",
                    "linked_at": "2026-03-11T09:00:00Z",
                }
            ]
        }
    )

    conversation_id: OpaqueId = _conversation_id("The conversation.")
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    goal_id: OpaqueId = Field(description="The employee's goal it is now linked to.")
    linked_by: OpaqueId = Field(description="The participant who linked it.")
    linked_at: AwareDatetime = _when("linked")


class ConversationCancelled(EventContract):
    """A scheduled conversation will not take place."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "cancelled_at"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "conversation_id": "conv_a1b2c3",
                    "organisation_id": "org_7f3a",
                    "employee_id": "emp_20417",
                    "manager_id": "emp_11873",
                    "cancelled_by": "emp_11873",
                    "reason": "Moved to next week's slot.",
                    "cancelled_at": "2026-03-09T17:00:00Z",
                }
            ]
        }
    )

    conversation_id: OpaqueId = _conversation_id("The conversation.")
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    cancelled_by: OpaqueId = Field(description="The participant who cancelled it.")
    reason: Text | None = personal_data("Why, if said.", default=None, max_length=2000, about="employee_id")
    cancelled_at: AwareDatetime = _when("cancelled")


class ActionItemCompletedV2(EventContract):
    """An action agreed in a conversation was done."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "completed_at"
    major: ClassVar[int] = 2
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "conversation_id": "conv_a1b2c3",
                    "organisation_id": "org_7f3a",
                    "employee_id": "emp_20417",
                    "manager_id": "emp_11873",
                    "action_id": "act_7d41e0",
                    "owner_id": "emp_20417",
                    "completed_by": "emp_20417",
                    "note": "Draft shared in the team space.",
                    "completed_at": "2026-03-21T17:45:00Z",
                }
            ]
        }
    )

    conversation_id: OpaqueId = _conversation_id("Conversation in which it was agreed.")
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    action_id: OpaqueId = Field(description="The completed action.")
    owner_id: OpaqueId = Field(description="Who owned it.")
    completed_by: OpaqueId = Field(description="The participant who marked it done.")
    note: Text | None = personal_data("Closing note.", default=None, max_length=2000, about="employee_id")
    completed_at: AwareDatetime = _when("completed")


class ConversationCadenceSet(EventContract):
    """An employee and their manager agreed how often they talk: every N days a conversation
    is due."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "set_at"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "employee_id": "emp_20417",
                    "organisation_id": "org_7f3a",
                    "manager_id": "emp_11873",
                    "every_days": 14,
                    "set_by": "emp_11873",
                    "set_at": "2026-01-05T09:00:00Z",
                }
            ]
        }
    )

    employee_id: OpaqueId = _employee_id()
    organisation_id: OpaqueId = _organisation_id()
    manager_id: OpaqueId = _manager_id()
    every_days: int = Field(
        ge=7,
        le=182,
        description="A conversation is due this many days after the last one held "
        "(or after the cadence was set, if later).",
    )
    previous_every_days: int | None = Field(
        default=None, ge=7, le=182, description="The interval before, if one was set."
    )
    set_by: OpaqueId = Field(description="Who set it: a participant or an HR admin.")
    set_at: AwareDatetime = _when("set")


class ConversationCadenceMissed(EventContract):
    """The day a conversation was due passed without one being held. Said once per due day."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "reported_at"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "employee_id": "emp_20417",
                    "organisation_id": "org_7f3a",
                    "manager_id": "emp_11873",
                    "every_days": 14,
                    "due_on": "2026-03-24",
                    "last_held_on": "2026-03-10",
                    "reported_at": "2026-03-25T06:00:00Z",
                }
            ]
        }
    )

    employee_id: OpaqueId = _employee_id()
    organisation_id: OpaqueId = _organisation_id()
    manager_id: OpaqueId = _manager_id()
    every_days: int = Field(ge=7, le=182, description="The cadence's interval.")
    due_on: date = Field(description="The day a conversation was due.")
    last_held_on: date | None = Field(
        default=None, description="The day of the last conversation held, if any."
    )
    reported_at: AwareDatetime = _when("reported")


# --- protected majors ---------------------------------------------------------------------------
# The same facts as the versions above, each personal text sealed with the data key of the person
# it is about (``trellis_contracts.protected``): feedback, prompts and released answers with the
# recipient's, a named decline's reason with the giver's, a conversation's texts with the
# employee's. Erasing that person, or the organisation's retention, makes the text unreadable.


class FeedbackRequestedV3(FeedbackRequestedV2):
    """Someone asked several people for feedback about a person (themselves or a report); the
    prompts are sealed with the recipient's key."""

    major: ClassVar[int] = 3
    protects_personal_data: ClassVar[bool] = True


class FeedbackGivenV3(FeedbackGivenV2):
    """Feedback that names its giver was given; its content is sealed with the recipient's key."""

    major: ClassVar[int] = 3
    protects_personal_data: ClassVar[bool] = True


class FeedbackDeclinedV3(FeedbackDeclinedV2):
    """Someone asked declined; a named decline's reason is sealed with the giver's key."""

    major: ClassVar[int] = 3
    protects_personal_data: ClassVar[bool] = True


class FeedbackRequestClosedV2(FeedbackRequestClosed):
    """A request closed; released anonymous answers are sealed with the recipient's key."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class ConversationScheduledV3(ConversationScheduledV2):
    """A performance conversation was planned; its agenda is sealed with the employee's key."""

    major: ClassVar[int] = 3
    protects_personal_data: ClassVar[bool] = True


class ConversationHeldV3(ConversationHeldV2):
    """A performance conversation took place; its summary, notes and agreed actions are sealed
    with the employee's key."""

    major: ClassVar[int] = 3
    protects_personal_data: ClassVar[bool] = True


class ConversationCancelledV2(ConversationCancelled):
    """A scheduled conversation will not take place; the reason is sealed with the employee's key."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class ActionItemCompletedV3(ActionItemCompletedV2):
    """An action agreed in a conversation was done; the closing note is sealed with the
    employee's key."""

    major: ClassVar[int] = 3
    protects_personal_data: ClassVar[bool] = True


FEEDBACK_EVENTS: tuple[type[EventContract], ...] = (
    AnonymityThresholdSet,
    FeedbackRetentionSet,
    FeedbackTextExpired,
    FeedbackRequestedV2,
    FeedbackRequestedV3,
    FeedbackGivenV2,
    FeedbackGivenV3,
    AnonymousFeedbackSubmitted,
    FeedbackDeclinedV2,
    FeedbackDeclinedV3,
    FeedbackReminderDue,
    FeedbackRequestClosed,
    FeedbackRequestClosedV2,
    FeedbackVisibilityNarrowed,
    ConversationScheduledV2,
    ConversationScheduledV3,
    ConversationHeldV2,
    ConversationHeldV3,
    ConversationLinkedToGoal,
    ConversationCancelled,
    ConversationCancelledV2,
    ActionItemCompletedV2,
    ActionItemCompletedV3,
    ConversationCadenceSet,
    ConversationCadenceMissed,
)
"""Every event class of the feedback service: what it publishes, and the superseded majors it
still decodes (its history; listed in ``RETIRED_FEEDBACK_TYPES``)."""

RETIRED_FEEDBACK_TYPES: frozenset[str] = frozenset(
    f"dev.trellis.feedback.{name}.v1"
    for name in (
        "FeedbackRequested",
        "FeedbackGiven",
        "FeedbackDeclined",
        "ConversationScheduled",
        "ConversationHeld",
        "ActionItemCompleted",
    )
) | frozenset(
    {
        "dev.trellis.feedback.FeedbackRequested.v2",
        "dev.trellis.feedback.FeedbackGiven.v2",
        "dev.trellis.feedback.FeedbackDeclined.v2",
        "dev.trellis.feedback.FeedbackRequestClosed.v1",
        "dev.trellis.feedback.ConversationScheduled.v2",
        "dev.trellis.feedback.ConversationHeld.v2",
        "dev.trellis.feedback.ConversationCancelled.v1",
        "dev.trellis.feedback.ActionItemCompleted.v2",
    }
)
"""Feedback types no longer published. The v1 drafts lacked ``organisation_id``; the majors
with personal text in the clear were replaced by their protecting majors before any running
service published them. No service ever published these, so each was replaced outright (their
schemas stay as a record; the classes still decode them)."""
