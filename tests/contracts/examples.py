"""Example payloads of every event: the models' own examples, plus goals events written here
(the goals module carries no model-level examples)."""

from __future__ import annotations

import copy
from typing import Any

from trellis_contracts.base import EventContract
from trellis_contracts.catalogue import CATALOGUE
from trellis_contracts.personal import personal_values
from trellis_contracts.protected import seal
from trellis_contracts.schemas import EXAMPLE_KEY, EXAMPLE_KEY_ID

GOALS_EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "dev.trellis.goals.MilestoneReached.v1": [
        {
            "goal_id": "goal_5b12",
            "organisation_id": "org_7f3a",
            "employee_id": "emp_2c91",
            "manager_id": "emp_88d0",
            "milestone_id": "ms_01",
            "owner_id": "emp_2c91",
            "due_date": "2026-02-14",
            "occurred_at": "2026-02-10T16:00:00Z",
            "title": "Complete the online Photoshop course",
            "goal_title": "Master Photoshop",
            "reached_on": "2026-02-10",
            "on_time": True,
            "recorded_by": "emp_88d0",
        }
    ],
    "dev.trellis.goals.DevelopmentActivityCompleted.v1": [
        {
            "activity_id": "act_03",
            "goal_id": "goal_5b12",
            "organisation_id": "org_7f3a",
            "employee_id": "emp_2c91",
            "kind": "training",
            "occurred_at": "2026-02-09T12:00:00Z",
            "title": "Adobe Photoshop fundamentals",
            "completed_on": "2026-02-09",
            "completed_by": "emp_2c91",
        }
    ],
    "dev.trellis.goals.CareerTrackChosen.v1": [
        {
            "organisation_id": "org_7f3a",
            "employee_id": "emp_2c91",
            "track_id": "leadership",
            "previous_track_id": "ic",
            "chosen_by": "emp_88d0",
            "occurred_at": "2026-01-20T10:00:00Z",
        }
    ],
}


def examples_of(contract: type[EventContract]) -> list[dict[str, Any]]:
    own: list[dict[str, Any]] = contract.model_json_schema().get("examples", [])
    return own + GOALS_EXAMPLES.get(contract.event_type(), [])


def all_examples() -> list[tuple[str, dict[str, Any]]]:
    """(event type, payload) for every example of every event in the catalogue."""
    return [
        (event_type, payload)
        for event_type, contract in CATALOGUE.items()
        for payload in examples_of(contract)
    ]


def on_the_wire(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as it travels: its personal fields sealed (with the example key) when the
    event's contract protects them."""
    contract = CATALOGUE[event_type]
    if not contract.protects_personal_data:
        return payload
    sealed = copy.deepcopy(payload)
    for personal in personal_values(contract, sealed):
        personal.replace(seal(personal.value, key=EXAMPLE_KEY, key_id=EXAMPLE_KEY_ID))
    return sealed
