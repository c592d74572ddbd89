"""What the employee's vision, chosen track and reporting line remember after their events,
and how an allowed caller stands to the employee."""

from __future__ import annotations

from tests.goals.domain.builders import EMPLOYEE, MANAGER, NOW, ORG, later
from trellis_goals.domain.authorization import Actor, Subject, authorize
from trellis_goals.domain.career_choice import CareerChoice, ChooseCareerTrack, career_choice_decider
from trellis_goals.domain.reporting_line import ChangeReportingLine, ReportingLine, reporting_line_decider
from trellis_goals.domain.vision import (
    DefineVision,
    ReviseVision,
    StatementVersion,
    Vision,
    VisionStatement,
    vision_decider,
)
from trellis_kernel.testing import given, replay

FIRST = VisionStatement(long_term_aspirations="Lead the creative team within three years")
SECOND = VisionStatement(
    long_term_aspirations="Lead the creative team within two years", strengths=("Attention to detail",)
)


def test_a_vision_remembers_whose_it_is_and_every_revision() -> None:
    history = replay(
        vision_decider,
        DefineVision(organisation_id=ORG, employee_id=EMPLOYEE, statement=FIRST, now=NOW),
        ReviseVision(organisation_id=ORG, employee_id=EMPLOYEE, statement=SECOND, now=later(30)),
    )

    assert given(vision_decider, *history).then_state() == Vision(
        ORG,
        EMPLOYEE,
        (StatementVersion(1, FIRST, NOW), StatementVersion(2, SECOND, later(30))),
    )


def test_a_career_choice_remembers_whose_it_is_and_the_track() -> None:
    choose = ChooseCareerTrack(
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        track_id="ic",
        chosen_by=EMPLOYEE,
        offered_track_ids=frozenset({"ic"}),
        now=NOW,
    )

    state = given(career_choice_decider, *replay(career_choice_decider, choose)).then_state()

    assert state == CareerChoice(ORG, EMPLOYEE, "ic")


def test_a_reporting_line_remembers_whose_it_is_and_the_manager() -> None:
    change = ChangeReportingLine(
        organisation_id=ORG, employee_id=EMPLOYEE, manager_id=MANAGER, changed_by="hr_1", now=NOW
    )

    state = given(reporting_line_decider, *replay(reporting_line_decider, change)).then_state()

    assert state == ReportingLine(ORG, EMPLOYEE, MANAGER)


def test_an_allowed_decision_names_the_relationship_that_allowed_it() -> None:
    subject = Subject(ORG, employee_id=EMPLOYEE, manager_id=MANAGER)

    as_manager = authorize(Actor(MANAGER, ORG), "review_goal", subject)
    as_hr = authorize(Actor("hr_1", ORG, hr_admin=True), "change_reporting_line", subject)

    assert (as_manager.allowed, as_manager.relationship) == (True, "manager")
    assert (as_hr.allowed, as_hr.relationship) == (True, "hr_admin")
