"""What an employee and their manager ask of a performance conversation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from trellis_contracts.feedback import AgreedAction, ConversationKind
from trellis_feedback.domain.facts import Facts


@dataclass(frozen=True, kw_only=True)
class ScheduleConversation:
    """Plan a conversation between the employee and the manager the facts give them now."""

    conversation_id: str
    organisation_id: str
    employee_id: str
    scheduled_by: str
    kind: ConversationKind
    scheduled_for: datetime
    now: datetime
    facts: Facts = field(default_factory=Facts)
    goal_ids: tuple[str, ...] = ()
    agenda: str | None = None


@dataclass(frozen=True, kw_only=True)
class HoldConversation:
    """Record that it took place: "what progress have you made toward your milestones since we
    last spoke?", the goals and milestones discussed, and the actions agreed."""

    conversation_id: str
    held_by: str
    progress_summary: str
    now: datetime
    facts: Facts = field(default_factory=Facts)
    goal_ids: tuple[str, ...] = ()
    milestone_ids: tuple[str, ...] = ()
    notes: str | None = None
    agreed_actions: tuple[AgreedAction, ...] = ()


@dataclass(frozen=True, kw_only=True)
class LinkConversationToGoal:
    conversation_id: str
    goal_id: str
    linked_by: str
    now: datetime
    facts: Facts = field(default_factory=Facts)


@dataclass(frozen=True, kw_only=True)
class CancelConversation:
    conversation_id: str
    cancelled_by: str
    now: datetime
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class CompleteAction:
    conversation_id: str
    action_id: str
    completed_by: str
    now: datetime
    note: str | None = None


ConversationCommand = (
    ScheduleConversation | HoldConversation | LinkConversationToGoal | CancelConversation | CompleteAction
)
