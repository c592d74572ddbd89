"""Milestones: phased steps with an owner, a due date and progress; reached, moved or missed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.goals.domain.builders import (
    EMPLOYEE,
    GOAL,
    MANAGER,
    NOW,
    ORG,
    agree,
    mark_overdue,
    plan,
    propose,
    reach,
)
from trellis_contracts.goals import (
    MilestoneAddedV2,
    MilestoneMissed,
    MilestoneProgressUpdated,
    MilestoneReached,
    MilestoneReachedV2,
    MilestoneRescheduledV2,
)
from trellis_goals.domain.goal import goal_decider
from trellis_goals.domain.goal.commands import (
    AbandonGoal,
    AddMilestone,
    RescheduleMilestone,
    ReviewGoal,
    UpdateMilestoneProgress,
)
from trellis_goals.domain.goal.state import GoalEvent
from trellis_kernel.testing import given, replay

# ms_1 is due 2026-02-14, ms_2 on 2026-03-15, the goal on 2026-03-31.
FEB_10 = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
FEB_14 = datetime(2026, 2, 14, 23, 0, tzinfo=UTC)
FEB_15 = datetime(2026, 2, 15, 8, 0, tzinfo=UTC)
MAR_20 = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)


def active() -> list[GoalEvent]:
    return replay(goal_decider, propose(), agree())


def reschedule(
    milestone_id: str = "ms_1",
    due: date = date(2026, 2, 28),
    reason: str = "Course delayed",
    now: datetime = NOW,
) -> RescheduleMilestone:
    return RescheduleMilestone(
        goal_id=GOAL,
        milestone_id=milestone_id,
        due_date=due,
        reason=reason,
        rescheduled_by=MANAGER,
        now=now,
    )


def progress(percent: int, milestone_id: str = "ms_1") -> UpdateMilestoneProgress:
    return UpdateMilestoneProgress(
        goal_id=GOAL,
        milestone_id=milestone_id,
        progress_percent=percent,
        updated_by=EMPLOYEE,
        now=NOW,
    )


def test_reaching_a_milestone_tells_downstream_systems_everything_they_need() -> None:
    assert given(goal_decider, *active()).when(reach("ms_1", FEB_10)) == [
        MilestoneReachedV2(
            goal_id=GOAL,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            milestone_id="ms_1",
            owner_id=EMPLOYEE,
            due_date=date(2026, 2, 14),
            title="Step ms_1",
            goal_title="Master Photoshop",
            reached_on=date(2026, 2, 10),
            on_time=True,
            recorded_by=EMPLOYEE,
            occurred_at=FEB_10,
        )
    ]


def test_a_milestone_reached_after_its_due_date_is_reached_late() -> None:
    [event] = given(goal_decider, *active()).when(reach("ms_1", FEB_15))
    assert isinstance(event, MilestoneReached) and event.on_time is False


def test_a_milestone_is_reached_once() -> None:
    history = replay(goal_decider, reach("ms_1", FEB_10), history=active())
    given(goal_decider, *history).when_rejected(
        reach("ms_1", FEB_14), field="milestone_id", match="already reached"
    )


def test_an_unknown_milestone_cannot_be_reached() -> None:
    given(goal_decider, *active()).when_rejected(reach("ms_9", FEB_10), field="milestone_id")


def test_nothing_is_missed_before_or_on_the_due_date() -> None:
    assert given(goal_decider, *active()).when(mark_overdue(FEB_14)) == []


def test_a_milestone_whose_due_date_passed_is_missed() -> None:
    assert given(goal_decider, *active()).when(mark_overdue(FEB_15)) == [
        MilestoneMissed(
            goal_id=GOAL,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            milestone_id="ms_1",
            owner_id=EMPLOYEE,
            due_date=date(2026, 2, 14),
            progress_percent=0,
            occurred_at=FEB_15,
        )
    ]


def test_a_missed_milestone_is_never_missed_again() -> None:
    history = replay(goal_decider, mark_overdue(FEB_15), history=active())
    [again] = given(goal_decider, *history).when(mark_overdue(MAR_20))
    assert isinstance(again, MilestoneMissed) and again.milestone_id == "ms_2"


def test_a_missed_then_rescheduled_milestone_is_not_missed_a_second_time() -> None:
    history = replay(goal_decider, mark_overdue(FEB_15), history=active())
    history = replay(goal_decider, reschedule(due=date(2026, 2, 20), now=FEB_15), history=history)
    overdue_again = datetime(2026, 2, 21, 8, 0, tzinfo=UTC)
    assert given(goal_decider, *history).when(mark_overdue(overdue_again)) == []


def test_a_reached_milestone_is_never_missed() -> None:
    history = replay(goal_decider, reach("ms_1", FEB_10), history=active())
    assert given(goal_decider, *history).when(mark_overdue(FEB_15)) == []


def test_a_missed_milestone_can_still_be_reached_late() -> None:
    history = replay(goal_decider, mark_overdue(FEB_15), history=active())
    [event] = given(goal_decider, *history).when(reach("ms_1", FEB_15))
    assert isinstance(event, MilestoneReached) and not event.on_time


def test_milestones_of_goals_not_active_are_not_marked() -> None:
    proposed = replay(goal_decider, propose())
    assert given(goal_decider, *proposed).when(mark_overdue(FEB_15)) == []
    history = active()
    history = replay(
        goal_decider,
        ReviewGoal(
            goal_id=GOAL,
            review_id="rev_1",
            reviewed_by=MANAGER,
            summary="Stopping",
            outcome=AbandonGoal(reason="Team dissolved", lesson_learned="Check the roadmap"),
            now=NOW,
        ),
        history=history,
    )
    assert given(goal_decider, *history).when(mark_overdue(FEB_15)) == []


def test_a_milestone_is_rescheduled_with_a_reason() -> None:
    assert given(goal_decider, *active()).when(reschedule()) == [
        MilestoneRescheduledV2(
            goal_id=GOAL,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            milestone_id="ms_1",
            owner_id=EMPLOYEE,
            due_date=date(2026, 2, 28),
            previous_due_date=date(2026, 2, 14),
            reason="Course delayed",
            rescheduled_by=MANAGER,
            occurred_at=NOW,
        )
    ]


@pytest.mark.parametrize(
    ("command", "field", "match"),
    [
        (reschedule(reason=" "), "reason", "reason"),
        (reschedule(due=date(2026, 2, 14)), "due_date", "already due"),
        (reschedule(due=date(2026, 4, 30)), "due_date", "after its goal"),
        (reschedule(due=date(2026, 1, 10)), "due_date", "future"),
        (reschedule(milestone_id="ms_9"), "milestone_id", "no milestone"),
    ],
    ids=["reason", "same-date", "after-goal", "past", "unknown"],
)
def test_rescheduling_rules(command: RescheduleMilestone, field: str, match: str) -> None:
    given(goal_decider, *active()).when_rejected(command, field=field, match=match)


def test_a_reached_milestone_is_not_rescheduled() -> None:
    history = replay(goal_decider, reach("ms_1", FEB_10), history=active())
    given(goal_decider, *history).when_rejected(reschedule(), field="milestone_id")


def test_a_milestone_added_to_an_active_goal() -> None:
    new = plan("ms_3", date(2026, 3, 1), owner_id=MANAGER)
    command = AddMilestone(goal_id=GOAL, added_by=MANAGER, milestone=new, now=NOW)
    assert given(goal_decider, *active()).when(command) == [
        MilestoneAddedV2(
            goal_id=GOAL,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            milestone_id="ms_3",
            owner_id=MANAGER,
            due_date=date(2026, 3, 1),
            title="Step ms_3",
            added_by=MANAGER,
            occurred_at=NOW,
        )
    ]


@pytest.mark.parametrize(
    ("new", "field"),
    [
        (plan("ms_1", date(2026, 3, 1)), "milestone.milestone_id"),
        (plan("ms_3", date(2026, 4, 2)), "milestone.due_date"),
        (plan("ms_3", date(2026, 1, 2)), "milestone.due_date"),
    ],
    ids=["duplicate-id", "after-goal", "past"],
)
def test_an_added_milestone_follows_the_rules(new: object, field: str) -> None:
    command = AddMilestone(goal_id=GOAL, added_by=MANAGER, milestone=new, now=NOW)  # type: ignore[arg-type]
    given(goal_decider, *active()).when_rejected(command, field=field)


def test_progress_is_recorded_from_zero_to_a_hundred() -> None:
    [event] = given(goal_decider, *active()).when(progress(40))
    assert isinstance(event, MilestoneProgressUpdated)
    assert (event.previous_progress_percent, event.progress_percent) == (0, 40)
    given(goal_decider, *active()).when_rejected(progress(101), field="progress_percent")
    given(goal_decider, *active()).when_rejected(progress(-1), field="progress_percent")


def test_unchanged_progress_records_nothing() -> None:
    history = replay(goal_decider, progress(40), history=active())
    assert given(goal_decider, *history).when(progress(40)) == []


def test_progress_on_a_reached_milestone_is_refused() -> None:
    history = replay(goal_decider, reach("ms_1", FEB_10), history=active())
    given(goal_decider, *history).when_rejected(progress(50), field="milestone_id")
    state = given(goal_decider, *history).then_state()
    assert state is not None
    reached = state.milestone("ms_1")
    assert reached is not None and reached.progress_percent == 100
