"""The accepting side of each rule that hinges on a number or a day: its exact edge is allowed.

ms_1 is due 2026-02-14, ms_2 on 2026-03-15 and the goal on 2026-03-31 (GOAL_DUE); NOW is
2026-01-15 09:00 UTC.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

from tests.goals.domain.builders import (
    EMPLOYEE,
    GOAL,
    GOAL_DUE,
    MANAGER,
    NOW,
    agree,
    plan,
    propose,
    reach,
    review,
)
from trellis_contracts.goals import (
    AgreedAction,
    CheckInRecorded,
    GoalAdjusted,
    GoalCompleted,
    GoalProposed,
    MilestoneAdded,
    MilestoneProgressUpdated,
    MilestoneReached,
    MilestoneRescheduled,
    MilestoneTemplate,
    TemplateStep,
)
from trellis_goals.domain.career_tracks import (
    DefineCareerTrack,
    TrackDefinition,
    career_tracks_decider,
    propose_from_template,
)
from trellis_goals.domain.goal import goal_decider
from trellis_goals.domain.goal.commands import (
    AddMilestone,
    AdjustGoal,
    CompleteGoal,
    RecordCheckIn,
    RescheduleMilestone,
    TermChanges,
    UpdateMilestoneProgress,
)
from trellis_goals.domain.goal.state import GoalEvent
from trellis_kernel.testing import given, replay

MS_1_DUE = date(2026, 2, 14)
MS_2_DUE = date(2026, 3, 15)


def active() -> list[GoalEvent]:
    return replay(goal_decider, propose(), agree())


def on(day: date, hour: int = 17) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def progress(percent: int, milestone_id: str = "ms_1") -> UpdateMilestoneProgress:
    return UpdateMilestoneProgress(
        goal_id=GOAL, milestone_id=milestone_id, progress_percent=percent, updated_by=EMPLOYEE, now=NOW
    )


# --- progress is a percentage from 0 to 100, both ends included ------------------------------------


def test_progress_can_go_back_to_zero() -> None:
    history = replay(goal_decider, progress(40), history=active())

    [event] = given(goal_decider, *history).when(progress(0))

    assert isinstance(event, MilestoneProgressUpdated)
    assert (event.previous_progress_percent, event.progress_percent) == (40, 0)


def test_progress_of_a_hundred_percent_is_recorded_without_reaching_the_milestone() -> None:
    [event] = given(goal_decider, *active()).when(progress(100))

    assert isinstance(event, MilestoneProgressUpdated) and event.progress_percent == 100
    state = goal_decider.fold([*active(), event])
    assert state is not None
    milestone = state.milestone("ms_1")
    assert milestone is not None and milestone.progress_percent == 100 and not milestone.reached


# --- a milestone or a goal finished on its due day is on time ----------------------------------------


def test_a_milestone_reached_on_its_due_day_is_on_time() -> None:
    [early_morning] = given(goal_decider, *active()).when(reach("ms_1", on(MS_1_DUE, hour=0)))
    [late_evening] = given(goal_decider, *active()).when(reach("ms_1", on(MS_1_DUE, hour=23)))
    [next_day] = given(goal_decider, *active()).when(reach("ms_1", on(MS_1_DUE + timedelta(days=1), hour=0)))

    assert isinstance(early_morning, MilestoneReached) and isinstance(late_evening, MilestoneReached)
    assert (early_morning.reached_on, early_morning.on_time) == (MS_1_DUE, True)
    assert (late_evening.reached_on, late_evening.on_time) == (MS_1_DUE, True)
    assert isinstance(next_day, MilestoneReached) and next_day.on_time is False


def test_the_day_a_milestone_is_reached_is_the_day_in_the_senders_offset() -> None:
    # 23:30 at UTC-5 on the due day is already the next day in UTC.
    evening = datetime(2026, 2, 14, 23, 30, tzinfo=timezone(timedelta(hours=-5)))

    [event] = given(goal_decider, *active()).when(reach("ms_1", evening))

    assert isinstance(event, MilestoneReached)
    assert (event.reached_on, event.on_time) == (MS_1_DUE, True)


def test_a_goal_completed_on_its_due_day_is_on_time_and_a_day_later_is_late() -> None:
    _, on_the_day = given(goal_decider, *active()).when(review(CompleteGoal(), now=on(GOAL_DUE)))
    _, day_after = given(goal_decider, *active()).when(
        review(CompleteGoal(), now=on(GOAL_DUE + timedelta(days=1), hour=0))
    )

    assert isinstance(on_the_day, GoalCompleted)
    assert (on_the_day.completed_on, on_the_day.on_time) == (GOAL_DUE, True)
    assert isinstance(day_after, GoalCompleted)
    assert (day_after.completed_on, day_after.on_time) == (GOAL_DUE + timedelta(days=1), False)


# --- a milestone may be due on the goal's own due date ---------------------------------------------


def test_a_proposal_may_have_its_last_milestone_due_on_the_goals_due_date() -> None:
    command = propose(milestones=(plan("ms_1", MS_1_DUE), plan("ms_last", GOAL_DUE)))

    [event] = given(goal_decider).when(command)

    assert isinstance(event, GoalProposed)
    assert [m.due_date for m in event.milestones] == [MS_1_DUE, GOAL_DUE]


def test_a_milestone_due_on_the_goals_due_date_may_be_added() -> None:
    command = AddMilestone(goal_id=GOAL, added_by=MANAGER, milestone=plan("ms_3", GOAL_DUE), now=NOW)

    [event] = given(goal_decider, *active()).when(command)

    assert isinstance(event, MilestoneAdded) and event.due_date == GOAL_DUE


def test_a_milestone_may_be_moved_to_the_goals_due_date() -> None:
    command = RescheduleMilestone(
        goal_id=GOAL,
        milestone_id="ms_2",
        due_date=GOAL_DUE,
        reason="Licence arrived late",
        rescheduled_by=MANAGER,
        now=NOW,
    )

    [event] = given(goal_decider, *active()).when(command)

    assert isinstance(event, MilestoneRescheduled) and event.due_date == GOAL_DUE


def test_a_goal_may_be_brought_forward_to_the_day_its_last_milestone_is_due() -> None:
    command = AdjustGoal(
        goal_id=GOAL,
        adjusted_by=MANAGER,
        reason="Campaign moved forward",
        changes=TermChanges(due_date=MS_2_DUE),
        now=NOW,
    )

    [event] = given(goal_decider, *active()).when(command)

    assert isinstance(event, GoalAdjusted) and event.current.due_date == MS_2_DUE
    too_early = replace(command, changes=TermChanges(due_date=MS_2_DUE - timedelta(days=1)))
    given(goal_decider, *active()).when_rejected(too_early, field="changes.due_date", match="ms_2")


def test_a_template_step_may_fall_on_the_templates_last_day() -> None:
    template = MilestoneTemplate(
        template_id="ship",
        title="Ship a feature end to end",
        description="Design, build and release one feature.",
        duration_days=60,
        steps=(TemplateStep(title="Design", offset_days=20), TemplateStep(title="Release", offset_days=60)),
    )
    track = TrackDefinition(track_id="ic", name="Individual contributor", milestone_templates=(template,))
    history = replay(
        career_tracks_decider,
        DefineCareerTrack(organisation_id="org_1", defined_by="hr_1", track=track, now=NOW),
    )
    command = propose_from_template(
        career_tracks_decider.fold(history),
        track_id="ic",
        template_id="ship",
        goal_id=GOAL,
        employee_id=EMPLOYEE,
        manager_id=MANAGER,
        proposed_by=EMPLOYEE,
        now=NOW,
    )

    [event] = given(goal_decider).when(command)

    assert isinstance(event, GoalProposed)
    assert event.milestones[-1].due_date == event.terms.due_date == NOW.date() + timedelta(days=60)


# --- an action agreed in a check-in may be due today --------------------------------------------------


def test_an_action_agreed_in_a_check_in_may_be_due_today() -> None:
    today = AgreedAction(action="Send the licence request", owner_id=MANAGER, due_date=NOW.date())
    command = RecordCheckIn(
        goal_id=GOAL,
        check_in_id="ci_1",
        recorded_by=MANAGER,
        progress_summary="Waiting for the licence",
        agreed_actions=(today,),
        now=NOW,
    )

    [event] = given(goal_decider, *active()).when(command)

    assert isinstance(event, CheckInRecorded) and event.agreed_actions == (today,)


# --- "now" must say where in the world it is ------------------------------------------------------------


class _NoOffset(tzinfo):
    """A time zone that cannot say its offset: a time in it is as naive as one without."""

    def utcoffset(self, moment: datetime | None) -> timedelta | None:
        return None

    def dst(self, moment: datetime | None) -> timedelta | None:
        return None

    def tzname(self, moment: datetime | None) -> str | None:
        return None


def test_a_time_in_a_zone_without_an_offset_is_refused_like_a_naive_one() -> None:
    without_offset = NOW.replace(tzinfo=_NoOffset())

    given(goal_decider).when_rejected(propose(now=without_offset), field="now", match="UTC offset")
    given(goal_decider).when_rejected(propose(now=NOW.replace(tzinfo=None)), field="now", match="UTC offset")
