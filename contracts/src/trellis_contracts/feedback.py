"""Events of the feedback service: 360 feedback and performance conversations.

Aggregates (the CloudEvents ``subject`` and Kafka key): a feedback request (``request_id``)
for FeedbackRequested, FeedbackDeclined and a FeedbackGiven that answers a request; the
feedback itself (``feedback_id``) for spontaneous feedback; a conversation
(``conversation_id``) for ConversationScheduled, ConversationHeld and ActionItemCompleted.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from trellis_contracts.base import EventContract, personal_data
from trellis_contracts.fields import OpaqueId

GiverRelationship = Literal["manager", "peer", "mentor", "direct_report", "self"]
"""How the giver relates to the person the feedback is about (360 context).

``direct_report`` means the giver reports to the recipient: upward feedback, typically on
the recipient's coaching style.
"""

FeedbackFocus = Literal["general", "goal_progress", "milestone", "skill", "coaching_style"]
FeedbackVisibility = Literal["recipient_only", "recipient_and_manager"]
ConversationKind = Literal["check_in", "quarterly_review", "career_conversation"]

_RELATIONSHIP_DESCRIPTION = (
    "Relationship of the giver to the recipient: manager, peer, mentor, direct_report "
    "(upward feedback on the recipient's coaching) or self (self-assessment)."
)


class FeedbackRequested(EventContract):
    """Someone asked a colleague for feedback about a person (themselves or a report)."""

    service: ClassVar[str] = "feedback"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "request_id": "5f0c1a52-4d4e-4f0f-a1c6-2b9a8e1d7c33",
                    "requester_id": "emp-20417",
                    "recipient_id": "emp-20417",
                    "giver_id": "emp-11873",
                    "relationship": "peer",
                    "focus": "goal_progress",
                    "goal_id": "9d2e4b7a-0c55-4a3e-8f6b-1f8e2d9c4a10",
                    "prompt": "How did my stakeholder updates land during the Q3 launch?",
                    "respond_by": "2026-03-15",
                    "requested_at": "2026-03-01T09:30:00Z",
                }
            ]
        }
    )

    request_id: OpaqueId = Field(description="Id of the feedback request (the aggregate).")
    requester_id: OpaqueId = Field(description="Employee who asked for the feedback.")
    recipient_id: OpaqueId = Field(description="Employee the feedback is about.")
    giver_id: OpaqueId = Field(description="Employee asked to give the feedback.")
    relationship: GiverRelationship = Field(description=_RELATIONSHIP_DESCRIPTION)
    focus: FeedbackFocus = Field(default="general", description="What the feedback should be about.")
    goal_id: OpaqueId | None = Field(default=None, description="Goal the feedback relates to, if any.")
    milestone_id: OpaqueId | None = Field(
        default=None, description="Milestone the feedback relates to, if any."
    )
    prompt: str | None = personal_data(
        "Question put to the giver, in the requester's words.", default=None, max_length=2000
    )
    respond_by: date | None = Field(default=None, description="Date the answer is wanted by.")
    requested_at: AwareDatetime = Field(description="When the request was made.")


class FeedbackGiven(EventContract):
    """Feedback was given, either answering a request or spontaneously."""

    service: ClassVar[str] = "feedback"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "feedback_id": "c3a5f7e1-8b2d-4c6a-9e0f-1a2b3c4d5e6f",
                    "request_id": "5f0c1a52-4d4e-4f0f-a1c6-2b9a8e1d7c33",
                    "giver_id": "emp-11873",
                    "recipient_id": "emp-20417",
                    "relationship": "peer",
                    "focus": "goal_progress",
                    "goal_id": "9d2e4b7a-0c55-4a3e-8f6b-1f8e2d9c4a10",
                    "content": "Your weekly launch notes were clear; add the risks up front.",
                    "visibility": "recipient_only",
                    "given_at": "2026-03-04T16:05:00Z",
                },
                {
                    "feedback_id": "0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b",
                    "giver_id": "emp-30012",
                    "recipient_id": "emp-11873",
                    "relationship": "direct_report",
                    "focus": "coaching_style",
                    "content": "Our one-to-ones help most when you ask before you advise.",
                    "visibility": "recipient_only",
                    "given_at": "2026-03-05T08:00:00Z",
                },
            ]
        }
    )

    feedback_id: OpaqueId = Field(description="Id of this piece of feedback.")
    request_id: OpaqueId | None = Field(
        default=None, description="Request this answers; absent for spontaneous feedback."
    )
    giver_id: OpaqueId = Field(description="Employee who gave the feedback.")
    recipient_id: OpaqueId = Field(description="Employee the feedback is about.")
    relationship: GiverRelationship = Field(description=_RELATIONSHIP_DESCRIPTION)
    focus: FeedbackFocus = Field(
        default="general",
        description="What the feedback is about; coaching_style marks upward feedback "
        "on a manager's coaching.",
    )
    goal_id: OpaqueId | None = Field(default=None, description="Goal it relates to, if any.")
    milestone_id: OpaqueId | None = Field(default=None, description="Milestone it relates to, if any.")
    content: str = personal_data("The feedback text.", min_length=1, max_length=10000)
    visibility: FeedbackVisibility = Field(
        default="recipient_only",
        description="Who may read the content: the recipient only, or also their manager.",
    )
    given_at: AwareDatetime = Field(description="When the feedback was given.")


class FeedbackDeclined(EventContract):
    """The person asked for feedback declined the request."""

    service: ClassVar[str] = "feedback"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "request_id": "5f0c1a52-4d4e-4f0f-a1c6-2b9a8e1d7c33",
                    "giver_id": "emp-11873",
                    "reason": "I have not worked with them this quarter.",
                    "declined_at": "2026-03-02T11:00:00Z",
                }
            ]
        }
    )

    request_id: OpaqueId = Field(description="The declined feedback request.")
    giver_id: OpaqueId = Field(description="Employee who declined.")
    reason: str | None = personal_data(
        "Why the request was declined, in the giver's words.", default=None, max_length=2000
    )
    declined_at: AwareDatetime = Field(description="When the request was declined.")


class ConversationScheduled(EventContract):
    """A performance conversation (check-in, quarterly review, career talk) was planned."""

    service: ClassVar[str] = "feedback"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "conversation_id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
                    "employee_id": "emp-20417",
                    "manager_id": "emp-11873",
                    "kind": "check_in",
                    "scheduled_for": "2026-03-10T14:00:00Z",
                    "goal_ids": ["9d2e4b7a-0c55-4a3e-8f6b-1f8e2d9c4a10"],
                    "agenda": "Progress toward the certification milestone.",
                    "scheduled_at": "2026-03-03T10:00:00Z",
                }
            ]
        }
    )

    conversation_id: OpaqueId = Field(description="Id of the conversation (the aggregate).")
    employee_id: OpaqueId = Field(description="Employee whose growth is discussed.")
    manager_id: OpaqueId = Field(description="Manager (or mentor) leading the conversation.")
    kind: ConversationKind = Field(
        description="check_in (short, frequent), quarterly_review (deeper) or career_conversation."
    )
    scheduled_for: AwareDatetime = Field(description="When the conversation takes place.")
    goal_ids: tuple[OpaqueId, ...] = Field(default=(), description="Goals on the agenda.")
    agenda: str | None = personal_data("Agenda in the participants' words.", default=None, max_length=4000)
    scheduled_at: AwareDatetime = Field(description="When it was scheduled.")


class AgreedAction(BaseModel):
    """An action agreed in a conversation, with an owner and a due date."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    action_id: OpaqueId = Field(description="Id of the action, unique within Trellis.")
    owner_id: OpaqueId = Field(description="Employee responsible for the action.")
    due_on: date = Field(description="Date the action is due.")
    description: str = personal_data("What was agreed.", min_length=1, max_length=2000)
    milestone_id: OpaqueId | None = Field(
        default=None, description="Milestone the action moves forward, if any."
    )


