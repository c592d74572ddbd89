"""A goal's history: what it looked like at a given moment, and its timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from tests.goals.domain.builders import EMPLOYEE, GOAL, MANAGER, NOW, agree, plan, propose, reach
from trellis_contracts.goals import AgreedAction, Alignment, MilestoneProgress
from trellis_goals.domain.goal import goal_decider
from trellis_goals.domain.goal.commands import (
    AddMilestone,
    AdjustGoal,
    AlignGoal,
    RecordCheckIn,
    TermChanges,
    UpdateMilestoneProgress,
)
from trellis_goals.domain.goal.state import GoalEvent
from trellis_goals.projections.check_ins import ProgressChange, check_in_history
from trellis_goals.projections.history import goal_as_of, goal_on, goal_timeline
from trellis_kernel.testing import replay

AGREED_AT = datetime(2026, 1, 16, 10, 0, tzinfo=UTC)
ALIGNED_AT = datetime(2026, 1, 20, 10, 0, tzinfo=UTC)
ADJUSTED_AT = datetime(2026, 2, 1, 10, 0, tzinfo=UTC)
REALIGNED_AT = datetime(2026, 2, 5, 10, 0, tzinfo=UTC)
REACHED_AT = datetime(2026, 2, 10, 10, 0, tzinfo=UTC)
OBJECTIVE = Alignment(kind="organisational_objective", target_id="okr_growth")
PARENT = Alignment(kind="parent_goal", target_id="goal_team")


def history() -> list[GoalEvent]:
    return replay(
        goal_decider,
        propose(),
        agree(now=AGREED_AT),
        AlignGoal(goal_id=GOAL, aligned_by=MANAGER, alignment=OBJECTIVE, now=ALIGNED_AT),
        AdjustGoal(
            goal_id=GOAL,
            adjusted_by=MANAGER,
            reason="Broader scope",
            changes=TermChanges(title="Master Photoshop and Illustrator"),
            now=ADJUSTED_AT,
        ),
        AlignGoal(goal_id=GOAL, aligned_by=MANAGER, alignment=PARENT, now=REALIGNED_AT),
        reach("ms_1", REACHED_AT),
    )


def test_before_it_was_proposed_there_was_no_goal() -> None:
    assert goal_as_of(history(), NOW - timedelta(seconds=1)) is None


def test_the_goal_as_it_was_at_each_moment() -> None:
    events = history()
    proposed = goal_as_of(events, NOW)
    assert proposed is not None and proposed.goal.status == "proposed"

    before_adjustment = goal_as_of(events, ADJUSTED_AT - timedelta(seconds=1))
    assert before_adjustment is not None
    assert before_adjustment.goal.status == "active"
    assert before_adjustment.goal.terms.title == "Master Photoshop"
    assert before_adjustment.goal.alignment == OBJECTIVE

    after_realignment = goal_as_of(events, REALIGNED_AT)
    assert after_realignment is not None
    assert after_realignment.goal.terms.title == "Master Photoshop and Illustrator"
    assert after_realignment.goal.alignment == PARENT
    ms_1 = after_realignment.goal.milestone("ms_1")
    assert ms_1 is not None and not ms_1.reached

    now = goal_as_of(events, REACHED_AT)
    assert now is not None and now.version == len(events)


def test_a_day_means_the_end_of_that_day_in_the_callers_zone() -> None:
    events = history()
    # The adjustment at 10:00 UTC on 1 February is 22:00 on 31 January at UTC-12.
    behind = timezone(timedelta(hours=-12))
    on_31_jan_utc = goal_on(events, date(2026, 1, 31), UTC)
    on_31_jan_behind = goal_on(events, date(2026, 1, 31), behind)
    assert on_31_jan_utc is not None and on_31_jan_behind is not None
    assert on_31_jan_utc.goal.terms.title == "Master Photoshop"
    assert on_31_jan_behind.goal.terms.title == "Master Photoshop and Illustrator"


def test_the_timeline_names_who_did_what_without_personal_text() -> None:
    timeline = goal_timeline(history())
    assert [(t.version, t.event_type, t.actor_id) for t in timeline] == [
        (1, "dev.trellis.goals.GoalProposed.v2", EMPLOYEE),
        (2, "dev.trellis.goals.GoalAgreed.v1", MANAGER),
        (3, "dev.trellis.goals.GoalCreated.v2", None),
        (4, "dev.trellis.goals.GoalAligned.v1", MANAGER),
        (5, "dev.trellis.goals.GoalAdjusted.v2", MANAGER),
        (6, "dev.trellis.goals.GoalAligned.v1", MANAGER),
        (7, "dev.trellis.goals.MilestoneReached.v2", EMPLOYEE),
    ]
    assert timeline[4].summary == "adjusted: title"
    assert timeline[5].summary == "aligned to parent_goal goal_team"
    assert all("Photoshop" not in t.summary for t in timeline)


def test_each_check_in_says_what_moved_since_the_one_before() -> None:
    first_at = datetime(2026, 1, 30, 10, 0, tzinfo=UTC)
    second_at = datetime(2026, 2, 13, 10, 0, tzinfo=UTC)
    action = AgreedAction(action="Book a design review", owner_id=MANAGER, due_date=date(2026, 2, 20))
    events = replay(
        goal_decider,
        RecordCheckIn(
            goal_id=GOAL,
            check_in_id="ci_1",
            recorded_by=MANAGER,
            progress_summary="Started the course",
            milestone_progress=(MilestoneProgress(milestone_id="ms_1", progress_percent=30),),
            now=first_at,
        ),
        reach("ms_1", datetime(2026, 2, 10, 10, 0, tzinfo=UTC)),
        RecordCheckIn(
            goal_id=GOAL,
            check_in_id="ci_2",
            recorded_by=MANAGER,
            progress_summary="Course done, first visual drafted",
            milestone_progress=(MilestoneProgress(milestone_id="ms_2", progress_percent=20),),
            blockers=("Licence pending",),
            agreed_actions=(action,),
            now=second_at,
        ),
        history=history()[:3],
    )
    first, second = check_in_history(events)
    assert (first.check_in_id, first.days_since_last) == ("ci_1", None)
    assert first.progress_since_last == (ProgressChange("ms_1", 0, 30),)
    assert second.days_since_last == 14
    assert second.reached_since_last == ("ms_1",)
    assert second.progress_since_last == (
        ProgressChange("ms_1", 30, 100),
        ProgressChange("ms_2", 0, 20),
    )
    assert (second.blockers, second.agreed_actions) == (("Licence pending",), (action,))


def test_progress_reported_between_check_ins_and_milestones_added_count_as_moved() -> None:
    def progress(percent: int, day: int) -> UpdateMilestoneProgress:
        at = datetime(2026, 2, day, 10, 0, tzinfo=UTC)
        return UpdateMilestoneProgress(
            goal_id=GOAL, milestone_id="ms_2", progress_percent=percent, updated_by=EMPLOYEE, now=at
        )

    def check_in(check_in_id: str, day: int, *said: MilestoneProgress) -> RecordCheckIn:
        at = datetime(2026, 2, day, 10, 0, tzinfo=UTC)
        return RecordCheckIn(
            goal_id=GOAL,
            check_in_id=check_in_id,
            recorded_by=MANAGER,
            progress_summary="Going",
            milestone_progress=said,
            now=at,
        )

    added = AddMilestone(
        goal_id=GOAL,
        added_by=MANAGER,
        milestone=plan("ms_3", date(2026, 3, 20)),
        now=datetime(2026, 2, 2, tzinfo=UTC),
    )
    events = replay(
        goal_decider,
        progress(10, 2),
        added,
        check_in("ci_1", 3, MilestoneProgress(milestone_id="ms_3", progress_percent=5)),
        progress(25, 9),
        check_in("ci_2", 10),
        history=history()[:3],
    )
    first, second = check_in_history(events)
    assert first.progress_since_last == (ProgressChange("ms_2", 0, 10), ProgressChange("ms_3", 0, 5))
    assert (second.progress_since_last, second.reached_since_last) == ((ProgressChange("ms_2", 10, 25),), ())
