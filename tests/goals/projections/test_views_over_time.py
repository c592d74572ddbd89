"""What the goal views show, to the day and to the event: the timeline's line for every kind of
event, the goal after each version, its progress over time, a person's share of the team view,
the columns the goal_views table keeps and how they read on a given day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from tests.goals.domain.builders import (
    EMPLOYEE,
    GOAL,
    MANAGER,
    NOW,
    agree,
    mark_overdue,
    propose,
    reach,
    repropose,
    review,
)
from tests.goals.domain.test_refusal_reasons import (
    OBJECTIVE,
    add,
    adjust,
    check_in,
    plan_activity,
    reschedule,
)
from trellis_contracts.goals import MilestoneProgress
from trellis_goals.domain.goal import goal_decider
from trellis_goals.domain.goal.commands import (
    AbandonGoal,
    AlignGoal,
    CancelDevelopmentActivity,
    CompleteDevelopmentActivity,
    CompleteGoal,
    HandOverGoal,
    RequestGoalChanges,
    StartDevelopmentActivity,
    UnalignGoal,
    UpdateMilestoneProgress,
)
from trellis_goals.domain.goal.state import GoalEvent
from trellis_goals.projections.check_ins import check_in_history
from trellis_goals.projections.goal_record import GoalRecord, goal_record
from trellis_goals.projections.history import (
    ProgressPoint,
    goal_at_version,
    goal_on,
    goal_timeline,
    progress_over_time,
)
from trellis_goals.projections.progress import (
    employee_progress,
    goal_columns,
    goal_progress,
    open_deadlines,
    person_share,
    progress_of,
)
from trellis_kernel.testing import replay

FEB_10 = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
MARCH_2 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MARCH_3 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
MARCH_4 = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
APRIL_2 = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)


def record_of(events: list[GoalEvent]) -> GoalRecord:
    built = goal_record(events)
    assert built is not None
    return built


def active() -> list[GoalEvent]:
    return replay(goal_decider, propose(), agree())


def eventful_life() -> list[GoalEvent]:
    return replay(
        goal_decider,
        AlignGoal(goal_id=GOAL, aligned_by=MANAGER, alignment=OBJECTIVE, now=NOW),
        UnalignGoal(goal_id=GOAL, unaligned_by=MANAGER, now=NOW),
        adjust(title="Master Photoshop fully", due_date=date(2026, 4, 30)),
        add("ms_3", date(2026, 3, 1)),
        reschedule(date(2026, 2, 28)),
        UpdateMilestoneProgress(
            goal_id=GOAL, milestone_id="ms_2", progress_percent=40, updated_by=EMPLOYEE, now=NOW
        ),
        plan_activity(kind="stretch_assignment", activity_id="act_7"),
        mark_overdue(MARCH_2),
        reach("ms_1", MARCH_3),
        HandOverGoal(goal_id=GOAL, manager_id="mgr_2", now=MARCH_3),
        review(
            AbandonGoal(reason="Team changed", lesson_learned="Smaller scope", revised_goal_id="goal_2"),
            reviewed_by="mgr_2",
            now=MARCH_4,
        ),
        history=active(),
    )


# --- the timeline ----------------------------------------------------------------------------------


def test_the_timeline_has_a_line_for_every_kind_of_event() -> None:
    assert [(entry.version, entry.actor_id, entry.summary) for entry in goal_timeline(eventful_life())] == [
        (1, EMPLOYEE, "proposal 1 by the employee"),
        (2, MANAGER, "proposal 1 agreed"),
        (3, None, "goal active, due 2026-03-31"),
        (4, MANAGER, "aligned to organisational_objective okr_growth"),
        (5, MANAGER, "no longer aligned to okr_growth"),
        (6, MANAGER, "adjusted: title, due_date"),
        (7, MANAGER, "milestone ms_3 added, due 2026-03-01"),
        (8, MANAGER, "milestone ms_1 moved from 2026-02-14 to 2026-02-28"),
        (9, EMPLOYEE, "milestone ms_2 at 40%"),
        (10, MANAGER, "stretch assignment act_7 planned"),
        (11, None, "milestone ms_1 missed (due 2026-02-28)"),
        (12, None, "milestone ms_3 missed (due 2026-03-01)"),
        (13, EMPLOYEE, "milestone ms_1 reached late"),
        (14, None, "manager changed from mgr_1 to mgr_2"),
        (15, "mgr_2", "review rev_1: abandoned"),
        (16, "mgr_2", "abandoned, followed by goal_2"),
    ]


def test_a_late_completion_and_an_abandonment_without_a_successor_say_so() -> None:
    late = replay(goal_decider, review(CompleteGoal(), now=APRIL_2), history=active())
    assert goal_timeline(late)[-1].summary == "completed late"
    dropped = replay(
        goal_decider, review(AbandonGoal(reason="No time", lesson_learned="Ask earlier")), history=active()
    )
    assert goal_timeline(dropped)[-1].summary == "abandoned"
    planned = replay(goal_decider, plan_activity(kind="project_rotation"), history=active())
    done = replay(
        goal_decider,
        CompleteDevelopmentActivity(goal_id=GOAL, activity_id="act_1", completed_by=EMPLOYEE, now=NOW),
        history=planned,
    )
    assert goal_timeline(done)[-1].summary == "project rotation act_1 completed"
    cancelled = replay(
        goal_decider,
        CancelDevelopmentActivity(
            goal_id=GOAL, activity_id="act_1", cancelled_by=MANAGER, reason="x", now=NOW
        ),
        history=planned,
    )
    assert goal_timeline(cancelled)[-1].summary == "project rotation act_1 cancelled"


def test_the_timeline_of_a_goal_asked_to_change_then_done_on_time() -> None:
    events = replay(
        goal_decider,
        propose(),
        RequestGoalChanges(goal_id=GOAL, requested_by=MANAGER, comment="Smaller", now=NOW),
        repropose(),
        agree(),
        check_in(check_in_id="ci_7", now=MARCH_2),
        plan_activity(kind="stretch_assignment"),
        StartDevelopmentActivity(goal_id=GOAL, activity_id="act_1", started_by=EMPLOYEE, now=MARCH_2),
        reach("ms_1", FEB_10),
        review(CompleteGoal(), now=MARCH_4),
    )
    timeline = goal_timeline(events)
    assert [(entry.occurred_at, entry.summary) for entry in timeline] == [
        (NOW, "proposal 1 by the employee"),
        (NOW, "changes requested to proposal 1"),
        (NOW, "proposal 2 by the employee"),
        (NOW, "proposal 2 agreed"),
        (NOW, "goal active, due 2026-03-31"),
        (MARCH_2, "check-in ci_7"),
        (NOW, "stretch assignment act_1 planned"),
        (MARCH_2, "stretch assignment act_1 started"),
        (FEB_10, "milestone ms_1 reached"),
        (MARCH_4, "review rev_1: completed"),
        (MARCH_4, "completed"),
    ]


# --- the goal after each version, and over time ----------------------------------------------------------


def test_the_goal_after_each_version_and_none_beyond_the_last() -> None:
    events = eventful_life()
    first = goal_at_version(events, 1)
    assert first is not None and (first.version, first.goal.status) == (1, "proposed")
    third = goal_at_version(events, 3)
    assert third is not None and (third.version, third.goal.status, third.goal.alignment) == (
        3,
        "active",
        None,
    )
    fourth = goal_at_version(events, 4)
    assert fourth is not None and fourth.goal.alignment == OBJECTIVE
    last = goal_at_version(events, len(events))
    assert last is not None and last == record_of(events)
    assert goal_at_version(events, len(events) + 1) is None
    assert goal_at_version(events, 0) is None


def test_progress_over_time_has_a_point_whenever_the_percentage_or_the_status_changed() -> None:
    events = replay(
        goal_decider,
        check_in(
            check_in_id="ci_1",
            milestone_progress=(MilestoneProgress(milestone_id="ms_2", progress_percent=50),),
        ),
        check_in(check_in_id="ci_2"),
        reach("ms_1", MARCH_2),
        review(CompleteGoal(), now=MARCH_3),
        history=active(),
    )
    assert progress_over_time(events) == [
        ProgressPoint(1, NOW, "proposed", 0),
        ProgressPoint(3, NOW, "active", 0),
        ProgressPoint(5, NOW, "active", 25),
        ProgressPoint(7, MARCH_2, "active", 75),
        ProgressPoint(9, MARCH_3, "completed", 100),
    ]


def test_a_day_ends_at_its_last_microsecond() -> None:
    midnight = datetime.combine(date(2026, 1, 16), time(0), tzinfo=UTC)
    at_midnight = replay(goal_decider, agree(now=midnight), history=replay(goal_decider, propose()))
    assert goal_on(at_midnight, date(2026, 1, 15), UTC).goal.status == "proposed"  # type: ignore[union-attr]
    just_before = replay(
        goal_decider, agree(now=midnight - timedelta(microseconds=1)), history=replay(goal_decider, propose())
    )
    assert goal_on(just_before, date(2026, 1, 15), UTC).goal.status == "active"  # type: ignore[union-attr]
    half_past = replay(
        goal_decider, agree(now=midnight + timedelta(minutes=30)), history=replay(goal_decider, propose())
    )
    assert goal_on(half_past, date(2026, 1, 15), UTC).goal.status == "proposed"  # type: ignore[union-attr]


# --- a record and its columns ---------------------------------------------------------------------------


def test_a_record_knows_when_the_goal_was_proposed_and_last_changed() -> None:
    proposed = record_of(replay(goal_decider, propose()))
    assert (proposed.proposed_at, proposed.updated_at, proposed.version) == (NOW, NOW, 1)
    later = record_of(replay(goal_decider, reach("ms_1", MARCH_2), history=active()))
    assert (later.proposed_at, later.updated_at, later.version) == (NOW, MARCH_2, 4)


def test_the_stored_columns_of_an_aligned_goal() -> None:
    aligned = record_of(
        replay(
            goal_decider,
            AlignGoal(goal_id=GOAL, aligned_by=MANAGER, alignment=OBJECTIVE, now=MARCH_2),
            history=active(),
        )
    )
    columns = goal_columns(aligned)
    assert {
        key: columns[key] for key in ("proposer_role", "aligned_to", "proposed_at", "updated_at", "version")
    } == {
        "proposer_role": "employee",
        "aligned_to": "organisational_objective:okr_growth",
        "proposed_at": NOW,
        "updated_at": MARCH_2,
        "version": 4,
    }


def test_open_deadlines_are_the_goal_its_open_milestones_and_its_open_activities() -> None:
    planned = replay(
        goal_decider,
        plan_activity(activity_id="act_1", due_date=date(2026, 2, 1)),
        plan_activity(activity_id="act_2", due_date=date(2026, 2, 5), title="Illustrator"),
        CompleteDevelopmentActivity(goal_id=GOAL, activity_id="act_1", completed_by=EMPLOYEE, now=NOW),
        reach("ms_1", NOW),
        history=active(),
    )
    goal = record_of(planned).goal
    assert open_deadlines(goal) == [
        ("goal", GOAL, date(2026, 3, 31), False, goal.terms.title),
        ("milestone", "ms_2", goal.milestone("ms_2").due_date, False, goal.milestone("ms_2").title),  # type: ignore[union-attr]
        ("activity", "act_2", date(2026, 2, 5), False, "Illustrator"),
    ]


# --- how the columns read on a day ---------------------------------------------------------------------


def test_on_its_due_day_nothing_is_overdue_and_the_day_after_everything_open_is() -> None:
    events = replay(goal_decider, plan_activity(due_date=date(2026, 2, 14)), history=active())
    record = record_of(events)
    ms_1 = record.goal.milestone("ms_1")
    assert ms_1 is not None and ms_1.due_date == date(2026, 2, 14)
    on_the_day = goal_progress(record, date(2026, 2, 14))
    assert (on_the_day.overdue_milestones, on_the_day.overdue_activity_ids, on_the_day.overdue_items) == (
        (),
        (),
        0,
    )
    assert on_the_day.next_milestone is not None and on_the_day.next_milestone.status == "open"
    day_after = goal_progress(record, date(2026, 2, 15))
    assert [m.milestone_id for m in day_after.overdue_milestones] == ["ms_1"]
    assert day_after.overdue_activity_ids == ("act_1",)
    assert goal_progress(record, date(2026, 3, 31)).goal_overdue is False
    assert goal_progress(record, date(2026, 4, 1)).goal_overdue is True


def test_a_done_activity_is_never_overdue_and_a_closed_goal_owes_nothing() -> None:
    events = replay(
        goal_decider,
        plan_activity(due_date=date(2026, 2, 1)),
        CompleteDevelopmentActivity(goal_id=GOAL, activity_id="act_1", completed_by=EMPLOYEE, now=NOW),
        history=active(),
    )
    assert goal_progress(record_of(events), date(2026, 2, 2)).overdue_activity_ids == ()
    planned = replay(goal_decider, plan_activity(due_date=date(2026, 2, 1)), history=active())
    closed = replay(goal_decider, review(CompleteGoal()), history=planned)
    assert goal_progress(record_of(closed), date(2026, 2, 2)).overdue_activity_ids == ()


def test_the_progress_view_carries_the_goals_facts_and_its_next_milestone() -> None:
    events = replay(
        goal_decider,
        AlignGoal(goal_id=GOAL, aligned_by=MANAGER, alignment=OBJECTIVE, now=NOW),
        reach("ms_1", MARCH_2),
        UpdateMilestoneProgress(
            goal_id=GOAL, milestone_id="ms_2", progress_percent=40, updated_by=EMPLOYEE, now=MARCH_2
        ),
        history=active(),
    )
    record = record_of(events)
    # The row as stored for a goal on a career track (the track comes from the employee's choice).
    progress = progress_of({**goal_columns(record), "career_track_id": "design_ic"}, date(2026, 3, 2))
    assert (progress.organisation_id, progress.employee_id, progress.manager_id, progress.title) == (
        record.goal.organisation_id,
        EMPLOYEE,
        MANAGER,
        record.goal.terms.title,
    )
    assert (progress.due_date, progress.career_track_id, progress.aligned_to, progress.version) == (
        date(2026, 3, 31),
        "design_ic",
        "organisational_objective:okr_growth",
        6,
    )
    ms_2 = record.goal.milestone("ms_2")
    upcoming = progress.next_milestone
    assert ms_2 is not None and upcoming is not None
    assert (upcoming.milestone_id, upcoming.title, upcoming.owner_id, upcoming.progress_percent) == (
        "ms_2",
        ms_2.title,
        ms_2.owner_id,
        40,
    )


# --- a person in the team view ----------------------------------------------------------------------


def test_what_one_goal_adds_to_its_employees_summary() -> None:
    checked = replay(goal_decider, check_in(now=MARCH_2), reach("ms_1", MARCH_2), history=active())
    assert person_share(record_of(checked)) == (1, 0, 50, MARCH_2)
    completed = replay(goal_decider, review(CompleteGoal(), now=MARCH_3), history=checked)
    assert person_share(record_of(completed)) == (0, 1, 0, MARCH_2)
    assert person_share(record_of(replay(goal_decider, propose()))) == (0, 0, 0, None)


def test_an_employees_progress_is_theirs() -> None:
    progress = employee_progress([record_of(active())], EMPLOYEE, date(2026, 2, 1))
    assert progress.employee_id == EMPLOYEE and [g.goal_id for g in progress.goals] == [GOAL]


def test_a_check_in_entry_says_who_recorded_it_when_and_what_is_needed() -> None:
    events = replay(
        goal_decider,
        check_in(now=MARCH_2, resources_needed=("A Photoshop licence", "A tablet")),
        history=active(),
    )
    [entry] = check_in_history(events)
    assert entry.progress_summary == "Half the course done"
    assert (entry.recorded_at, entry.recorded_by, entry.resources_needed) == (
        MARCH_2,
        MANAGER,
        ("A Photoshop licence", "A tablet"),
    )
