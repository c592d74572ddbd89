"""How a rule's field conditions judge a triggering event's values, each on its accepting side
and just past it, and what a trigger is read from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from trellis_contracts.reward_policy import FieldCondition
from trellis_recognition.domain.triggers import condition_holds, triggering_event

MILESTONE_REACHED = "dev.trellis.goals.MilestoneReached.v1"


def holds(condition: dict[str, Any], value: Any) -> bool:
    return condition_holds(FieldCondition.model_validate(condition), value)


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        ({"not_equals": "peer"}, "manager", True),
        ({"not_equals": "peer"}, "peer", False),
        ({"not_in": ["peer", "mentor"]}, "manager", True),
        ({"not_in": ["peer", "mentor"]}, "mentor", False),
        ({"at_least": 0}, 0, True),
        ({"at_least": 0}, -1, False),
        ({"at_least": 3}, 3, True),
        ({"at_most": 5}, 5, True),
        ({"at_most": 5}, 6, False),
        ({"at_most": 0}, 0, True),
        ({"at_most": 0}, 1, False),
        ({"at_most": 5}, "5", False),
        ({"contains": "launch"}, ["demo", "launch"], True),
        ({"contains": "launch"}, ["demo"], False),
        ({"contains": "l"}, "launch", False),
    ],
)
def test_a_condition_holds_exactly_when_its_test_does(
    condition: dict[str, Any], value: Any, expected: bool
) -> None:
    assert holds(condition, value) is expected


def payload(**fields: Any) -> dict[str, Any]:
    return {
        "organisation_id": "org_1",
        "employee_id": "emp_1",
        "goal_id": "goal_1",
        "milestone_id": "ms_1",
        "occurred_at": "2026-05-04T12:00:00+00:00",
        **fields,
    }


def test_a_trigger_is_read_from_a_decoded_moment_as_from_its_text() -> None:
    moment = datetime(2026, 5, 4, 12, tzinfo=UTC)
    decoded = triggering_event("e1", MILESTONE_REACHED, payload(occurred_at=moment))
    assert decoded is not None and decoded.occurred_at == moment
    assert triggering_event("e1", MILESTONE_REACHED, payload(occurred_at=datetime(2026, 5, 4, 12))) is None


def test_a_goal_or_milestone_that_is_not_text_names_none() -> None:
    found = triggering_event("e1", MILESTONE_REACHED, payload(goal_id=7, milestone_id=["ms_1"]))
    assert found is not None and (found.goal_id, found.milestone_id) == (None, None)