class ConversationHeld(EventContract):
    """A performance conversation took place; records progress and the agreed actions."""

    service: ClassVar[str] = "feedback"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "conversation_id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
                    "employee_id": "emp-20417",
                    "manager_id": "emp-11873",
                    "kind": "check_in",
                    "held_at": "2026-03-10T14:30:00Z",
                    "milestone_ids": ["m-3f9a2c"],
                    "progress_summary": "Finished two of four course modules since last time.",
                    "agreed_actions": [
                        {
                            "action_id": "act-7d41e0",
                            "owner_id": "emp-20417",
                            "due_on": "2026-03-24",
                            "description": "Complete module 3 and share the project draft.",
                            "milestone_id": "m-3f9a2c",
                        },
                        {
                            "action_id": "act-7d41e1",
                            "owner_id": "emp-11873",
                            "due_on": "2026-03-17",
                            "description": "Book a shadowing day with the design lead.",
                        },
                    ],
                }
            ]
        }
    )

    conversation_id: OpaqueId = Field(description="The conversation that took place.")
    employee_id: OpaqueId = Field(description="Employee whose growth was discussed.")
    manager_id: OpaqueId = Field(description="Manager (or mentor) who led it.")
    kind: ConversationKind = Field(description="Kind of conversation.")
    held_at: AwareDatetime = Field(description="When it took place.")
    milestone_ids: tuple[OpaqueId, ...] = Field(
        default=(), description="Milestones whose progress was reviewed."
    )
    progress_summary: str | None = personal_data(
        "Answer to 'what progress have you made toward your milestones since we last spoke?'",
        default=None,
        max_length=10000,
    )
    agreed_actions: tuple[AgreedAction, ...] = Field(
        default=(), description="Actions agreed, each with an owner and a due date."
    )


class ActionItemCompleted(EventContract):
    """An action agreed in a conversation was done."""

    service: ClassVar[str] = "feedback"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "conversation_id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
                    "action_id": "act-7d41e0",
                    "completed_by": "emp-20417",
                    "completed_at": "2026-03-21T17:45:00Z",
                    "note": "Draft shared in the team space.",
                }
            ]
        }
    )

    conversation_id: OpaqueId = Field(description="Conversation in which it was agreed.")
    action_id: OpaqueId = Field(description="The completed action.")
    completed_by: OpaqueId = Field(description="Employee who marked it done.")
    completed_at: AwareDatetime = Field(description="When it was completed.")
    note: str | None = personal_data("Closing note.", default=None, max_length=2000)


FEEDBACK_EVENTS: tuple[type[EventContract], ...] = (
    FeedbackRequested,
    FeedbackGiven,
    FeedbackDeclined,
    ConversationScheduled,
    ConversationHeld,
    ActionItemCompleted,
)
"""Every event the feedback service publishes."""
