"""Performance conversations between an employee and their manager: scheduled, held with the
progress since last time and agreed actions, linked to goals, cancelled."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from typing import Any

from tests.feedback.domain.builders import (
    EMPLOYEE,
    FACTS,
    GOAL,
    LONER,
    MANAGER,
    MONDAY,
    NOW,
    ORG,
    OTHER_GOAL,
    PEER,
    days,
    on,
)
from trellis_contracts.feedback import (
    ActionItemCompletedV3,
    AgreedAction,
    ConversationCancelledV2,
    ConversationHeldV3,
    ConversationLinkedToGoal,
    ConversationScheduledV3,
)
from trellis_feedback.domain.conversation import conversation_decider
from trellis_feedback.domain.conversation.commands import (
    CancelConversation,
    CompleteAction,
    HoldConversation,
    LinkConversationToGoal,
    ScheduleConversation,
)
from trellis_feedback.domain.conversation.state import ConversationEvent
from trellis_feedback.domain.facts import GoalFacts
from trellis_kernel.testing import given, replay

CONVERSATION = "conv_1"
THURSDAY = MONDAY + days(3)
NEXT_THURSDAY = THURSDAY + days(7)
HELD_AT = on(THURSDAY, time(14, 30))
FACTS_WITH_GOAL_3 = replace(
    FACTS, goals={**FACTS.goals, "goal_3": GoalFacts("goal_3", EMPLOYEE, frozenset({"ms_3"}))}
)


def schedule(**overrides: Any) -> ScheduleConversation:
    command = ScheduleConversation(
        conversation_id=CONVERSATION,
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        scheduled_by=MANAGER,
        kind="check_in",
        scheduled_for=on(THURSDAY, time(14, 0)),
        now=NOW,
        facts=FACTS_WITH_GOAL_3,
        goal_ids=(GOAL,),
        agenda="Progress on the course.",
    )
    return replace(command, **overrides)


def action(
    action_id: str = "act_1", owner_id: str = EMPLOYEE, due_on: date = NEXT_THURSDAY, **extra: Any
) -> AgreedAction:
    return AgreedAction(
        action_id=action_id, owner_id=owner_id, due_on=due_on, description="Share the draft", **extra
    )


def hold(**overrides: Any) -> HoldConversation:
    command = HoldConversation(
        conversation_id=CONVERSATION,
        held_by=MANAGER,
        progress_summary="Two of four modules done since we last spoke.",
        now=HELD_AT,
        facts=FACTS_WITH_GOAL_3,
        milestone_ids=("ms_1",),
        agreed_actions=(action(milestone_id="ms_2"), action("act_2", owner_id=MANAGER)),
    )
    return replace(command, **overrides)


def scheduled() -> list[ConversationEvent]:
    return replay(conversation_decider, schedule())


def held() -> list[ConversationEvent]:
    return replay(conversation_decider, hold(), history=scheduled())


def complete(action_id: str = "act_1", by: str = EMPLOYEE) -> CompleteAction:
    return CompleteAction(
        conversation_id=CONVERSATION, action_id=action_id, completed_by=by, now=HELD_AT + days(2), note="Done"
    )


# --- scheduling --------------------------------------------------------------------------------------


def test_a_conversation_is_between_the_employee_and_the_manager_the_facts_give_them() -> None:
    assert given(conversation_decider).when(schedule()) == [
        ConversationScheduledV3(
            conversation_id=CONVERSATION,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            kind="check_in",
            scheduled_for=on(THURSDAY, time(14, 0)),
            goal_ids=(GOAL,),
            agenda="Progress on the course.",
            scheduled_by=MANAGER,
            scheduled_at=NOW,
        )
    ]
    [by_employee] = given(conversation_decider).when(schedule(scheduled_by=EMPLOYEE))
    assert isinstance(by_employee, ConversationScheduledV3) and by_employee.manager_id == MANAGER


def test_without_a_known_manager_there_is_nobody_to_talk_with() -> None:
    given(conversation_decider).when_rejected(
        schedule(employee_id=LONER, scheduled_by=LONER, goal_ids=()), field="employee_id", match="no manager"
    )
    unknown_yet = replace(FACTS, managers={})
    given(conversation_decider).when_rejected(schedule(facts=unknown_yet), field="employee_id")


def test_only_the_pair_schedules_their_conversation() -> None:
    given(conversation_decider).when_rejected(schedule(scheduled_by=PEER), field="scheduled_by")


def test_a_conversation_is_scheduled_for_today_or_later() -> None:
    earlier_today = on(MONDAY, time(7, 0))
    [event] = given(conversation_decider).when(schedule(scheduled_for=earlier_today))
    assert isinstance(event, ConversationScheduledV3)
    given(conversation_decider).when_rejected(
        schedule(scheduled_for=on(MONDAY - days(1), time(16, 0))), field="scheduled_for", match="today"
    )


def test_goals_on_the_agenda_are_the_employees_each_once() -> None:
    given(conversation_decider).when_rejected(schedule(goal_ids=(GOAL, OTHER_GOAL)), field="goal_ids[1]")
    given(conversation_decider).when_rejected(
        schedule(goal_ids=(GOAL, GOAL)), field="goal_ids[1]", match="once"
    )


def test_a_conversation_id_is_used_once() -> None:
    given(conversation_decider, *scheduled()).when_rejected(
        schedule(), field="conversation_id", match="already"
    )


# --- holding ------------------------------------------------------------------------------------------


def test_holding_it_records_the_progress_what_was_discussed_and_the_actions() -> None:
    command = hold(goal_ids=("goal_3",), milestone_ids=("ms_1", "ms_3"))
    assert given(conversation_decider, *scheduled()).when(command) == [
        ConversationHeldV3(
            conversation_id=CONVERSATION,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            kind="check_in",
            goal_ids=("goal_3",),
            milestone_ids=("ms_1", "ms_3"),
            progress_summary="Two of four modules done since we last spoke.",
            agreed_actions=command.agreed_actions,
            held_by=MANAGER,
            held_at=HELD_AT,
        )
    ]


def test_every_conversation_starts_from_the_progress_since_last_time() -> None:
    given(conversation_decider, *scheduled()).when_rejected(
        hold(progress_summary=" "), field="progress_summary"
    )


def test_only_the_pair_records_it_and_only_once() -> None:
    given(conversation_decider, *scheduled()).when_rejected(hold(held_by=PEER), field="held_by")
    given(conversation_decider, *held()).when_rejected(hold(), field="conversation_id", match="already held")
    cancelled = replay(
        conversation_decider,
        CancelConversation(conversation_id=CONVERSATION, cancelled_by=EMPLOYEE, now=NOW),
        history=scheduled(),
    )
    given(conversation_decider, *cancelled).when_rejected(hold(), field="conversation_id", match="cancelled")


def test_milestones_discussed_belong_to_the_goals_discussed() -> None:
    given(conversation_decider, *scheduled()).when_rejected(
        hold(milestone_ids=("ms_3",)), field="milestone_ids[0]", match="not a milestone"
    )
    given(conversation_decider, *scheduled()).when_rejected(
        hold(milestone_ids=("ms_1", "ms_1")), field="milestone_ids[1]", match="once"
    )
    given(conversation_decider, *scheduled()).when_rejected(
        hold(goal_ids=(OTHER_GOAL,)), field="goal_ids[0]", match="no goal"
    )


def test_an_agreed_action_is_owned_by_the_pair_and_due_from_the_day_it_is_agreed() -> None:
    [event] = given(conversation_decider, *scheduled()).when(hold(agreed_actions=(action(due_on=THURSDAY),)))
    assert isinstance(event, ConversationHeldV3)
    given(conversation_decider, *scheduled()).when_rejected(
        hold(agreed_actions=(action(due_on=THURSDAY - days(1)),)), field="agreed_actions[0].due_on"
    )
    given(conversation_decider, *scheduled()).when_rejected(
        hold(agreed_actions=(action(owner_id=PEER),)), field="agreed_actions[0].owner_id"
    )
    given(conversation_decider, *scheduled()).when_rejected(
        hold(agreed_actions=(action(), action())), field="agreed_actions[1].action_id", match="once"
    )
    given(conversation_decider, *scheduled()).when_rejected(
        hold(agreed_actions=(action(milestone_id="ms_9"),)), field="agreed_actions[0].milestone_id"
    )
    blank = AgreedAction(action_id="act_9", owner_id=EMPLOYEE, due_on=THURSDAY, description="  ")
    given(conversation_decider, *scheduled()).when_rejected(
        hold(agreed_actions=(blank,)), field="agreed_actions[0].description"
    )


# --- linking to goals, cancelling --------------------------------------------------------------------


def link(goal_id: str = "goal_3", by: str = EMPLOYEE) -> LinkConversationToGoal:
    return LinkConversationToGoal(
        conversation_id=CONVERSATION, goal_id=goal_id, linked_by=by, now=NOW, facts=FACTS_WITH_GOAL_3
    )


def test_a_conversation_about_a_goal_links_to_it_once() -> None:
    assert given(conversation_decider, *held()).when(link()) == [
        ConversationLinkedToGoal(
            conversation_id=CONVERSATION,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            goal_id="goal_3",
            linked_by=EMPLOYEE,
            linked_at=NOW,
        )
    ]
    given(conversation_decider, *scheduled()).when_rejected(
        link(GOAL), field="goal_id", match="already linked"
    )
    given(conversation_decider, *scheduled()).when_rejected(
        link(OTHER_GOAL), field="goal_id", match="no goal"
    )
    given(conversation_decider, *scheduled()).when_rejected(link(by=PEER), field="linked_by")


def test_a_linked_goals_milestones_may_be_discussed() -> None:
    linked = replay(conversation_decider, link(), history=scheduled())
    [event] = given(conversation_decider, *linked).when(hold(milestone_ids=("ms_3",)))
    assert isinstance(event, ConversationHeldV3)


def cancel(by: str = MANAGER, reason: str | None = "Moved to next week") -> CancelConversation:
    return CancelConversation(conversation_id=CONVERSATION, cancelled_by=by, now=NOW, reason=reason)


def test_a_scheduled_conversation_may_be_cancelled_once_by_the_pair() -> None:
    assert given(conversation_decider, *scheduled()).when(cancel()) == [
        ConversationCancelledV2(
            conversation_id=CONVERSATION,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            cancelled_by=MANAGER,
            reason="Moved to next week",
            cancelled_at=NOW,
        )
    ]
    given(conversation_decider, *scheduled()).when_rejected(cancel(by=PEER), field="cancelled_by")
    given(conversation_decider, *held()).when_rejected(cancel(), field="conversation_id", match="took place")
    cancelled = replay(conversation_decider, cancel(), history=scheduled())
    given(conversation_decider, *cancelled).when_rejected(cancel(), field="conversation_id", match="already")
    given(conversation_decider, *cancelled).when_rejected(link(), field="conversation_id", match="cancelled")


# --- agreed actions ------------------------------------------------------------------------------------


def test_either_participant_completes_an_agreed_action_once() -> None:
    assert given(conversation_decider, *held()).when(complete(by=MANAGER)) == [
        ActionItemCompletedV3(
            conversation_id=CONVERSATION,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            action_id="act_1",
            owner_id=EMPLOYEE,
            completed_by=MANAGER,
            note="Done",
            completed_at=HELD_AT + days(2),
        )
    ]
    done = replay(conversation_decider, complete(), history=held())
    given(conversation_decider, *done).when_rejected(complete(), field="action_id", match="already completed")
    given(conversation_decider, *done).when(complete("act_2"))
    given(conversation_decider, *held()).when_rejected(
        complete("act_9"), field="action_id", match="no action"
    )
    given(conversation_decider, *held()).when_rejected(complete(by=PEER), field="completed_by")


def test_there_is_nothing_to_do_with_a_conversation_that_does_not_exist() -> None:
    given(conversation_decider).when_rejected(hold(), field="conversation_id", match="no conversation")
