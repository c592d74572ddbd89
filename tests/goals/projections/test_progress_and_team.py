"""The employee's progress view and the manager's team view."""

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
from trellis_goals.domain.reporting_line import ChangeReportingLine, reporting_line_decider
from trellis_goals.projections.goal_record import GoalRecord, goal_record
from trellis_goals.projections.progress import employee_progress, goal_progress
from trellis_goals.projections.reporting_lines import direct_reports, reporting_lines
from trellis_goals.projections.team import team_view
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


def test_a_progress_row_is_flat() -> None:
    row = goal_progress(record(active()), date(2026, 2, 20)).as_row()
    assert row["goal_id"] == GOAL
    assert row["next_milestone_id"] == "ms_2"
    assert row["overdue_milestone_ids"] == ["ms_1"]
    assert row["version"] == 3  # proposed, agreed, created
    assert all(not isinstance(v, tuple) for v in row.values())


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


def line(employee: str, manager: str | None) -> ChangeReportingLine:
    return ChangeReportingLine(
        organisation_id="org_1",
        employee_id=employee,
        manager_id=manager,
        changed_by="hr_1",
        now=NOW,
    )


def test_a_manager_sees_their_current_direct_reports_and_what_waits_for_them() -> None:
    events = [
        *replay(reporting_line_decider, line(EMPLOYEE, MANAGER)),
        *replay(reporting_line_decider, line("emp_2", MANAGER)),
        *replay(reporting_line_decider, line("emp_3", "mgr_2")),
    ]
    lines = reporting_lines(events)
    assert direct_reports(lines, MANAGER) == (EMPLOYEE, "emp_2")
    records = [
        record(replay(goal_decider, reach("ms_1", FEB_10), history=active())),
        other_goal("goal_p", "emp_2", MANAGER, agreed=False),
        other_goal("goal_q", "emp_3", "mgr_2", agreed=True),
    ]
    team = team_view(records, lines, MANAGER, date(2026, 2, 11))
    assert [m.employee_id for m in team.members] == [EMPLOYEE, "emp_2"]
    first, second = team.members
    assert first.average_percent_complete == 50
    assert first.awaiting_manager == ()
    assert second.awaiting_manager == ("goal_p",)
    assert team.awaiting_manager == 1


def test_after_a_reporting_line_change_the_old_manager_no_longer_sees_the_employee() -> None:
    history = replay(reporting_line_decider, line(EMPLOYEE, MANAGER), line(EMPLOYEE, "mgr_2"))
    lines = reporting_lines(history)
    records = [record(active())]
    assert team_view(records, lines, MANAGER, NOW.date()).members == ()
    [member] = team_view(records, lines, "mgr_2", NOW.date()).members
    assert member.employee_id == EMPLOYEE and member.progress.goals[0].goal_id == GOAL


def test_a_direct_report_without_goals_still_appears() -> None:
    lines = reporting_lines(replay(reporting_line_decider, line("emp_7", MANAGER)))
    [member] = team_view([], lines, MANAGER, NOW.date()).members
    assert (member.employee_id, member.progress.goals, member.average_percent_complete) == (
        "emp_7",
        (),
        0,
    )
