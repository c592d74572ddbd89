"""A performance conversation as its events leave it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from trellis_contracts.feedback import (
    ActionItemCompletedV2,
    ConversationCancelled,
    ConversationHeldV2,
    ConversationKind,
    ConversationLinkedToGoal,
    ConversationScheduledV2,
)

ConversationStatus = Literal["scheduled", "held", "cancelled"]

ConversationEvent = (
    ConversationScheduledV2
    | ConversationHeldV2
    | ConversationLinkedToGoal
    | ConversationCancelled
    | ActionItemCompletedV2
)


@dataclass(frozen=True)
class Action:
    action_id: str
    owner_id: str
    due_on: date
    completed: bool = False


@dataclass(frozen=True)
class Conversation:
    conversation_id: str
    organisation_id: str
    employee_id: str
    manager_id: str
    kind: ConversationKind
    status: ConversationStatus
    goal_ids: tuple[str, ...] = ()
    """Goals on the agenda, discussed, or linked later, each once."""
    actions: tuple[Action, ...] = ()

    @property
    def participants(self) -> tuple[str, str]:
        return self.employee_id, self.manager_id

    def action(self, action_id: str) -> Action | None:
        return next((a for a in self.actions if a.action_id == action_id), None)

    def with_goals(self, goal_ids: tuple[str, ...]) -> Conversation:
        added = tuple(g for g in dict.fromkeys(goal_ids) if g not in self.goal_ids)
        return replace(self, goal_ids=(*self.goal_ids, *added))


ConversationState = Conversation | None


def initial_conversation_state() -> ConversationState:
    return None


def evolve_conversation(state: ConversationState, event: ConversationEvent) -> ConversationState:
    if isinstance(event, ConversationScheduledV2):
        return Conversation(
            conversation_id=event.conversation_id,
            organisation_id=event.organisation_id,
            employee_id=event.employee_id,
            manager_id=event.manager_id,
            kind=event.kind,
            status="scheduled",
            goal_ids=tuple(dict.fromkeys(event.goal_ids)),
        )
    if state is None:
        return None
    match event:
        case ConversationHeldV2():
            actions = tuple(Action(a.action_id, a.owner_id, a.due_on) for a in event.agreed_actions)
            return replace(state.with_goals(event.goal_ids), status="held", actions=actions)
        case ConversationLinkedToGoal():
            return state.with_goals((event.goal_id,))
        case ConversationCancelled():
            return replace(state, status="cancelled")
        case ActionItemCompletedV2():
            actions = tuple(
                replace(a, completed=True) if a.action_id == event.action_id else a for a in state.actions
            )
            return replace(state, actions=actions)
    return state
