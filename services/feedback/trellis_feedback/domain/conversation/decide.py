"""What a command on a performance conversation leads to, or why not."""

from __future__ import annotations

from collections.abc import Sequence

from trellis_contracts.feedback import (
    ActionItemCompletedV3,
    ConversationCancelledV2,
    ConversationHeldV3,
    ConversationLinkedToGoal,
    ConversationScheduledV3,
)
from trellis_feedback.domain.conversation.commands import (
    CancelConversation,
    CompleteAction,
    ConversationCommand,
    HoldConversation,
    LinkConversationToGoal,
    ScheduleConversation,
)
from trellis_feedback.domain.conversation.state import (
    Conversation,
    ConversationEvent,
    ConversationState,
)
from trellis_feedback.domain.facts import Facts, check_goal_of
from trellis_feedback.domain.rules import (
    first_repeated,
    require_aware,
    require_optional_text,
    require_text,
    today,
)
from trellis_kernel.decider import DomainError


def decide_conversation(
    command: ConversationCommand, state: ConversationState
) -> Sequence[ConversationEvent]:
    require_aware(command.now)
    if isinstance(command, ScheduleConversation):
        return _schedule(command, state)
    conversation = _existing(state, command.conversation_id)
    match command:
        case HoldConversation():
            return _hold(command, conversation)
        case LinkConversationToGoal():
            return _link(command, conversation)
        case CancelConversation():
            return _cancel(command, conversation)
        case CompleteAction():
            return _complete(command, conversation)


def _existing(state: ConversationState, conversation_id: str) -> Conversation:
    if state is None or state.conversation_id != conversation_id:
        raise DomainError(f"There is no conversation {conversation_id!r}", field="conversation_id")
    return state


def _require_participant(conversation: Conversation, actor_id: str, field: str, verb: str) -> None:
    if actor_id not in conversation.participants:
        raise DomainError(f"Only the employee or their manager can {verb} their conversation", field=field)


def _check_goals(facts: Facts, employee_id: str, goal_ids: tuple[str, ...], field: str) -> None:
    repeated = first_repeated(goal_ids)
    if repeated is not None:
        raise DomainError("Each goal is named once", field=f"{field}[{repeated}]")
    for index, goal_id in enumerate(goal_ids):
        check_goal_of(facts, employee_id, goal_id, None, goal_field=f"{field}[{index}]")


def _schedule(command: ScheduleConversation, state: ConversationState) -> Sequence[ConversationEvent]:
    if state is not None:
        raise DomainError(
            f"There is already a conversation {command.conversation_id!r}", field="conversation_id"
        )
    manager_id = command.facts.manager_of(command.employee_id)
    if manager_id is None:
        raise DomainError(
            f"{command.employee_id} has no manager to hold a performance conversation with",
            field="employee_id",
        )
    if command.scheduled_by not in (command.employee_id, manager_id):
        raise DomainError(
            "Only the employee or their manager can schedule their conversation", field="scheduled_by"
        )
    require_aware(command.scheduled_for)
    day = today(command.now)
    if command.scheduled_for.astimezone(command.now.tzinfo).date() < day:
        raise DomainError(
            f"A conversation is scheduled for today ({day.isoformat()}) or later", field="scheduled_for"
        )
    _check_goals(command.facts, command.employee_id, command.goal_ids, "goal_ids")
    require_optional_text(command.agenda, "agenda", "The agenda")
    return [
        ConversationScheduledV3(
            conversation_id=command.conversation_id,
            organisation_id=command.organisation_id,
            employee_id=command.employee_id,
            manager_id=manager_id,
            kind=command.kind,
            scheduled_for=command.scheduled_for,
            goal_ids=command.goal_ids,
            agenda=command.agenda,
            scheduled_by=command.scheduled_by,
            scheduled_at=command.now,
        )
    ]


def _require_scheduled(conversation: Conversation) -> None:
    if conversation.status == "cancelled":
        raise DomainError("The conversation was cancelled", field="conversation_id")
    if conversation.status == "held":
        raise DomainError("The conversation was already held", field="conversation_id")


