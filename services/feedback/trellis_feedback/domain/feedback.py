"""Feedback given unasked: praise, constructive feedback, or upward feedback on a manager's
coaching, always naming its giver (stream per feedback). Anonymity exists only for answers to
an anonymous request, where k answers can hide each one among the others."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from trellis_contracts.feedback import (
    FeedbackGivenV2,
    FeedbackGivenV3,
    FeedbackKind,
    FeedbackVisibility,
    FeedbackVisibilityNarrowed,
    GiverRelationship,
)
from trellis_feedback.domain.facts import Facts, check_goal_of, check_relationship
from trellis_feedback.domain.rules import require_aware, require_text
from trellis_feedback.domain.visibility import check_narrowing, check_shareable
from trellis_kernel.decider import Decider, DomainError


@dataclass(frozen=True, kw_only=True)
class GiveFeedback:
    feedback_id: str
    organisation_id: str
    giver_id: str
    recipient_id: str
    relationship: GiverRelationship
    kind: FeedbackKind
    content: str
    visibility: FeedbackVisibility
    now: datetime
    facts: Facts = field(default_factory=Facts)
    goal_id: str | None = None
    milestone_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class NarrowFeedbackVisibility:
    feedback_id: str
    narrowed_by: str
    now: datetime
    visibility: FeedbackVisibility = "recipient_only"


FeedbackCommand = GiveFeedback | NarrowFeedbackVisibility
FeedbackEvent = FeedbackGivenV2 | FeedbackVisibilityNarrowed


@dataclass(frozen=True)
class Feedback:
    given: FeedbackGivenV2
    visibility: FeedbackVisibility


FeedbackState = Feedback | None


def decide_feedback(command: FeedbackCommand, state: FeedbackState) -> Sequence[FeedbackEvent]:
    require_aware(command.now)
    match command:
        case GiveFeedback():
            return _give(command, state)
        case NarrowFeedbackVisibility():
            return _narrow(command, state)


def _give(command: GiveFeedback, state: FeedbackState) -> Sequence[FeedbackEvent]:
    if state is not None:
        raise DomainError(f"There is already feedback {command.feedback_id!r}", field="feedback_id")
    if command.giver_id == command.recipient_id:
        raise DomainError("Feedback is given to someone else", field="recipient_id")
    facts = command.facts
    check_relationship(facts, command.giver_id, command.recipient_id, command.relationship, "relationship")
    if command.kind == "upward" and command.relationship != "direct_report":
        raise DomainError(
            "Upward feedback, on a manager's coaching, comes from someone who reports to them",
            field="kind",
        )
    require_text(command.content, "content", "The feedback")
    recipient_manager_id = facts.manager_of(command.recipient_id)
    check_shareable(command.visibility, recipient_manager_id)
    check_goal_of(facts, command.recipient_id, command.goal_id, command.milestone_id)
    return [
        FeedbackGivenV3(
            feedback_id=command.feedback_id,
            organisation_id=command.organisation_id,
            giver_id=command.giver_id,
            recipient_id=command.recipient_id,
            recipient_manager_id=recipient_manager_id,
            relationship=command.relationship,
            kind=command.kind,
            goal_id=command.goal_id,
            milestone_id=command.milestone_id,
            content=command.content,
            visibility=command.visibility,
            given_at=command.now,
        )
    ]


def _narrow(command: NarrowFeedbackVisibility, state: FeedbackState) -> Sequence[FeedbackEvent]:
    if state is None or state.given.feedback_id != command.feedback_id:
        raise DomainError(f"There is no feedback {command.feedback_id!r}", field="feedback_id")
    given = state.given
    if command.narrowed_by != given.giver_id:
        raise DomainError("Only the giver can narrow who reads their feedback", field="narrowed_by")
    check_narrowing(state.visibility, command.visibility)
    return [
        FeedbackVisibilityNarrowed(
            feedback_id=given.feedback_id,
            organisation_id=given.organisation_id,
            recipient_id=given.recipient_id,
            giver_id=given.giver_id,
            goal_id=given.goal_id,
            visibility=command.visibility,
            previous_visibility=state.visibility,
            narrowed_at=command.now,
        )
    ]


def evolve_feedback(state: FeedbackState, event: FeedbackEvent) -> FeedbackState:
    match event:
        case FeedbackGivenV2():
            return Feedback(event, event.visibility)
        case FeedbackVisibilityNarrowed() if state is not None:
            return replace(state, visibility=event.visibility)
    return state


def _no_feedback() -> FeedbackState:
    return None


feedback_decider: Decider[FeedbackCommand, FeedbackState, FeedbackEvent] = Decider(
    decide=decide_feedback, evolve=evolve_feedback, initial_state=_no_feedback
)
