"""What a goal carries from one event to the next: the career track it came from, what a new
proposal replaces and what it keeps, each of several activities on its own, and an abandoned
goal staying closed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.goals.domain.builders import (
    EMPLOYEE,
    GOAL,
    MANAGER,
    NOW,
    ORG,
    agree,
    plan,
    propose,
    reach,
    repropose,
    review,
    terms,
)
from trellis_contracts.goals import (
    Alignment,
    CareerTrackDefined,
    DevelopmentActivityCancelled,
    DevelopmentActivityCompleted,
    DevelopmentActivityPlanned,
    DevelopmentActivityStarted,
    GoalCompleted,
    GoalCreated,
    GoalMetric,
    GoalProposed,
    GoalUnalignedV2,
    MilestonePlan,
    MilestoneReached,
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
    AbandonGoal,
    AddMilestone,
    AlignGoal,
    CancelDevelopmentActivity,
    CompleteDevelopmentActivity,
    CompleteGoal,
    HandOverGoal,
    NewMilestoneDate,
    PlanDevelopmentActivity,
    ProposeGoal,
    RequestGoalChanges,
    ReviseGoal,
    StartDevelopmentActivity,
    UnalignGoal,
)
from trellis_goals.domain.goal.state import Activity, GoalEvent
from trellis_kernel.testing import given, replay

FEB_10 = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
OBJECTIVE = Alignment(kind="organisational_objective", target_id="okr_growth")
METRIC = GoalMetric(name="Design reviews led", baseline=0, target=2)


def active() -> list[GoalEvent]:
    return replay(goal_decider, propose(), agree())


# --- a goal made from a career track's template names the track all the way ---------------------

TEMPLATE = MilestoneTemplate(
    template_id="lead-review",
    title="Lead a cross-team design review",
    description="Run a design review with two other teams and publish the decision.",
    duration_days=90,
    steps=(
        TemplateStep(title="Shadow a review", offset_days=30),
        TemplateStep(title="Co-lead a review", offset_days=60),
    ),
)
TRACK = TrackDefinition(
    track_id="ic",
    name="Individual contributor",
    description="Grow through technical mastery.",
    milestone_templates=(TEMPLATE,),
)


def from_template(metric: GoalMetric | None = METRIC) -> ProposeGoal:
    define = DefineCareerTrack(organisation_id=ORG, defined_by="hr_1", track=TRACK, now=NOW)
    catalogue = career_tracks_decider.fold(replay(career_tracks_decider, define))
    return propose_from_template(
        catalogue,
        track_id="ic",
        template_id="lead-review",
        goal_id=GOAL,
        employee_id=EMPLOYEE,
        manager_id=MANAGER,
        proposed_by=EMPLOYEE,
        now=NOW,
        metric=metric,
    )


def test_a_track_keeps_its_description() -> None:
    define = DefineCareerTrack(organisation_id=ORG, defined_by="hr_1", track=TRACK, now=NOW)

    [event] = given(career_tracks_decider).when(define)

    assert isinstance(event, CareerTrackDefined) and event.description == "Grow through technical mastery."
    catalogue = career_tracks_decider.fold([event])
    assert catalogue.tracks["ic"].definition == TRACK


def test_a_proposal_from_a_template_numbers_its_steps_and_keeps_the_metric_given() -> None:
    [proposed] = given(goal_decider).when(from_template())
    [without] = given(goal_decider).when(from_template(metric=None))

    assert isinstance(proposed, GoalProposed) and isinstance(without, GoalProposed)
    assert [m.milestone_id for m in proposed.milestones] == ["ms_1", "ms_2"]
    assert proposed.terms.metric == METRIC
    assert without.terms.metric is None


def test_the_track_and_template_of_a_goal_reach_its_creation_milestones_and_completion() -> None:
    history = replay(goal_decider, from_template())

    agreed = given(goal_decider, *history).when(agree())
    _, created = agreed
    assert isinstance(created, GoalCreated)
    assert (created.career_track_id, created.template_id) == ("ic", "lead-review")

    history = [*history, *agreed]
    [reached] = given(goal_decider, *history).when(reach("ms_1", FEB_10))
    assert isinstance(reached, MilestoneReached) and reached.career_track_id == "ic"

    _, completed = given(goal_decider, *history, reached).when(review(CompleteGoal(), now=FEB_10))
    assert isinstance(completed, GoalCompleted) and completed.career_track_id == "ic"
    assert completed.milestones_reached == ("ms_1",)


def test_a_goal_not_made_from_a_template_names_no_track() -> None:
    _, created = given(goal_decider, *replay(goal_decider, propose())).when(agree())

    assert isinstance(created, GoalCreated)
    assert (created.career_track_id, created.template_id) == (None, None)


# --- a new proposal replaces the terms and milestones, and keeps the rest ---------------------------


def test_a_new_proposal_replaces_the_milestones_the_other_side_agrees_to() -> None:
    asked = RequestGoalChanges(goal_id=GOAL, requested_by=MANAGER, comment="One step is enough", now=NOW)
    history = replay(goal_decider, propose(), asked)
    single = (plan("ms_only", date(2026, 3, 1)),)
    history = replay(goal_decider, repropose(milestones=single), history=history)

    _, created = given(goal_decider, *history).when(agree())

    assert isinstance(created, GoalCreated)
    assert [m.milestone_id for m in created.milestones] == ["ms_only"]


def test_a_new_proposal_from_the_template_still_names_the_track() -> None:
    asked = RequestGoalChanges(goal_id=GOAL, requested_by=MANAGER, comment="Add a metric", now=NOW)
    history = replay(goal_decider, from_template(), asked)
    [again] = given(goal_decider, *history).when(repropose(terms=terms(metric=METRIC)))
    assert isinstance(again, GoalProposed) and again.proposal_revision == 2

    _, created = given(goal_decider, *history, again).when(agree())

    assert isinstance(created, GoalCreated)
    assert (created.career_track_id, created.template_id) == ("ic", "lead-review")


def test_a_new_proposal_cannot_take_the_goal_off_its_track() -> None:
    # The track and template are the goal's: a new proposal says only terms and milestones.
    asked = RequestGoalChanges(goal_id=GOAL, requested_by=MANAGER, comment="Not as a track goal", now=NOW)
    history = replay(goal_decider, from_template(), asked, repropose())

    _, created = given(goal_decider, *history).when(agree())

    assert isinstance(created, GoalCreated)
    assert (created.career_track_id, created.template_id) == ("ic", "lead-review")


def test_a_new_proposal_keeps_the_goals_alignment() -> None:
    align = AlignGoal(goal_id=GOAL, aligned_by=EMPLOYEE, alignment=OBJECTIVE, now=NOW)
    asked = RequestGoalChanges(goal_id=GOAL, requested_by=MANAGER, comment="Smaller steps", now=NOW)
    history = replay(goal_decider, propose(), align, asked, repropose())

    state = given(goal_decider, *history).then_state()

    assert state is not None and state.alignment == OBJECTIVE
    assert state.proposal.revision == 2


# --- what an event names is what downstream systems get -----------------------------------------------


def test_unaligning_records_why() -> None:
    history = replay(
        goal_decider,
        AlignGoal(goal_id=GOAL, aligned_by=MANAGER, alignment=OBJECTIVE, now=NOW),
        history=active(),
    )
    command = UnalignGoal(goal_id=GOAL, unaligned_by=MANAGER, reason="The objective was dropped", now=NOW)

    assert given(goal_decider, *history).when(command) == [
        GoalUnalignedV2(
            goal_id=GOAL,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            unaligned_by=MANAGER,
            previous_alignment=OBJECTIVE,
            reason="The objective was dropped",
            occurred_at=NOW,
        )
    ]


def test_a_milestone_added_later_is_reached_with_its_own_title_and_owner() -> None:
    added = MilestonePlan(
        milestone_id="ms_3", title="Present to the team", owner_id=MANAGER, due_date=date(2026, 3, 1)
    )
    history = replay(
        goal_decider, AddMilestone(goal_id=GOAL, added_by=MANAGER, milestone=added, now=NOW), history=active()
    )

    [reached] = given(goal_decider, *history).when(reach("ms_3", FEB_10, by=MANAGER))

    assert isinstance(reached, MilestoneReached)
    assert (reached.title, reached.owner_id, reached.due_date) == (
        "Present to the team",
        MANAGER,
        date(2026, 3, 1),
    )


def test_a_review_that_moves_an_unknown_or_reached_milestone_names_the_entry_at_fault() -> None:
    field = "outcome.reschedule_milestones[0].milestone_id"
    unknown = ReviseGoal(
        reason="Later",
        reschedule_milestones=(NewMilestoneDate(milestone_id="ms_9", due_date=date(2026, 3, 20)),),
    )
    given(goal_decider, *active()).when_rejected(review(unknown), field=field, match="no milestone 'ms_9'")

    history = replay(goal_decider, reach("ms_1", FEB_10), history=active())
    reached = ReviseGoal(
        reason="Later",
        reschedule_milestones=(NewMilestoneDate(milestone_id="ms_1", due_date=date(2026, 3, 20)),),
    )
    given(goal_decider, *history).when_rejected(review(reached), field=field, match="already reached")


# --- each development activity moves on its own ----------------------------------------------------------


def plan_activity(activity_id: str, **overrides: object) -> PlanDevelopmentActivity:
    values: dict[str, object] = {
        "goal_id": GOAL,
        "activity_id": activity_id,
        "kind": "training",
        "title": f"Course {activity_id}",
        "due_date": date(2026, 2, 1),
        "planned_by": MANAGER,
        "now": NOW,
    }
    values.update(overrides)
    return PlanDevelopmentActivity(**values)  # type: ignore[arg-type]


def start(activity_id: str) -> StartDevelopmentActivity:
    return StartDevelopmentActivity(goal_id=GOAL, activity_id=activity_id, started_by=EMPLOYEE, now=NOW)


def complete(activity_id: str) -> CompleteDevelopmentActivity:
    return CompleteDevelopmentActivity(goal_id=GOAL, activity_id=activity_id, completed_by=EMPLOYEE, now=NOW)


def cancel(activity_id: str) -> CancelDevelopmentActivity:
    return CancelDevelopmentActivity(
        goal_id=GOAL, activity_id=activity_id, cancelled_by=MANAGER, reason="No budget", now=NOW
    )


def with_two_activities() -> list[GoalEvent]:
    return replay(
        goal_decider,
        plan_activity("act_1"),
        plan_activity("act_2", kind="mentoring", mentor_id="emp_5", due_date=date(2026, 3, 1)),
        history=active(),
    )


def statuses(history: list[GoalEvent]) -> dict[str, str]:
    state = goal_decider.fold(history)
    assert state is not None
    return {a.activity_id: a.status for a in state.activities}


def test_a_planned_activity_keeps_its_description_due_date_and_mentor() -> None:
    command = plan_activity("act_2", kind="mentoring", mentor_id="emp_5", description="Weekly, one hour")

    [event] = given(goal_decider, *active()).when(command)

    assert isinstance(event, DevelopmentActivityPlanned) and event.description == "Weekly, one hour"
    state = goal_decider.fold([*active(), event])
    assert state is not None
    assert state.activities == (Activity("act_2", "mentoring", "Course act_2", date(2026, 2, 1), "emp_5"),)


def test_starting_one_activity_leaves_the_other_planned() -> None:
    history = replay(goal_decider, start("act_1"), history=with_two_activities())

    assert statuses(history) == {"act_1": "in_progress", "act_2": "planned"}
    [started] = given(goal_decider, *history).when(start("act_2"))
    assert isinstance(started, DevelopmentActivityStarted) and started.activity_id == "act_2"


def test_completing_one_activity_leaves_the_other_open() -> None:
    history = replay(goal_decider, start("act_2"), complete("act_1"), history=with_two_activities())

    assert statuses(history) == {"act_1": "completed", "act_2": "in_progress"}
    [cancelled] = given(goal_decider, *history).when(cancel("act_2"))
    assert isinstance(cancelled, DevelopmentActivityCancelled) and cancelled.activity_id == "act_2"


def test_cancelling_one_activity_leaves_the_other_to_complete() -> None:
    history = replay(goal_decider, cancel("act_2"), history=with_two_activities())

    assert statuses(history) == {"act_1": "planned", "act_2": "cancelled"}
    [completed] = given(goal_decider, *history).when(complete("act_1"))
    assert isinstance(completed, DevelopmentActivityCompleted) and completed.activity_id == "act_1"


# --- an abandoned goal is closed -------------------------------------------------------------------------


def abandoned() -> list[GoalEvent]:
    outcome = AbandonGoal(reason="Team dissolved", lesson_learned="Check the roadmap first")
    return replay(goal_decider, review(outcome), history=active())


def test_an_abandoned_goal_is_closed_to_every_change() -> None:
    align = AlignGoal(goal_id=GOAL, aligned_by=MANAGER, alignment=OBJECTIVE, now=NOW)

    error = given(goal_decider, *abandoned()).when_rejected(align, field="goal_id")

    assert error.message == "The goal is abandoned; a closed goal cannot change"
    state = given(goal_decider, *abandoned()).then_state()
    assert state is not None and state.status == "abandoned" and state.closed


def test_an_abandoned_goal_does_not_follow_the_employee_to_a_new_manager() -> None:
    assert (
        given(goal_decider, *abandoned()).when(HandOverGoal(goal_id=GOAL, manager_id="mgr_2", now=NOW)) == []
    )