def _hold(command: HoldConversation, conversation: Conversation) -> Sequence[ConversationEvent]:
    _require_scheduled(conversation)
    _require_participant(conversation, command.held_by, "held_by", "record")
    require_text(command.progress_summary, "progress_summary", "What progress was made since you last spoke")
    require_optional_text(command.notes, "notes", "The notes")
    facts = command.facts
    _check_goals(facts, conversation.employee_id, command.goal_ids, "goal_ids")
    milestones: set[str] = set()
    for goal_id in (*conversation.goal_ids, *command.goal_ids):
        goal = facts.goal(goal_id)
        if goal is not None:
            milestones |= goal.milestone_ids
    repeated = first_repeated(command.milestone_ids)
    if repeated is not None:
        raise DomainError("Each milestone is named once", field=f"milestone_ids[{repeated}]")
    for index, milestone_id in enumerate(command.milestone_ids):
        if milestone_id not in milestones:
            raise DomainError(
                f"{milestone_id!r} is not a milestone of the goals discussed", field=f"milestone_ids[{index}]"
            )
    day = today(command.now)
    repeated = first_repeated(a.action_id for a in command.agreed_actions)
    if repeated is not None:
        raise DomainError("Each action id is used once", field=f"agreed_actions[{repeated}].action_id")
    for index, action in enumerate(command.agreed_actions):
        field = f"agreed_actions[{index}]"
        if action.owner_id not in conversation.participants:
            raise DomainError(
                "An action is owned by the employee or their manager", field=f"{field}.owner_id"
            )
        if action.due_on < day:
            raise DomainError(
                f"An action is due on the day it is agreed ({day.isoformat()}) or later",
                field=f"{field}.due_on",
            )
        require_text(action.description, f"{field}.description", "What was agreed")
        if action.milestone_id is not None and action.milestone_id not in milestones:
            raise DomainError(
                f"{action.milestone_id!r} is not a milestone of the goals discussed",
                field=f"{field}.milestone_id",
            )
    return [
        ConversationHeldV3(
            conversation_id=conversation.conversation_id,
            organisation_id=conversation.organisation_id,
            employee_id=conversation.employee_id,
            manager_id=conversation.manager_id,
            kind=conversation.kind,
            goal_ids=command.goal_ids,
            milestone_ids=command.milestone_ids,
            progress_summary=command.progress_summary,
            notes=command.notes,
            agreed_actions=command.agreed_actions,
            held_by=command.held_by,
            held_at=command.now,
        )
    ]


def _link(command: LinkConversationToGoal, conversation: Conversation) -> Sequence[ConversationEvent]:
    if conversation.status == "cancelled":
        raise DomainError("The conversation was cancelled", field="conversation_id")
    _require_participant(conversation, command.linked_by, "linked_by", "link")
    check_goal_of(command.facts, conversation.employee_id, command.goal_id, None)
    if command.goal_id in conversation.goal_ids:
        raise DomainError(f"The conversation is already linked to {command.goal_id!r}", field="goal_id")
    return [
        ConversationLinkedToGoal(
            conversation_id=conversation.conversation_id,
            organisation_id=conversation.organisation_id,
            employee_id=conversation.employee_id,
            manager_id=conversation.manager_id,
            goal_id=command.goal_id,
            linked_by=command.linked_by,
            linked_at=command.now,
        )
    ]


def _cancel(command: CancelConversation, conversation: Conversation) -> Sequence[ConversationEvent]:
    if conversation.status == "held":
        raise DomainError("A conversation that took place cannot be cancelled", field="conversation_id")
    if conversation.status == "cancelled":
        raise DomainError("The conversation was already cancelled", field="conversation_id")
    _require_participant(conversation, command.cancelled_by, "cancelled_by", "cancel")
    require_optional_text(command.reason, "reason", "The reason")
    return [
        ConversationCancelledV2(
            conversation_id=conversation.conversation_id,
            organisation_id=conversation.organisation_id,
            employee_id=conversation.employee_id,
            manager_id=conversation.manager_id,
            cancelled_by=command.cancelled_by,
            reason=command.reason,
            cancelled_at=command.now,
        )
    ]


def _complete(command: CompleteAction, conversation: Conversation) -> Sequence[ConversationEvent]:
    action = conversation.action(command.action_id)
    if action is None:
        raise DomainError(f"The conversation agreed no action {command.action_id!r}", field="action_id")
    if action.completed:
        raise DomainError("The action is already completed", field="action_id")
    _require_participant(conversation, command.completed_by, "completed_by", "complete an action of")
    require_optional_text(command.note, "note", "The note")
    return [
        ActionItemCompletedV3(
            conversation_id=conversation.conversation_id,
            organisation_id=conversation.organisation_id,
            employee_id=conversation.employee_id,
            manager_id=conversation.manager_id,
            action_id=action.action_id,
            owner_id=action.owner_id,
            completed_by=command.completed_by,
            note=command.note,
            completed_at=command.now,
        )
    ]
