"""Vision and values, career tracks per organisation, an employee's track, reporting lines."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from tests.goals.domain.builders import EMPLOYEE, MANAGER, NOW, ORG, later
from trellis_contracts.goals import (
    CareerTrackChosen,
    CareerTrackDefined,
    CareerTrackRevised,
    Competency,
    GoalProposed,
    MilestoneTemplate,
    ReportingLineChanged,
    TemplateStep,
    VisionDefinedV2,
    VisionRevised,
)
from trellis_goals.domain.career_choice import ChooseCareerTrack, career_choice_decider
from trellis_goals.domain.career_tracks import (
    DefineCareerTrack,
    ReviseCareerTrack,
    TrackDefinition,
    career_tracks_decider,
    propose_from_template,
)
from trellis_goals.domain.goal import goal_decider
from trellis_goals.domain.reporting_line import ChangeReportingLine, reporting_line_decider
from trellis_goals.domain.vision import (
    DefineVision,
    RecordVision,
    ReviseVision,
    VisionStatement,
    vision_decider,
)
from trellis_kernel.decider import DomainError
from trellis_kernel.testing import given, replay

HR = "hr_1"

STATEMENT = VisionStatement(
    passions=("Visual storytelling",),
    strengths=("Attention to detail",),
    areas_to_grow=("Public speaking",),
    interests=("Photography",),
    values=("Honesty",),
    long_term_aspirations="Lead the creative team within three years",
)


def define_vision(statement: VisionStatement = STATEMENT) -> DefineVision:
    return DefineVision(organisation_id=ORG, employee_id=EMPLOYEE, statement=statement, now=NOW)


def revise_vision(statement: VisionStatement) -> ReviseVision:
    return ReviseVision(organisation_id=ORG, employee_id=EMPLOYEE, statement=statement, now=later(30))


# --- vision ----------------------------------------------------------------------------------------


def test_an_employee_defines_their_vision_and_values() -> None:
    assert given(vision_decider).when(define_vision()) == [
        VisionDefinedV2(
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            revision=1,
            passions=("Visual storytelling",),
            strengths=("Attention to detail",),
            areas_to_grow=("Public speaking",),
            interests=("Photography",),
            values=("Honesty",),
            long_term_aspirations="Lead the creative team within three years",
            occurred_at=NOW,
        )
    ]


def test_a_revision_keeps_the_earlier_statements() -> None:
    revised = replace(STATEMENT, long_term_aspirations="Move into product design")
    history = replay(vision_decider, define_vision(), revise_vision(revised))
    assert isinstance(history[1], VisionRevised) and history[1].revision == 2
    vision = vision_decider.fold(history)
    assert vision is not None
    assert [v.statement for v in vision.history] == [STATEMENT, revised]
    assert [v.recorded_at for v in vision.history] == [NOW, later(30)]
    assert vision.current.revision == 2


def test_recording_a_vision_defines_it_first_and_revises_it_after() -> None:
    def record(statement: VisionStatement) -> RecordVision:
        return RecordVision(organisation_id=ORG, employee_id=EMPLOYEE, statement=statement, now=NOW)

    revised = replace(STATEMENT, long_term_aspirations="Move into product design")
    assert given(vision_decider).when(record(STATEMENT)) == given(vision_decider).when(define_vision())
    history = replay(vision_decider, record(STATEMENT))
    [event] = given(vision_decider, *history).when(record(revised))
    assert isinstance(event, VisionRevised)
    assert (event.revision, event.long_term_aspirations, event.occurred_at) == (2, "Move into product design", NOW)
    given(vision_decider, *history).when_rejected(record(STATEMENT), field="statement", match="changes nothing")
    given(vision_decider).when_rejected(
        record(replace(STATEMENT, long_term_aspirations=" ")), field="long_term_aspirations"
    )


def test_vision_rules() -> None:
    given(vision_decider).when_rejected(
        define_vision(replace(STATEMENT, long_term_aspirations=" ")),
        field="long_term_aspirations",
    )
    given(vision_decider).when_rejected(
        define_vision(replace(STATEMENT, values=("Honesty", " "))), field="values[1]"
    )
    given(vision_decider).when_rejected(revise_vision(STATEMENT), field="employee_id", match="define")
    history = replay(vision_decider, define_vision())
    given(vision_decider, *history).when_rejected(define_vision(), field="employee_id", match="revise")
    given(vision_decider, *history).when_rejected(revise_vision(STATEMENT), field="statement")


# --- career tracks ------------------------------------------------------------------------------------

DESIGN = Competency(competency_id="design", name="System design")
TEMPLATE = MilestoneTemplate(
    template_id="lead-review",
    title="Lead a cross-team design review",
    description="Run a design review with two other teams and publish the decision.",
    competency_ids=("design",),
    duration_days=90,
    steps=(
        TemplateStep(title="Shadow a review", offset_days=30),
        TemplateStep(title="Co-lead a review", offset_days=60),
    ),
)
IC = TrackDefinition(
    track_id="ic",
    name="Individual contributor",
    competencies=(DESIGN,),
    milestone_templates=(TEMPLATE,),
)
LEADERSHIP = TrackDefinition(track_id="leadership", name="People leadership")


def define_track(track: TrackDefinition = IC) -> DefineCareerTrack:
    return DefineCareerTrack(organisation_id=ORG, defined_by=HR, track=track, now=NOW)


def test_an_organisation_defines_parallel_career_tracks() -> None:
    history = replay(career_tracks_decider, define_track(IC), define_track(LEADERSHIP))
    assert history[0] == CareerTrackDefined(
        organisation_id=ORG,
        track_id="ic",
        revision=1,
        name="Individual contributor",
        competencies=(DESIGN,),
        milestone_templates=(TEMPLATE,),
        defined_by=HR,
        occurred_at=NOW,
    )
    assert career_tracks_decider.fold(history).track_ids() == {"ic", "leadership"}


def test_a_track_is_revised_with_a_new_revision_number() -> None:
    history = replay(career_tracks_decider, define_track())
    renamed = replace(IC, name="Technical mastery")
    revise = ReviseCareerTrack(organisation_id=ORG, defined_by=HR, track=renamed, now=NOW)
    [event] = given(career_tracks_decider, *history).when(revise)
    assert isinstance(event, CareerTrackRevised) and event.revision == 2
    catalogue = career_tracks_decider.fold([*history, event])
    assert catalogue.tracks["ic"].definition.name == "Technical mastery"
    given(career_tracks_decider, *history).when_rejected(
        replace(revise, track=IC), field="track", match="changes nothing"
    )


@pytest.mark.parametrize(
    ("track", "field"),
    [
        (replace(IC, name=" "), "track.name"),
        (replace(IC, competencies=(DESIGN, DESIGN)), "track.competencies"),
        (replace(IC, milestone_templates=(TEMPLATE, TEMPLATE)), "track.milestone_templates"),
        (
            replace(IC, competencies=()),
            "track.milestone_templates[0].competency_ids",
        ),
        (
            replace(
                IC,
                milestone_templates=(
                    TEMPLATE.model_copy(update={"steps": (TemplateStep(title="Late", offset_days=91),)}),
                ),
            ),
            "track.milestone_templates[0].steps[0].offset_days",
        ),
    ],
    ids=["name", "competency-twice", "template-twice", "unknown-competency", "step-after-end"],
)
def test_track_definition_rules(track: TrackDefinition, field: str) -> None:
    given(career_tracks_decider).when_rejected(define_track(track), field=field)


def test_tracks_are_defined_once_and_revised_only_when_they_exist() -> None:
    history = replay(career_tracks_decider, define_track())
    given(career_tracks_decider, *history).when_rejected(define_track(), field="track.track_id")
    revise = ReviseCareerTrack(organisation_id=ORG, defined_by=HR, track=LEADERSHIP, now=NOW)
    given(career_tracks_decider, *history).when_rejected(revise, field="track.track_id")
    other_org = replace(define_track(LEADERSHIP), organisation_id="org_2")
    given(career_tracks_decider, *history).when_rejected(other_org, field="organisation_id")


def test_a_goal_created_from_a_track_template_is_proposed_and_agreed_like_any_other() -> None:
    catalogue = career_tracks_decider.fold(replay(career_tracks_decider, define_track()))
    command = propose_from_template(
        catalogue,
        track_id="ic",
        template_id="lead-review",
        goal_id="goal_7",
        employee_id=EMPLOYEE,
        manager_id=MANAGER,
        proposed_by=MANAGER,
        now=NOW,
    )
    [proposed] = given(goal_decider).when(command)
    assert isinstance(proposed, GoalProposed)
    assert (proposed.career_track_id, proposed.template_id) == ("ic", "lead-review")
    assert proposed.terms.title == "Lead a cross-team design review"
    assert proposed.terms.due_date == NOW.date() + timedelta(days=90)
    assert [(m.title, m.due_date, m.owner_id) for m in proposed.milestones] == [
        ("Shadow a review", date(2026, 2, 14), EMPLOYEE),
        ("Co-lead a review", date(2026, 3, 16), EMPLOYEE),
    ]


def test_a_template_must_exist_to_create_a_goal_from_it() -> None:
    catalogue = career_tracks_decider.fold(replay(career_tracks_decider, define_track()))
    for track_id, template_id, field in [("nope", "lead-review", "track_id"), ("ic", "nope", "template_id")]:
        with pytest.raises(DomainError) as raised:
            propose_from_template(
                catalogue,
                track_id=track_id,
                template_id=template_id,
                goal_id="goal_7",
                employee_id=EMPLOYEE,
                manager_id=MANAGER,
                proposed_by=MANAGER,
                now=NOW,
            )
        assert raised.value.field == field


# --- the employee's track -------------------------------------------------------------------------------


def choose(track_id: str) -> ChooseCareerTrack:
    return ChooseCareerTrack(
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        track_id=track_id,
        chosen_by=EMPLOYEE,
        offered_track_ids=frozenset({"ic", "leadership"}),
        now=NOW,
    )


def test_an_employee_chooses_then_switches_track() -> None:
    history = replay(career_choice_decider, choose("ic"))
    assert history == [
        CareerTrackChosen(
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            track_id="ic",
            chosen_by=EMPLOYEE,
            occurred_at=NOW,
        )
    ]
    [switched] = given(career_choice_decider, *history).when(choose("leadership"))
    assert isinstance(switched, CareerTrackChosen)
    assert (switched.previous_track_id, switched.track_id) == ("ic", "leadership")


def test_only_offered_tracks_can_be_chosen_and_not_twice_in_a_row() -> None:
    given(career_choice_decider).when_rejected(choose("strategy"), field="track_id", match="offers")
    history = replay(career_choice_decider, choose("ic"))
    given(career_choice_decider, *history).when_rejected(choose("ic"), field="track_id")


# --- reporting lines ---------------------------------------------------------------------------------------


def change_manager(manager_id: str | None) -> ChangeReportingLine:
    return ChangeReportingLine(
        organisation_id=ORG, employee_id=EMPLOYEE, manager_id=manager_id, changed_by=HR, now=NOW
    )


def test_reporting_lines_change_and_keep_the_previous_manager() -> None:
    history = replay(reporting_line_decider, change_manager(MANAGER))
    [moved] = given(reporting_line_decider, *history).when(change_manager("mgr_2"))
    assert moved == ReportingLineChanged(
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        manager_id="mgr_2",
        previous_manager_id=MANAGER,
        changed_by=HR,
        occurred_at=NOW,
    )
    [removed] = given(reporting_line_decider, *history, moved).when(change_manager(None))
    assert isinstance(removed, ReportingLineChanged) and removed.manager_id is None


def test_resending_the_same_reporting_line_records_nothing() -> None:
    history = replay(reporting_line_decider, change_manager(MANAGER))
    assert given(reporting_line_decider, *history).when(change_manager(MANAGER)) == []


def test_nobody_reports_to_themselves() -> None:
    given(reporting_line_decider).when_rejected(change_manager(EMPLOYEE), field="manager_id")
