"""A goal's progress as the stored columns keep it and as it reads on a given day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from tests.goals.domain.builders import EMPLOYEE, GOAL, MANAGER, NOW, agree, plan, propose, reach, terms
from trellis_contracts.goals import MilestoneProgress
from trellis_goals.domain.goal import goal_decider
from trellis_goals.domain.goal.commands import (
    AddMilestone,
    CompleteGoal,
    PlanDevelopmentActivity,
    RecordCheckIn,
    ReviewGoal,
)
from trellis_goals.domain.goal.state import GoalEvent
from trellis_goals.projections.goal_record import GoalRecord, goal_record
from trellis_goals.projections.progress import (
    employee_progress,
    goal_columns,
    goal_progress,
    open_deadlines,
    progress_of,
)
from trellis_kernel.testing import replay

FEB_10 = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
FEB_12 = datetime(2026, 2, 12, 12, 0, tzinfo=UTC)


def record(events: list[GoalEvent]) -> GoalRecord:
    built = goal_record(events)
    assert built is not None
    return built


def active() -> list[GoalEvent]:
    return replay(goal_decider, propose(), agree())


def check_in(check_in_id: str, now: datetime, ms_2: int) -> RecordCheckIn:
    return RecordCheckIn(
        goal_id=GOAL,
        check_in_id=check_in_id,
        recorded_by=MANAGER,
        progress_summary="Going well",
        milestone_progress=(MilestoneProgress(milestone_id="ms_2", progress_percent=ms_2),),
        now=now,
    )


def test_percent_complete_is_the_mean_progress_of_the_milestones() -> None:
    events = replay(goal_decider, reach("ms_1", FEB_10), check_in("ci_1", FEB_12, 50), history=active())
    progress = goal_progress(record(events), today=date(2026, 2, 12))
    assert progress.percent_complete == 75
    assert progress.last_check_in_at == FEB_12


def test_a_completed_goal_is_a_hundred_percent_and_a_metric_only_goal_starts_at_zero() -> None:
    done = replay(
        goal_decider,
        ReviewGoal(
            goal_id=GOAL,
            review_id="r1",
            reviewed_by=MANAGER,
            summary="Done",
            outcome=CompleteGoal(),
            now=NOW,
        ),
        history=active(),
    )
    assert goal_progress(record(done), today=NOW.date()).percent_complete == 100
    metric_only = replay(goal_decider, propose(milestones=()), agree())
    assert goal_progress(record(metric_only), today=NOW.date()).percent_complete == 0


def test_the_next_milestone_is_the_soonest_one_not_reached() -> None:
    assert goal_progress(record(active()), date(2026, 1, 20)).next_milestone is not None
    first = goal_progress(record(active()), date(2026, 1, 20)).next_milestone
    assert first is not None and first.milestone_id == "ms_1"
    events = replay(goal_decider, reach("ms_1", FEB_10), history=active())
    after = goal_progress(record(events), date(2026, 2, 11)).next_milestone
    assert after is not None and after.milestone_id == "ms_2"
    # Added last but due first: the soonest, not the first listed.
    sooner = AddMilestone(goal_id=GOAL, added_by=MANAGER, milestone=plan("ms_0", date(2026, 2, 1)), now=NOW)
    added = goal_progress(record(replay(goal_decider, sooner, history=active())), date(2026, 1, 20))
    assert added.next_milestone is not None and added.next_milestone.milestone_id == "ms_0"


def test_overdue_items_are_milestones_activities_and_the_goal_itself() -> None:
    plan = PlanDevelopmentActivity(
        goal_id=GOAL,
        activity_id="act_1",
        kind="training",
        title="Course",
        due_date=date(2026, 2, 1),
        planned_by=MANAGER,
        now=NOW,
    )
    events = replay(goal_decider, plan, history=active())
    feb_20 = goal_progress(record(events), date(2026, 2, 20))
    assert [m.milestone_id for m in feb_20.overdue_milestones] == ["ms_1"]
    assert feb_20.overdue_activity_ids == ("act_1",)
    assert feb_20.goal_overdue is False
    assert feb_20.overdue_items == 2
    apr_1 = goal_progress(record(events), date(2026, 4, 1))
    assert apr_1.goal_overdue is True
    assert apr_1.next_milestone is None
    assert apr_1.overdue_items == 4


def test_a_goal_not_yet_agreed_has_nothing_overdue_nor_next() -> None:
    proposed = goal_progress(record(replay(goal_decider, propose())), date(2026, 4, 1))
    assert (proposed.status, proposed.overdue_items, proposed.next_milestone) == (
        "proposed",
        0,
        None,
    )


def test_the_stored_columns_hold_nothing_that_depends_on_the_day() -> None:
    events = replay(goal_decider, reach("ms_1", FEB_10), history=active())
    columns = goal_columns(record(events))
    assert (columns["goal_id"], columns["status"], columns["percent_complete"], columns["version"]) == (
        GOAL,
        "active",
        50,
        4,
    )
    assert columns["earliest_open_due"] == date(2026, 3, 15)  # ms_2; ms_1 is reached
    assert [m["reached_on"] for m in columns["milestones"]] == ["2026-02-10", None]
    # Read on two days, the same columns give two answers.
    assert progress_of(columns, date(2026, 3, 1)).overdue_items == 0
    assert [m.milestone_id for m in progress_of(columns, date(2026, 3, 20)).overdue_milestones] == ["ms_2"]


def test_only_an_active_goal_has_open_deadlines() -> None:
    assert open_deadlines(record(replay(goal_decider, propose())).goal) == []
    deadlines = open_deadlines(record(active()).goal)
    assert [(kind, item, due) for kind, item, due, _, _ in deadlines] == [
        ("goal", GOAL, date(2026, 3, 31)),
        ("milestone", "ms_1", date(2026, 2, 14)),
        ("milestone", "ms_2", date(2026, 3, 15)),
    ]


def other_goal(goal_id: str, employee_id: str, manager_id: str, *, agreed: bool) -> GoalRecord:
    proposal = propose(
        goal_id=goal_id,
        employee_id=employee_id,
        manager_id=manager_id,
        proposed_by=employee_id,
        terms=terms(due_date=date(2026, 3, 31)),
    )
    events = replay(goal_decider, proposal)
    if agreed:
        events = replay(goal_decider, replace(agree(by=manager_id), goal_id=goal_id), history=events)
    return record(events)


def test_an_employee_sees_their_goals_active_first() -> None:
    records = [
        other_goal("goal_p", EMPLOYEE, MANAGER, agreed=False),
        record(active()),
        other_goal("goal_x", "emp_2", MANAGER, agreed=True),
    ]
    view = employee_progress(records, EMPLOYEE, date(2026, 1, 20))
    assert [g.goal_id for g in view.goals] == [GOAL, "goal_p"]
    assert (view.active_goals, view.completed_goals) == (1, 0)
