"""A manager's conversation log with open actions and due conversations, on real PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from typing import Any

from tests.feedback.domain.builders import EMPLOYEE, FACTS, GOAL, MANAGER, ORG, PEER, on
from tests.feedback.projections.support import ReadModelFixtures, read_back, record, rows
from trellis_contracts.feedback import AgreedAction
from trellis_feedback.domain.cadence import ReportMissedCadence, SetCadence, cadence_decider
from trellis_feedback.domain.conversation import conversation_decider
from trellis_feedback.domain.conversation.commands import (
    CancelConversation,
    CompleteAction,
    ConversationCommand,
    HoldConversation,
    LinkConversationToGoal,
    ScheduleConversation,
)
from trellis_feedback.domain.facts import GoalFacts
from trellis_feedback.streams import cadence_stream, conversation_stream
from trellis_kernel.projections import InlineProjector
from trellis_kernel.store import EventStore, Pool

FACTS_WITH_GOAL_3 = replace(
    FACTS, goals={**FACTS.goals, "goal_3": GoalFacts("goal_3", EMPLOYEE, frozenset({"ms_3"}))}
)
JAN_5 = date(2026, 1, 5)


async def converse(projector: InlineProjector, conversation_id: str, *commands: ConversationCommand) -> None:
    history: list[Any] = []
    for command in commands:
        events = list(conversation_decider.handle(history, command))
        await record(projector, conversation_stream(ORG, conversation_id), events)
        history.extend(events)


def schedule(conversation_id: str, day: date, employee: str = EMPLOYEE) -> ScheduleConversation:
    return ScheduleConversation(
        conversation_id=conversation_id,
        organisation_id=ORG,
        employee_id=employee,
        scheduled_by=MANAGER,
        kind="check_in",
        scheduled_for=on(day, time(14, 0)),
        now=on(JAN_5),
        facts=FACTS_WITH_GOAL_3,
        goal_ids=(GOAL,) if employee == EMPLOYEE else (),
        agenda="How is the course going?",
    )


def hold(conversation_id: str, day: date, *actions: AgreedAction) -> HoldConversation:
    return HoldConversation(
        conversation_id=conversation_id,
        held_by=MANAGER,
        progress_summary="Module two done.",
        now=on(day, time(14, 30)),
        facts=FACTS_WITH_GOAL_3,
        goal_ids=("goal_3",),
        milestone_ids=("ms_1",),
        notes="Wants to shadow sales.",
        agreed_actions=actions,
    )


def action(action_id: str, owner: str, due: date) -> AgreedAction:
    return AgreedAction(action_id=action_id, owner_id=owner, due_on=due, description=f"Do {action_id}")


async def set_cadence(projector: InlineProjector, store: EventStore, every_days: int, day: date) -> None:
    command = SetCadence(
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        manager_id=MANAGER,
        every_days=every_days,
        set_by=MANAGER,
        now=on(day),
        facts=FACTS,
    )
    stream = cadence_stream(ORG, EMPLOYEE, MANAGER)
    await record(projector, stream, list(cadence_decider.handle(await read_back(store, stream), command)))


class TestConversationLog(ReadModelFixtures):
    async def test_the_log_keeps_each_conversation_with_what_was_discussed(
        self, projector: InlineProjector, pool: Pool
    ) -> None:
        link = LinkConversationToGoal(
            conversation_id="conv_1",
            goal_id="goal_3",
            linked_by=EMPLOYEE,
            now=on(JAN_5),
            facts=FACTS_WITH_GOAL_3,
        )
        await converse(
            projector, "conv_1", schedule("conv_1", date(2026, 1, 8)), link, hold("conv_1", date(2026, 1, 8))
        )
        cancel = CancelConversation(
            conversation_id="conv_2", cancelled_by=EMPLOYEE, now=on(JAN_5), reason="Sick"
        )
        await converse(projector, "conv_2", schedule("conv_2", date(2026, 1, 22)), cancel)

        log = await rows(
            pool,
            "SELECT conversation_id, employee_id, status, goal_ids, milestone_ids, progress_summary, notes,"
            " cancel_reason, version FROM conversations WHERE organisation_id = $1 AND manager_id = $2"
            " ORDER BY scheduled_for",
            ORG,
            MANAGER,
        )
        assert log == [
            {
                "conversation_id": "conv_1",
                "employee_id": EMPLOYEE,
                "status": "held",
                "goal_ids": [GOAL, "goal_3"],
                "milestone_ids": ["ms_1"],
                "progress_summary": "Module two done.",
                "notes": "Wants to shadow sales.",
                "cancel_reason": None,
                "version": 3,
            },
            {
                "conversation_id": "conv_2",
                "employee_id": EMPLOYEE,
                "status": "cancelled",
                "goal_ids": [GOAL],
                "milestone_ids": [],
                "progress_summary": None,
                "notes": None,
                "cancel_reason": "Sick",
                "version": 2,
            },
        ]

    async def test_open_actions_are_those_not_completed_yet(
        self, projector: InlineProjector, pool: Pool
    ) -> None:
        held = hold(
            "conv_1",
            date(2026, 1, 8),
            action("act_1", EMPLOYEE, date(2026, 1, 15)),
            action("act_2", MANAGER, date(2026, 1, 12)),
        )
        done = CompleteAction(
            conversation_id="conv_1",
            action_id="act_2",
            completed_by=MANAGER,
            now=on(date(2026, 1, 10)),
            note="Booked",
        )
        await converse(projector, "conv_1", schedule("conv_1", date(2026, 1, 8)), held, done)

        open_actions = await rows(
            pool,
            "SELECT action_id, owner_id, employee_id, due_on, description FROM conversation_actions"
            " WHERE organisation_id = $1 AND manager_id = $2 AND completed_at IS NULL ORDER BY due_on",
            ORG,
            MANAGER,
        )
        assert open_actions == [
            {
                "action_id": "act_1",
                "owner_id": EMPLOYEE,
                "employee_id": EMPLOYEE,
                "due_on": date(2026, 1, 15),
                "description": "Do act_1",
            }
        ]
        [completed] = await rows(
            pool,
            "SELECT completed_by, note, completed_at FROM conversation_actions WHERE action_id = 'act_2'",
        )
        assert completed == {"completed_by": MANAGER, "note": "Booked", "completed_at": on(date(2026, 1, 10))}

    async def test_the_next_conversation_is_due_every_days_after_the_last_one_held(
        self, projector: InlineProjector, pool: Pool, store: EventStore
    ) -> None:
        async def cadence() -> dict[str, object]:
            [row] = await rows(
                pool,
                "SELECT every_days, set_on, last_held_on, next_due_on, missed_due_on FROM conversation_cadences"
                " WHERE organisation_id = $1 AND manager_id = $2 AND employee_id = $3",
                ORG,
                MANAGER,
                EMPLOYEE,
            )
            return row

        await set_cadence(projector, store, 14, JAN_5)
        assert await cadence() == {
            "every_days": 14,
            "set_on": JAN_5,
            "last_held_on": None,
            "next_due_on": date(2026, 1, 19),
            "missed_due_on": None,
        }

        await converse(
            projector, "conv_1", schedule("conv_1", date(2026, 1, 8)), hold("conv_1", date(2026, 1, 8))
        )
        # Held on the 8th, after the cadence was set on the 5th: due 14 days after the 8th.
        held = await cadence()
        assert (held["last_held_on"], held["next_due_on"]) == (date(2026, 1, 8), date(2026, 1, 22))

        missed = ReportMissedCadence(
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            now=on(date(2026, 1, 23)),
            last_held_on=date(2026, 1, 8),
            facts=FACTS,
        )
        stream = cadence_stream(ORG, EMPLOYEE, MANAGER)
        await record(projector, stream, list(cadence_decider.handle(await read_back(store, stream), missed)))
        assert (await cadence())["missed_due_on"] == date(2026, 1, 22)

        await set_cadence(projector, store, 7, date(2026, 1, 24))
        assert (await cadence())["next_due_on"] == date(2026, 1, 31)

    async def test_a_pair_without_a_cadence_has_nothing_due(
        self, projector: InlineProjector, pool: Pool
    ) -> None:
        await converse(projector, "conv_9", schedule("conv_9", date(2026, 1, 6), employee=PEER))
        assert await rows(pool, "SELECT * FROM conversation_cadences") == []
