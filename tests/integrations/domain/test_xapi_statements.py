"""The statements made of learning events: actor, verb, activities, and a stable id."""

from __future__ import annotations

import json
import uuid
from typing import ClassVar

import pytest

from tests.integrations.events import activity_completed, assignment, goal_completed, milestone_reached
from trellis_contracts import goals as g
from trellis_contracts.catalogue import contract_for
from trellis_contracts.goals import MilestoneReached
from trellis_contracts.personal import ERASED, personal_values
from trellis_contracts.protected import seal
from trellis_integrations.domain import xapi
from trellis_integrations.domain.xapi import NotAStatement, statement, statement_id

HOME = "https://people.example.com"


def made(event: object, event_id: str = "0b7c9a64-5a43-4a8e-9f07-4f7f3c0d2f11") -> dict[str, object]:
    data = event.model_dump(mode="json")  # type: ignore[attr-defined]
    return statement(type(event).event_type(), event_id, "2026-03-02T09:00:00Z", data, home_page=HOME)  # type: ignore[attr-defined]


def test_a_milestone_reached_is_the_employee_completing_the_milestone_of_their_goal() -> None:
    s = made(milestone_reached("org_1", "goal_7", "ms_2", "emp_9"))
    assert s["actor"] == {"objectType": "Agent", "account": {"homePage": HOME, "name": "emp_9"}}
    assert s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"  # type: ignore[index]
    assert s["object"]["id"] == "https://trellis.dev/xapi/organisations/org_1/goals/goal_7/milestones/ms_2"  # type: ignore[index]
    assert s["object"]["definition"]["name"] == {"und": "Step ms_2"}  # type: ignore[index]
    parent = s["context"]["contextActivities"]["parent"][0]  # type: ignore[index]
    assert parent["id"].endswith("/goals/goal_7") and parent["definition"]["name"] == {
        "und": "Master Photoshop"
    }
    assert s["timestamp"] == "2026-03-02T09:00:00Z"


def test_goals_activities_and_assignments_have_their_own_activities_and_verbs() -> None:
    assert made(goal_completed("org_1", "goal_7"))["object"]["definition"]["name"] == {
        "und": "Master Photoshop"
    }  # type: ignore[index]
    done = made(activity_completed("org_1", "goal_7", "act_3"))
    assert done["object"]["id"].endswith("/goals/goal_7/activities/act_3")  # type: ignore[index]
    assigned = made(assignment("org_1", "asg_1"))
    assert assigned["verb"]["id"] == "http://adlnet.gov/expapi/verbs/registered"  # type: ignore[index]
    assert assigned["object"]["id"] == "https://lms.example.com/xapi/activities/photoshop-101"  # type: ignore[index]


def test_the_statement_id_is_a_name_based_uuid_of_the_event_id() -> None:
    event_id = "0b7c9a64-5a43-4a8e-9f07-4f7f3c0d2f11"
    first = made(milestone_reached("org_1", "g", "m"), event_id)
    again = made(milestone_reached("org_1", "g", "m"), event_id)
    assert first == again
    assert first["id"] == str(statement_id(event_id))
    assert uuid.UUID(str(first["id"])).version == 5
    assert made(milestone_reached("org_1", "g", "m"), str(uuid.uuid4()))["id"] != first["id"]


def test_other_events_make_no_statement() -> None:
    with pytest.raises(NotAStatement):
        statement(
            "dev.trellis.goals.GoalProposed.v1",
            "x",
            "2026-01-01T00:00:00Z",
            {"organisation_id": "o"},
            home_page=HOME,
        )


class MilestoneReachedSealed(MilestoneReached):
    """A later major of MilestoneReached that protects its titles (as the goals service's do)."""

    major: ClassVar[int] = 99
    protects_personal_data: ClassVar[bool] = True


def test_a_protected_or_erased_title_never_reaches_the_lrs_the_activity_is_named_by_its_kind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    event = milestone_reached("org_1", "goal_7", "ms_2", "emp_9")
    sealed = event.model_dump(mode="json")
    for personal in personal_values(MilestoneReachedSealed, sealed):
        personal.replace(seal(personal.value, key=bytes(32), key_id="dk_goals"))
    known = {MilestoneReachedSealed.event_type(): MilestoneReachedSealed}
    monkeypatch.setattr(xapi, "contract_for", lambda t: known.get(t) or contract_for(t))

    protected = statement(
        MilestoneReachedSealed.event_type(), "e1", "2026-03-02T09:00:00Z", sealed, home_page=HOME
    )
    erased = made(event.model_copy(update={"title": ERASED, "goal_title": ERASED}))
    for s in (protected, erased):
        assert s["object"]["definition"]["name"] == {"en-US": "Milestone"}  # type: ignore[index]
        assert s["object"]["id"].endswith("/goals/goal_7/milestones/ms_2")  # type: ignore[index]
        parent = s["context"]["contextActivities"]["parent"][0]  # type: ignore[index]
        assert parent["definition"]["name"] == {"en-US": "Goal"}
        assert "Photoshop" not in json.dumps(s) and "Step ms_2" not in json.dumps(s)
    assert protected["actor"] == erased["actor"] and protected["verb"] == erased["verb"]


def test_the_protecting_majors_make_the_same_statements_without_keys() -> None:
    """Version 2 of the goals events carries the employee's texts sealed with a key this service
    does not have: the statement is the same but for those texts."""
    for plain in (
        milestone_reached("org_1", "goal_7", "ms_2", "emp_9"),
        goal_completed("org_1", "goal_7"),
        activity_completed("org_1", "goal_7", "act_3"),
    ):
        protecting = g.PROTECTED_MAJORS[type(plain)]
        data = plain.model_dump(mode="json")
        for personal in personal_values(protecting, data):
            personal.replace(seal(personal.value, key=bytes(32), key_id="dk_emp9"))
        sealed = statement(protecting.event_type(), "0b7c9a64-5a43-4a8e-9f07-4f7f3c0d2f11", "2026-03-02T09:00:00Z",
                           data, home_page=HOME)  # fmt: skip
        clear = made(plain)
        assert sealed["id"] == clear["id"] and sealed["actor"] == clear["actor"]
        assert sealed["object"]["id"] == clear["object"]["id"]  # type: ignore[index]
        assert "Master Photoshop" not in str(sealed)
