"""Request and response bodies of the feedback API (published in its OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from trellis_contracts.feedback import (
    MAX_GIVERS,
    MAX_PROMPTS,
    AgreedAction,
    ConversationKind,
    FeedbackKind,
    FeedbackVisibility,
    GiverRelationship,
    Prompt,
    RequestKind,
)
from trellis_contracts.fields import NO_NUL_PATTERN, OpaqueId

Content = Annotated[str, StringConstraints(min_length=1, max_length=10000, pattern=NO_NUL_PATTERN)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=NO_NUL_PATTERN)]
Notes = Annotated[str, StringConstraints(min_length=1, max_length=10000, pattern=NO_NUL_PATTERN)]
Agenda = Annotated[str, StringConstraints(min_length=1, max_length=4000, pattern=NO_NUL_PATTERN)]


def _plausible(moment: datetime) -> datetime:
    # Far-off years cannot be converted between offsets; no conversation is planned there.
    if not 1900 <= moment.year <= 9000:
        raise ValueError("must be between the years 1900 and 9000")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Versioned(Body):
    expected_version: int | None = Field(
        default=None,
        ge=0,
        description="The stream version the caller decided on; a different current version answers 409 "
        "with that version. Omit to act on whatever is current.",
    )


# --- commands ----------------------------------------------------------------------------------


class ThresholdIn(Versioned):
    threshold: int = Field(
        description="k: answers of an anonymous request are shown once this many answered."
    )


class GiverIn(Body):
    giver_id: OpaqueId = Field(description="Someone asked for feedback.")
    relationship: GiverRelationship


class RequestFeedbackIn(Body):
    request_id: OpaqueId | None = Field(
        default=None,
        description="Chosen by the caller (retries with the same content answer alike), or generated.",
    )
    recipient_id: OpaqueId = Field(description="Whom the feedback is about: the caller or their report.")
    givers: list[GiverIn] = Field(max_length=MAX_GIVERS, description="Who is asked.")
    kind: RequestKind = "general"
    anonymous: bool = Field(
        default=False, description="Whether answers are anonymous (shown only once k answered)."
    )
    due_on: date = Field(description="Last day to answer (after today).")
    goal_id: OpaqueId | None = None
    milestone_id: OpaqueId | None = None
    prompts: list[Prompt] = Field(default_factory=list, max_length=MAX_PROMPTS)


class AnswerIn(Body):
    feedback_id: OpaqueId | None = Field(
        default=None,
        description="Chosen by the caller (retries with the same content answer alike), or generated.",
    )
    content: Content
    visibility: FeedbackVisibility = "recipient_only"
    kind: FeedbackKind | None = Field(
        default=None, description="praise or constructive; upward for an upward request."
    )


class DeclineIn(Body):
    reason: Reason | None = Field(default=None, description="Why (never for an anonymous request).")


class NarrowIn(Versioned):
    visibility: FeedbackVisibility = "recipient_only"


class GiveFeedbackIn(Body):
    feedback_id: OpaqueId | None = Field(
        default=None,
        description="Chosen by the caller (retries with the same content answer alike), or generated.",
    )
    recipient_id: OpaqueId
    relationship: GiverRelationship
    kind: FeedbackKind
    content: Content
    visibility: FeedbackVisibility = "recipient_only"
    goal_id: OpaqueId | None = None
    milestone_id: OpaqueId | None = None


class ScheduleIn(Body):
    conversation_id: OpaqueId | None = Field(
        default=None,
        description="Chosen by the caller (retries with the same content answer alike), or generated.",
    )
    employee_id: OpaqueId = Field(description="The employee; the manager is theirs now.")
    kind: ConversationKind = "check_in"
    scheduled_for: Moment
    goal_ids: list[OpaqueId] = Field(default_factory=list, max_length=50)
    agenda: Agenda | None = None


class HoldIn(Versioned):
    progress_summary: Notes = Field(
        description="What progress was made toward the milestones since you last spoke?"
    )
    goal_ids: list[OpaqueId] = Field(default_factory=list, max_length=50)
    milestone_ids: list[OpaqueId] = Field(default_factory=list, max_length=200)
    notes: Notes | None = None
    agreed_actions: list[AgreedAction] = Field(default_factory=list, max_length=50)


class LinkGoalIn(Versioned):
    goal_id: OpaqueId


class CancelIn(Versioned):
    reason: Reason | None = None


class CompleteActionIn(Versioned):
    note: Reason | None = None


class CadenceIn(Versioned):
    every_days: int = Field(description="A conversation is due this many days after the last one (7 to 182).")


# --- queries -----------------------------------------------------------------------------------


class RetentionIn(Versioned):
    years: int = Field(
        description="Feedback text older than this many years is erased, a whole calendar year at a "
        "time: a year's text goes within a year after it passes the horizon."
    )


class Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


class RetentionRunOut(Out):
    organisation_id: str
    years: int = Field(description="The rule the run applied.")
    erased_before: datetime = Field(description="Text dated before this moment (a 1 January, UTC) is erased.")
    scopes: list[str] = Field(description="The years whose data keys the run shredded.")
    keys_shredded: int
    texts_forgotten: int = Field(description="Texts of the read models that now read as erased.")
    ran_at: datetime


class RetentionOut(Out):
    years: int | None = Field(description="Years feedback text is kept; null: kept until a person is erased.")
    version: int
    runs: list[RetentionRunOut] = Field(description="What the daily job did, newest first.")


class ThresholdOut(Out):
    threshold: int
    version: int


class FeedbackEntryOut(Out):
    entry_id: str = Field(description="The feedback id; <request_id>#<n> for a released anonymous answer.")
    recipient_id: str
    kind: FeedbackKind
    visibility: FeedbackVisibility
    anonymous: bool
    giver_id: str | None = Field(description="Null for an anonymous answer: nothing tells who gave it.")
    relationship: GiverRelationship | None
    request_id: str | None
    goal_id: str | None
    milestone_id: str | None
    content: str
    given_at: datetime = Field(
        description="When it was given; for a released anonymous answer, when released."
    )


class TimelineOut(Out):
    employee_id: str
    feedback: list[FeedbackEntryOut]


class SealedAnswerOut(Out):
    request_id: str
    recipient_id: str
    kind: FeedbackKind
    visibility: FeedbackVisibility
    content: str
    request_closed: bool
    results: Literal["released", "withheld"] | None


class GivenOut(Out):
    named: list[FeedbackEntryOut]
    anonymous: list[SealedAnswerOut] = Field(description="The caller's own answers to anonymous requests.")


class PendingRequestOut(Out):
    request_id: str
    requester_id: str
    recipient_id: str
    kind: RequestKind
    anonymous: bool
    due_on: date
    prompts: list[str]
    goal_id: str | None
    milestone_id: str | None
    requested_at: datetime


class PendingOut(Out):
    requests: list[PendingRequestOut]


class InvitationOut(Out):
    giver_id: str
    relationship: GiverRelationship
    response: Literal["answered", "declined"] | None


class RequestOut(Out):
    request_id: str
    requester_id: str
    recipient_id: str
    kind: RequestKind
    anonymous: bool
    anonymity_threshold: int | None
    goal_id: str | None
    milestone_id: str | None
    prompts: list[str]
    due_on: date
    requested_at: datetime
    invited_count: int
    status: Literal["open", "closed"]
    close_reason: Literal["everyone_responded", "expired"] | None
    results: Literal["pending", "released", "withheld"] | None = Field(
        description="Anonymous requests: pending while open (nothing about the answers is shown), then "
        "released (at least k answered) or withheld."
    )
    answered_count: int | None = Field(
        description="Shown to whom it concerns; for an anonymous request only once closed."
    )
    declined_count: int | None
    givers: list[InvitationOut] = Field(description="Who a named request asked and how each responded.")
    closed_at: datetime | None
    version: int


class ResultsOut(Out):
    request_id: str
    anonymous: bool
    status: Literal["named", "pending", "released", "withheld"]
    anonymity_threshold: int | None
    answers: list[FeedbackEntryOut]


class GoalCountsOut(Out):
    goal_id: str
    employee_id: str
    shared_count: int = Field(description="Feedback shared with the manager.")
    feedback_count: int | None = Field(default=None, description="Only for the goal's owner, like the rest.")
    praise_count: int | None = None
    constructive_count: int | None = None
    upward_count: int | None = None
    last_feedback_at: datetime | None = None


class MilestoneReachedOut(Out):
    """Ids and dates only: the goal's and milestone's texts are the employee's personal data,
    kept by the goals service (take them from its API)."""

    goal_id: str
    milestone_id: str
    due_date: date
    reached_on: date


class MilestonesReachedOut(Out):
    employee_id: str
    milestones: list[MilestoneReachedOut]


class ActionOut(Out):
    conversation_id: str
    action_id: str
    employee_id: str
    manager_id: str
    owner_id: str
    description: str
    due_on: date
    milestone_id: str | None
    completed_at: datetime | None
    completed_by: str | None
    note: str | None


class ConversationOut(Out):
    conversation_id: str
    employee_id: str
    manager_id: str
    kind: ConversationKind
    status: Literal["scheduled", "held", "cancelled"]
    scheduled_for: datetime
    scheduled_by: str
    agenda: str | None
    goal_ids: list[str]
    milestone_ids: list[str]
    held_at: datetime | None
    held_by: str | None
    progress_summary: str | None
    notes: str | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    version: int


class ConversationDetailOut(ConversationOut):
    actions: list[ActionOut]


class CadenceRowOut(Out):
    employee_id: str
    manager_id: str
    every_days: int
    last_held_on: date | None
    next_due_on: date | None
    overdue: bool


class ConversationLogOut(Out):
    conversations: list[ConversationOut]
    open_actions: list[ActionOut]
    cadences: list[CadenceRowOut] = Field(
        description="Each current pair's cadence and when the next conversation is due."
    )


class ManagerLogOut(ConversationLogOut):
    manager_id: str


class EmployeeLogOut(ConversationLogOut):
    employee_id: str


class CadenceOut(Out):
    employee_id: str
    manager_id: str | None
    every_days: int | None
    last_held_on: date | None
    next_due_on: date | None
    overdue: bool
