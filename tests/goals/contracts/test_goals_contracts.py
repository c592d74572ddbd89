"""What integrators rely on in the goals events: types, self-contained payloads, privacy marks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from trellis_contracts import EventContract
from trellis_contracts import goals as g

NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def _schema_properties(event: type[EventContract]) -> dict[str, Any]:
    schema = event.model_json_schema()
    properties: dict[str, Any] = schema["properties"]
    return properties


@pytest.mark.parametrize("event", g.GOALS_EVENTS, ids=lambda e: e.__name__)
def test_every_goals_event_is_a_contract_of_the_goals_service_v1_or_its_protecting_v2(
    event: type[EventContract],
) -> None:
    if event.protects_personal_data:
        [plain] = [v1 for v1, v2 in g.PROTECTED_MAJORS.items() if v2 is event]
        assert plain in event.__bases__
        assert event.event_type() == f"dev.trellis.goals.{plain.__name__}.v2"
    else:
        assert EventContract in event.__bases__
        assert event.event_type() == f"dev.trellis.goals.{event.__name__}.v1"
    assert event.model_config.get("frozen") is True


def test_the_catalogue_lists_each_event_contract_of_this_module_once() -> None:
    direct = {cls for cls in EventContract.__subclasses__() if cls.__module__ == g.__name__}
    protecting = {cls for plain in direct for cls in plain.__subclasses__() if cls.__module__ == g.__name__}
    assert direct | protecting == set(g.GOALS_EVENTS)
    assert protecting == set(g.PROTECTED_MAJORS.values())
    assert len(g.GOALS_EVENTS) == len(set(g.GOALS_EVENTS))


@pytest.mark.parametrize("event", g.GOALS_EVENTS, ids=lambda e: e.__name__)
def test_every_event_names_the_employee_and_organisation(event: type[EventContract]) -> None:
    required = set(event.model_json_schema().get("required", []))
    if event is g.CareerTrackDefined or event is g.CareerTrackRevised:
        assert {"organisation_id", "track_id"} <= required
    else:
        assert {"organisation_id", "employee_id"} <= required


@pytest.mark.parametrize(
    "event",
    [e for e in g.GOALS_EVENTS if "goal_id" in e.model_fields],
    ids=lambda e: e.__name__,
)
def test_goal_events_name_the_goal(event: type[EventContract]) -> None:
    assert "goal_id" in event.model_json_schema()["required"]


@pytest.mark.parametrize(
    ("event", "needed"),
    [
        (
            g.MilestoneReached,
            {
                "goal_id",
                "employee_id",
                "manager_id",
                "milestone_id",
                "owner_id",
                "due_date",
                "reached_on",
                "title",
                "goal_title",
                "occurred_at",
            },
        ),
        (
            g.GoalCompleted,
            {
                "goal_id",
                "employee_id",
                "manager_id",
                "title",
                "due_date",
                "completed_on",
                "occurred_at",
            },
        ),
        (
            g.DevelopmentActivityCompleted,
            {"activity_id", "goal_id", "employee_id", "kind", "title", "completed_on"},
        ),
        (g.MilestoneMissed, {"goal_id", "milestone_id", "owner_id", "due_date"}),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
def test_events_downstream_systems_react_to_are_self_contained(
    event: type[EventContract], needed: set[str]
) -> None:
    assert needed <= set(event.model_json_schema()["required"])


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (g.MilestoneReached, "title"),
        (g.MilestoneReached, "goal_title"),
        (g.GoalAbandoned, "lesson_learned"),
        (g.GoalAdjusted, "reason"),
        (g.CheckInRecorded, "progress_summary"),
        (g.CheckInRecorded, "blockers"),
        (g.VisionDefined, "long_term_aspirations"),
        (g.VisionRevised, "values"),
    ],
)
def test_free_text_about_people_is_marked_personal_data(event: type[EventContract], field: str) -> None:
    assert _schema_properties(event)[field]["x-personal-data"] is True


@pytest.mark.parametrize("event", g.GOALS_EVENTS, ids=lambda e: e.__name__)
def test_ids_are_not_marked_personal_data(event: type[EventContract]) -> None:
    for name, prop in _schema_properties(event).items():
        if name.endswith("_id"):
            assert "x-personal-data" not in prop, name


@pytest.mark.parametrize("bad_id", ["ada.lovelace@example.com", "Ada Lovelace", ""])
def test_people_are_named_by_opaque_ids_never_by_name_or_email(bad_id: str) -> None:
    with pytest.raises(ValidationError) as error:
        g.CareerTrackChosen(
            organisation_id="org_1",
            employee_id=bad_id,
            track_id="ic",
            chosen_by="emp_1",
            occurred_at=NOW,
        )
    assert error.value.errors()[0]["loc"] == ("employee_id",)


def test_an_event_needs_a_timezone_aware_time() -> None:
    with pytest.raises(ValidationError):
        g.CareerTrackChosen(
            organisation_id="org_1",
            employee_id="emp_1",
            track_id="ic",
            chosen_by="emp_1",
            occurred_at=datetime(2026, 1, 15, 9, 30),
        )


def test_a_milestone_reached_event_round_trips_through_json() -> None:
    event = g.MilestoneReached(
        goal_id="goal_1",
        organisation_id="org_1",
        employee_id="emp_1",
        manager_id="emp_9",
        milestone_id="ms_1",
        owner_id="emp_1",
        due_date=date(2026, 2, 14),
        title="Finish the course",
        goal_title="Master Photoshop",
        reached_on=date(2026, 2, 10),
        on_time=True,
        recorded_by="emp_1",
        occurred_at=NOW,
    )
    assert g.MilestoneReached.model_validate_json(event.model_dump_json()) == event


def test_a_consumer_ignores_fields_added_by_a_newer_minor_version() -> None:
    payload = {
        "organisation_id": "org_1",
        "employee_id": "emp_1",
        "track_id": "ic",
        "chosen_by": "emp_1",
        "occurred_at": NOW.isoformat(),
        "added_later": "x",
    }
    assert g.CareerTrackChosen.model_validate(payload).track_id == "ic"


def test_progress_is_a_percentage() -> None:
    with pytest.raises(ValidationError):
        g.MilestoneProgress(milestone_id="ms_1", progress_percent=101)
