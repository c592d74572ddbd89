"""What a refused command tells the person who sent it: the field at fault and the reason.

The API returns both as the 422 detail (``{"field": ..., "reason": ...}``) and a 403's detail is
the authorization's reason; clients show them and match on them, so their wording is part of
the contract and changes here on purpose only. Refusals no API request can provoke (a ``now``
without an offset, a goal or catalogue stream that is not the command's) are left free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.goals.domain.builders import (
    EMPLOYEE,
    GOAL,
    MANAGER,
    NOW,
    ORG,
    STRANGER,
    agree,
    plan,
    propose,
    reach,
    repropose,
    review,
    terms,
    withdraw,
)
from trellis_contracts.goals import (
    AgreedAction,
    Alignment,
    Competency,
    GoalMetric,
    MilestoneProgress,
    MilestoneTemplate,
    TemplateStep,
)
from trellis_goals.domain.authorization import Actor, Subject, authorize
from trellis_goals.domain.career_choice import ChooseCareerTrack, career_choice_decider
from trellis_goals.domain.career_tracks import (
    DefineCareerTrack,
    ReviseCareerTrack,
    TrackDefinition,
    career_tracks_decider,
    propose_from_template,
)
from trellis_goals.domain.goal import goal_decider
from trellis_goals.domain.goal.commands import (
    AbandonGoal,
    AddMilestone,
    AdjustGoal,
    AlignGoal,
    CancelDevelopmentActivity,
    CompleteDevelopmentActivity,
    CompleteGoal,
    HandOverGoal,
    KeepGoal,
    PlanDevelopmentActivity,
    RecordCheckIn,
    RequestGoalChanges,
    RescheduleMilestone,
    ReviseGoal,
    StartDevelopmentActivity,
    TermChanges,
    UnalignGoal,
    UpdateMilestoneProgress,
)
from trellis_goals.domain.reporting_line import ChangeReportingLine, reporting_line_decider
from trellis_goals.domain.vision import DefineVision, ReviseVision, VisionStatement, vision_decider
from trellis_kernel.decider import Decider, DomainError
from trellis_kernel.testing import given, replay

FEB_10 = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
OBJECTIVE = Alignment(kind="organisational_objective", target_id="okr_growth")


def said(
    history: Sequence[Any], command: Any, field: str, decider: Decider[Any, Any, Any] = goal_decider
) -> str:
    """The reason given when ``command`` is refused after ``history``, which must name ``field``."""
    return given(decider, *history).when_rejected(command, field=field).message


# --- goals ------------------------------------------------------------------------------------------

PROPOSED = replay(goal_decider, propose())
ASKED = replay(
    goal_decider,
    RequestGoalChanges(goal_id=GOAL, requested_by=MANAGER, comment="Smaller", now=NOW),
    history=PROPOSED,
)
ACTIVE = replay(goal_decider, agree(), history=PROPOSED)
ALIGNED = replay(
    goal_decider, AlignGoal(goal_id=GOAL, aligned_by=MANAGER, alignment=OBJECTIVE, now=NOW), history=ACTIVE
)
REACHED = replay(goal_decider, reach("ms_1", FEB_10), history=ACTIVE)
COMPLETED = replay(goal_decider, review(CompleteGoal()), history=ACTIVE)
CHECKED_IN = replay(
    goal_decider,
    RecordCheckIn(goal_id=GOAL, check_in_id="ci_1", recorded_by=MANAGER, progress_summary="Started", now=NOW),
    history=ACTIVE,
)
REVIEWED = replay(goal_decider, review(KeepGoal()), history=ACTIVE)


def adjust(reason: str = "Clearer", **changes: Any) -> AdjustGoal:
    return AdjustGoal(
        goal_id=GOAL, adjusted_by=MANAGER, reason=reason, changes=TermChanges(**changes), now=NOW
    )


def add(milestone_id: str = "ms_3", due: date = date(2026, 3, 1), **overrides: Any) -> AddMilestone:
    return AddMilestone(
        goal_id=GOAL, added_by=MANAGER, milestone=plan(milestone_id, due, **overrides), now=NOW
    )


def reschedule(due: date = date(2026, 2, 28), reason: str = "Course delayed") -> RescheduleMilestone:
    return RescheduleMilestone(
        goal_id=GOAL, milestone_id="ms_1", due_date=due, reason=reason, rescheduled_by=MANAGER, now=NOW
    )


def check_in(**overrides: Any) -> RecordCheckIn:
    values: dict[str, Any] = {
        "goal_id": GOAL,
        "check_in_id": "ci_1",
        "recorded_by": MANAGER,
        "progress_summary": "Half the course done",
        "now": NOW,
    }
    values.update(overrides)
    return RecordCheckIn(**values)


def action(text: str = "Order a licence", due: date = date(2026, 1, 20)) -> AgreedAction:
    return AgreedAction(action=text, owner_id=MANAGER, due_date=due)


def plan_activity(**overrides: Any) -> PlanDevelopmentActivity:
    values: dict[str, Any] = {
        "goal_id": GOAL,
        "activity_id": "act_1",
        "kind": "training",
        "title": "Photoshop fundamentals",
        "due_date": date(2026, 2, 1),
        "planned_by": MANAGER,
        "now": NOW,
    }
    values.update(overrides)
    return PlanDevelopmentActivity(**values)


START = StartDevelopmentActivity(goal_id=GOAL, activity_id="act_1", started_by=EMPLOYEE, now=NOW)
COMPLETE = CompleteDevelopmentActivity(goal_id=GOAL, activity_id="act_1", completed_by=EMPLOYEE, now=NOW)


def cancel(reason: str = "No budget") -> CancelDevelopmentActivity:
    return CancelDevelopmentActivity(
        goal_id=GOAL, activity_id="act_1", cancelled_by=MANAGER, reason=reason, now=NOW
    )


PLANNED = replay(goal_decider, plan_activity(), history=ACTIVE)
STARTED = replay(goal_decider, START, history=PLANNED)
CANCELLED = replay(goal_decider, cancel(), history=PLANNED)
DONE = replay(goal_decider, COMPLETE, history=PLANNED)


def test_agreeing_on_a_goal_refusals_say_why() -> None:
    assert said([], propose(manager_id=EMPLOYEE), "manager_id") == "An employee cannot be their own manager"
    assert (
        said([], propose(proposed_by=STRANGER), "proposed_by")
        == "Only the employee or their manager can propose the employee's goal"
    )
    assert (
        said(ACTIVE, repropose(), "goal_id")
        == "The goal is already active; change it through an adjustment or review"
    )
    # A new proposal names neither the employee nor the manager (they are the goal's), so only
    # who proposes can be wrong; and a new goal cannot take an id in use.
    assert (
        said(PROPOSED, repropose(by=STRANGER), "proposed_by")
        == "Only the employee or their manager can propose the employee's goal"
    )
    assert said(PROPOSED, propose(), "goal_id") == "The goal 'goal_1' already exists"
    assert (
        said(PROPOSED, withdraw(by=MANAGER), "withdrawn_by") == "Only the proposer can withdraw the proposal"
    )
    assert (
        said(ACTIVE, withdraw(), "goal_id")
        == "The goal is already active; only a proposal not yet agreed can be withdrawn"
    )
    assert said(ASKED, agree(), "goal_id") == "Changes were asked for: the goal needs a new proposal first"
    assert said(ACTIVE, agree(), "goal_id") == "The goal is already active"
    assert (
        said(PROPOSED, agree(by=EMPLOYEE), "agreed_by") == "The proposer cannot agree to their own proposal"
    )
    assert said(PROPOSED, agree(by=STRANGER), "agreed_by") == "Only the manager can agree to this proposal"
    assert (
        said(
            PROPOSED,
            RequestGoalChanges(goal_id=GOAL, requested_by=EMPLOYEE, comment="Hm", now=NOW),
            "requested_by",
        )
        == "The proposer cannot ask for changes to their own proposal"
    )
    assert (
        said(
            replay(goal_decider, propose(proposed_by=MANAGER)),
            RequestGoalChanges(goal_id=GOAL, requested_by=STRANGER, comment="Hm", now=NOW),
            "requested_by",
        )
        == "Only the employee can ask for changes to this proposal"
    )
    assert (
        said(
            PROPOSED, RequestGoalChanges(goal_id=GOAL, requested_by=MANAGER, comment=" ", now=NOW), "comment"
        )
        == "What should change must not be blank"
    )
    assert (
        said(PROPOSED, reach("ms_1", FEB_10), "goal_id")
        == "The goal is not agreed yet: the employee and the manager must both agree first"
    )
    assert (
        said(COMPLETED, reach("ms_2", FEB_10), "goal_id")
        == "The goal is completed; a closed goal cannot change"
    )
    assert (
        said(ACTIVE, HandOverGoal(goal_id=GOAL, manager_id=EMPLOYEE, now=NOW), "manager_id")
        == "An employee cannot be their own manager"
    )


def test_a_proposal_that_is_not_smart_says_what_is_missing() -> None:
    assert (
        said([], propose(terms=terms(title=" ")), "title") == "Specific: the goal's title must not be blank"
    )
    assert (
        said([], propose(terms=terms(description=" ")), "description")
        == "Specific: the description of the outcome must not be blank"
    )
    assert (
        said([], propose(terms=terms(metric=None), milestones=()), "metric")
        == "Measurable: give a metric with a baseline and a target, or at least one milestone"
    )
    assert (
        said([], propose(terms=terms(metric=GoalMetric(name=" ", baseline=0, target=4))), "metric.name")
        == "Measurable: the metric's name must not be blank"
    )
    assert (
        said(
            [], propose(terms=terms(metric=GoalMetric(name="Visuals", baseline=4, target=4))), "metric.target"
        )
        == "Measurable: the metric's target must differ from its baseline"
    )
    assert (
        said([], propose(terms=terms(due_date=NOW.date())), "due_date")
        == "Time-bound: the goal's due date must be in the future (after 2026-01-15), got 2026-01-15"
    )
    assert (
        said([], propose(terms=terms(resources_needed=(" ",))), "resources_needed[0]")
        == "A resource needed must not be blank"
    )
    assert (
        said([], propose(milestones=(plan("ms_1"), plan("ms_1"))), "milestones.milestone_id")
        == "Milestone 'ms_1' appears twice"
    )
    assert (
        said([], propose(milestones=(plan("ms_1", title=" "),)), "milestones[0].title")
        == "A milestone's title must not be blank"
    )
    assert (
        said([], propose(milestones=(plan("ms_1"), plan("ms_2", date(2026, 4, 1)))), "milestones[1].due_date")
        == "A milestone cannot be due after its goal (2026-03-31)"
    )
    assert (
        said([], propose(milestones=(plan("ms_1", date(2026, 1, 2)),)), "milestones[0].due_date")
        == "Time-bound: a milestone's due date must be in the future (after 2026-01-15), got 2026-01-02"
    )


def test_alignment_refusals_say_why() -> None:
    assert (
        said(
            ACTIVE,
            AlignGoal(
                goal_id=GOAL,
                aligned_by=MANAGER,
                alignment=Alignment(kind="parent_goal", target_id=GOAL),
                now=NOW,
            ),
            "alignment.target_id",
        )
        == "A goal cannot be its own parent"
    )
    assert (
        said(ALIGNED, AlignGoal(goal_id=GOAL, aligned_by=MANAGER, alignment=OBJECTIVE, now=NOW), "alignment")
        == "The goal is already aligned to that"
    )
    assert (
        said(ACTIVE, UnalignGoal(goal_id=GOAL, unaligned_by=MANAGER, now=NOW), "goal_id")
        == "The goal is not aligned to anything"
    )


def test_adjustment_refusals_say_why() -> None:
    assert (
        said(ACTIVE, adjust(" ", title="New"), "reason") == "The reason for the adjustment must not be blank"
    )
    assert (
        said(ACTIVE, adjust(title="Master Photoshop"), "changes")
        == "Nothing to adjust: no term differs from the goal's"
    )
    assert said(ACTIVE, adjust(title=" "), "changes.title") == "Specific: the goal's title must not be blank"
    assert (
        said(ACTIVE, adjust(description=" "), "changes.description")
        == "Specific: the description must not be blank"
    )
    assert (
        said(ACTIVE, adjust(metric=GoalMetric(name=" ", baseline=0, target=6)), "changes.metric.name")
        == "Measurable: the metric's name must not be blank"
    )
    assert (
        said(ACTIVE, adjust(resources_needed=("Licence", " ")), "changes.resources_needed[1]")
        == "A resource needed must not be blank"
    )
    assert (
        said(ACTIVE, adjust(due_date=date(2026, 1, 10)), "changes.due_date")
        == "Time-bound: the goal's due date must be in the future (after 2026-01-15), got 2026-01-10"
    )
    assert (
        said(ACTIVE, adjust(due_date=date(2026, 3, 1)), "changes.due_date")
        == "Milestone 'ms_2' is due after the new due date; reschedule it first"
    )


def test_milestone_refusals_say_why() -> None:
    assert said(ACTIVE, reach("ms_9", FEB_10), "milestone_id") == "The goal has no milestone 'ms_9'"
    assert (
        said(REACHED, reach("ms_1", FEB_10), "milestone_id")
        == "Milestone 'ms_1' was already reached on 2026-02-10"
    )
    assert said(ACTIVE, add("ms_1"), "milestone.milestone_id") == "Milestone 'ms_1' already exists"
    assert said(ACTIVE, add(title=" "), "milestone.title") == "A milestone's title must not be blank"
    assert (
        said(ACTIVE, add(due=date(2026, 4, 2)), "milestone.due_date")
        == "A milestone cannot be due after its goal (2026-03-31)"
    )
    assert said(ACTIVE, reschedule(reason=" "), "reason") == "The reason for rescheduling must not be blank"
    assert (
        said(ACTIVE, reschedule(due=date(2026, 2, 14)), "due_date")
        == "The milestone is already due on that date"
    )
    assert (
        said(
            ACTIVE,
            UpdateMilestoneProgress(
                goal_id=GOAL, milestone_id="ms_1", progress_percent=101, updated_by=EMPLOYEE, now=NOW
            ),
            "progress_percent",
        )
        == "Progress is a percentage from 0 to 100"
    )


def test_check_in_and_review_refusals_say_why() -> None:
    assert said(CHECKED_IN, check_in(), "check_in_id") == "Check-in 'ci_1' is already recorded"
    assert (
        said(ACTIVE, check_in(progress_summary=" "), "progress_summary")
        == "The progress made since last time must not be blank"
    )
    assert (
        said(
            ACTIVE,
            check_in(
                milestone_progress=(
                    MilestoneProgress(milestone_id="ms_1", progress_percent=5),
                    MilestoneProgress(milestone_id="ms_1", progress_percent=6),
                )
            ),
            "milestone_progress",
        )
        == "Milestone 'ms_1' appears twice"
    )
    assert said(ACTIVE, check_in(blockers=(" ",)), "blockers[0]") == "A blocker must not be blank"
    assert (
        said(ACTIVE, check_in(resources_needed=(" ",)), "resources_needed[0]")
        == "A resource needed must not be blank"
    )
    assert (
        said(ACTIVE, check_in(agreed_actions=(action(" "),)), "agreed_actions[0].action")
        == "An agreed action must not be blank"
    )
    assert (
        said(ACTIVE, check_in(agreed_actions=(action(due=date(2026, 1, 14)),)), "agreed_actions[0].due_date")
        == "An agreed action cannot be due in the past"
    )
    assert said(REVIEWED, review(KeepGoal()), "review_id") == "Review 'rev_1' is already recorded"
    assert (
        said(ACTIVE, review(KeepGoal(), summary=" "), "summary") == "The review's summary must not be blank"
    )
    assert (
        said(ACTIVE, review(ReviseGoal(reason=" ", changes=TermChanges(title="New"))), "outcome.reason")
        == "The reason for the adjustment must not be blank"
    )
    assert (
        said(ACTIVE, review(ReviseGoal(reason="Nothing really")), "outcome")
        == "An adjustment must change a term, move a milestone or add one"
    )
    assert (
        said(ACTIVE, review(AbandonGoal(reason=" ", lesson_learned="Plan smaller")), "outcome.reason")
        == "The reason for abandoning the goal must not be blank"
    )
    assert (
        said(ACTIVE, review(AbandonGoal(reason="Reorg", lesson_learned=" ")), "outcome.lesson_learned")
        == "The lesson learned must not be blank"
    )
    assert (
        said(
            ACTIVE,
            review(AbandonGoal(reason="Reorg", lesson_learned="Plan smaller", revised_goal_id=GOAL)),
            "outcome.revised_goal_id",
        )
        == "The revised goal must be another goal"
    )


def test_development_activity_refusals_say_why() -> None:
    assert said(ACTIVE, START, "activity_id") == "The goal has no activity 'act_1'"
    assert said(PLANNED, plan_activity(), "activity_id") == "Activity 'act_1' already exists"
    assert said(ACTIVE, plan_activity(title=" "), "title") == "The activity's title must not be blank"
    assert (
        said(ACTIVE, plan_activity(due_date=date(2026, 1, 1)), "due_date")
        == "The activity's due date must be in the future (after 2026-01-15), got 2026-01-01"
    )
    assert (
        said(ACTIVE, plan_activity(kind="mentoring"), "mentor_id")
        == "A mentoring activity names the person who mentors or is shadowed"
    )
    assert (
        said(ACTIVE, plan_activity(kind="mentoring", mentor_id=EMPLOYEE), "mentor_id")
        == "An employee cannot mentor themselves"
    )
    assert said(STARTED, START, "activity_id") == "Activity 'act_1' is in progress and cannot be started"
    assert said(CANCELLED, COMPLETE, "activity_id") == "Activity 'act_1' is cancelled and cannot be completed"
    assert said(DONE, cancel(), "activity_id") == "Activity 'act_1' is completed and cannot be cancelled"
    assert said(PLANNED, cancel(" "), "reason") == "The reason for cancelling must not be blank"


# --- vision, career tracks and choices, reporting lines ------------------------------------------------

STATEMENT = VisionStatement(long_term_aspirations="Lead the creative team", passions=("Photography",))


def define_vision(statement: VisionStatement = STATEMENT) -> DefineVision:
    return DefineVision(organisation_id=ORG, employee_id=EMPLOYEE, statement=statement, now=NOW)


def revise_vision(statement: VisionStatement = STATEMENT) -> ReviseVision:
    return ReviseVision(organisation_id=ORG, employee_id=EMPLOYEE, statement=statement, now=NOW)


DESIGN = Competency(competency_id="design", name="System design")
TEMPLATE = MilestoneTemplate(
    template_id="lead-review",
    title="Lead a design review",
    description="Run a review with two teams.",
    competency_ids=("design",),
    duration_days=90,
    steps=(TemplateStep(title="Shadow a review", offset_days=30),),
)
IC = TrackDefinition(
    track_id="ic", name="Individual contributor", competencies=(DESIGN,), milestone_templates=(TEMPLATE,)
)


def define_track(**changes: Any) -> DefineCareerTrack:
    return DefineCareerTrack(organisation_id=ORG, defined_by="hr_1", track=replace(IC, **changes), now=NOW)


def with_template(**changes: Any) -> DefineCareerTrack:
    return define_track(milestone_templates=(TEMPLATE.model_copy(update=changes),))


def choose(track_id: str) -> ChooseCareerTrack:
    return ChooseCareerTrack(
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        track_id=track_id,
        chosen_by=EMPLOYEE,
        offered_track_ids=frozenset({"ic"}),
        now=NOW,
    )


V, T, C = vision_decider, career_tracks_decider, career_choice_decider
TRACKS = replay(T, define_track())
WHERE = "track.milestone_templates[0]"


def test_vision_refusals_say_why() -> None:
    assert (
        said([], define_vision(VisionStatement(long_term_aspirations=" ")), "long_term_aspirations", V)
        == "Long-term aspirations must not be blank"
    )
    assert (
        said([], define_vision(replace(STATEMENT, values=("Honesty", " "))), "values[1]", V)
        == "An entry must not be blank"
    )
    assert (
        said(replay(V, define_vision()), define_vision(), "employee_id", V)
        == "The vision is already defined; revise it instead"
    )
    assert said([], revise_vision(), "employee_id", V) == "There is no vision to revise yet; define it first"
    assert said(replay(V, define_vision()), revise_vision(), "statement", V) == "The revision changes nothing"


@pytest.mark.parametrize("answers", ["passions", "strengths", "areas_to_grow", "interests", "values"])
def test_a_blank_answer_names_the_list_and_place_it_is_in(answers: str) -> None:
    statement = replace(STATEMENT, **{answers: ("Something", " ")})

    assert said([], define_vision(statement), f"{answers}[1]", V) == "An entry must not be blank"


def test_career_track_refusals_say_why() -> None:
    assert said([], define_track(name=" "), "track.name", T) == "The track's name must not be blank"
    assert (
        said([], define_track(competencies=(DESIGN, DESIGN)), "track.competencies", T)
        == "Competency 'design' appears twice"
    )
    assert (
        said([], define_track(milestone_templates=(TEMPLATE, TEMPLATE)), "track.milestone_templates", T)
        == "Template 'lead-review' appears twice"
    )
    assert said([], with_template(title=" "), f"{WHERE}.title", T) == "A template's title must not be blank"
    assert (
        said([], with_template(description=" "), f"{WHERE}.description", T)
        == "A template's outcome must not be blank"
    )
    assert (
        said([], define_track(competencies=()), f"{WHERE}.competency_ids", T)
        == "Competency 'design' is not one of the track's"
    )
    assert (
        said(
            [],
            with_template(steps=(TemplateStep(title="Late", offset_days=91),)),
            f"{WHERE}.steps[0].offset_days",
            T,
        )
        == "A step cannot be due after the template's duration"
    )
    assert (
        said(TRACKS, define_track(), "track.track_id", T)
        == "Track 'ic' is already defined; revise it instead"
    )
    assert (
        said(
            TRACKS,
            ReviseCareerTrack(
                organisation_id=ORG, defined_by="hr_1", track=replace(IC, track_id="lead"), now=NOW
            ),
            "track.track_id",
            T,
        )
        == "There is no track 'lead'"
    )
    assert (
        said(TRACKS, ReviseCareerTrack(organisation_id=ORG, defined_by="hr_1", track=IC, now=NOW), "track", T)
        == "The revision changes nothing"
    )


def test_career_choice_and_reporting_line_refusals_say_why() -> None:
    assert said([], choose("strategy"), "track_id", C) == "The organisation offers no track 'strategy'"
    assert (
        said(replay(C, choose("ic")), choose("ic"), "track_id", C)
        == "The employee already follows that track"
    )
    assert (
        said(
            [],
            ChangeReportingLine(
                organisation_id=ORG, employee_id=EMPLOYEE, manager_id=EMPLOYEE, changed_by="hr_1", now=NOW
            ),
            "manager_id",
            reporting_line_decider,
        )
        == "An employee cannot report to themselves"
    )


@pytest.mark.parametrize(
    ("track_id", "template_id", "field", "reason"),
    [
        ("lead", "lead-review", "track_id", "There is no track 'lead'"),
        ("ic", "lead-others", "template_id", "Track 'ic' has no template 'lead-others'"),
    ],
)
def test_a_goal_from_a_missing_track_or_template_says_which(
    track_id: str, template_id: str, field: str, reason: str
) -> None:
    with pytest.raises(DomainError) as raised:
        propose_from_template(
            T.fold(TRACKS),
            track_id=track_id,
            template_id=template_id,
            goal_id=GOAL,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            proposed_by=EMPLOYEE,
            now=NOW,
        )

    assert (raised.value.field, raised.value.message) == (field, reason)


# --- who may not ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "action", "reason"),
    [
        (Actor("hr_9", "org_2", hr_admin=True), "view_goals", "the subject belongs to another organisation"),
        (Actor("emp_2", ORG), "view_goals", "a colleague may not view goals"),
        (Actor("hr_1", ORG, hr_admin=True), "edit_vision", "a hr admin may not edit vision"),
        (Actor(MANAGER, ORG), "define_career_track", "a manager may not define career track"),
    ],
)
def test_a_refused_caller_is_told_why(actor: Actor, action: Any, reason: str) -> None:
    decision = authorize(actor, action, Subject(ORG, employee_id=EMPLOYEE, manager_id=MANAGER))

    assert not decision.allowed and decision.reason == reason
