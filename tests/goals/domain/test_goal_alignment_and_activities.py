"""Alignment that can be re-linked without losing history, and development activities."""

from __future__ import annotations

from datetime import date

import pytest

from tests.goals.domain.builders import (
    EMPLOYEE,
    GOAL,
    MANAGER,
    NOW,
    ORG,
    agree,
    propose,
    review,
)
from trellis_contracts.goals import (
    Alignment,
    DevelopmentActivityCancelled,
    DevelopmentActivityCompletedV2,
    DevelopmentActivityPlannedV2,
    DevelopmentActivityStarted,
    GoalAligned,
    GoalUnaligned,
)
from trellis_goals.domain.goal import goal_decider
from trellis_goals.domain.goal.commands import (
    AlignGoal,
    CancelDevelopmentActivity,
    CompleteDevelopmentActivity,
    CompleteGoal,
    PlanDevelopmentActivity,
    StartDevelopmentActivity,
    UnalignGoal,
)
from trellis_goals.domain.goal.state import GoalEvent
from trellis_kernel.testing import given, replay

OBJECTIVE = Alignment(kind="organisational_objective", target_id="okr_growth")
PARENT = Alignment(kind="parent_goal", target_id="goal_team")


def active() -> list[GoalEvent]:
    return replay(goal_decider, propose(), agree())


def align(to: Alignment) -> AlignGoal:
    return AlignGoal(goal_id=GOAL, aligned_by=MANAGER, alignment=to, now=NOW)


def test_a_goal_is_aligned_to_an_organisational_objective() -> None:
    assert given(goal_decider, *active()).when(align(OBJECTIVE)) == [
        GoalAligned(
            goal_id=GOAL,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            aligned_by=MANAGER,
            alignment=OBJECTIVE,
            occurred_at=NOW,
        )
    ]


def test_re_aligning_keeps_what_it_was_aligned_to_before() -> None:
    history = replay(goal_decider, align(OBJECTIVE), history=active())
    [event] = given(goal_decider, *history).when(align(PARENT))
    assert isinstance(event, GoalAligned)
    assert (event.alignment, event.previous_alignment) == (PARENT, OBJECTIVE)
    history = [*history, event]
    aligned = [e for e in history if isinstance(e, GoalAligned)]
    assert [e.alignment for e in aligned] == [OBJECTIVE, PARENT]


def test_a_proposed_goal_may_already_be_aligned() -> None:
    proposed = replay(goal_decider, propose())
    [event] = given(goal_decider, *proposed).when(align(OBJECTIVE))
    assert isinstance(event, GoalAligned)


def test_alignment_rules() -> None:
    history = replay(goal_decider, align(OBJECTIVE), history=active())
    given(goal_decider, *history).when_rejected(align(OBJECTIVE), field="alignment", match="already")
    own = Alignment(kind="parent_goal", target_id=GOAL)
    given(goal_decider, *history).when_rejected(align(own), field="alignment.target_id")
    closed = replay(goal_decider, review(CompleteGoal()), history=history)
    given(goal_decider, *closed).when_rejected(align(PARENT), field="goal_id", match="closed")


def test_unaligning_names_what_the_goal_was_aligned_to() -> None:
    unalign = UnalignGoal(goal_id=GOAL, unaligned_by=MANAGER, reason="Objective dropped", now=NOW)
    given(goal_decider, *active()).when_rejected(unalign, field="goal_id", match="not aligned")
    history = replay(goal_decider, align(OBJECTIVE), history=active())
    [event] = given(goal_decider, *history).when(unalign)
    assert isinstance(event, GoalUnaligned) and event.previous_alignment == OBJECTIVE
    state = goal_decider.fold([*history, event])
    assert state is not None and state.alignment is None


# --- development activities ---------------------------------------------------------------------


def plan_activity(**overrides: object) -> PlanDevelopmentActivity:
    values: dict[str, object] = {
        "goal_id": GOAL,
        "activity_id": "act_1",
        "kind": "training",
        "title": "Photoshop fundamentals",
        "due_date": date(2026, 2, 1),
        "planned_by": MANAGER,
        "now": NOW,
    }
    values.update(overrides)
    return PlanDevelopmentActivity(**values)  # type: ignore[arg-type]


def start() -> StartDevelopmentActivity:
    return StartDevelopmentActivity(goal_id=GOAL, activity_id="act_1", started_by=EMPLOYEE, now=NOW)


def complete() -> CompleteDevelopmentActivity:
    return CompleteDevelopmentActivity(
        goal_id=GOAL, activity_id="act_1", completed_by=EMPLOYEE, reflection="Layers!", now=NOW
    )


def cancel(reason: str = "Course cancelled") -> CancelDevelopmentActivity:
    return CancelDevelopmentActivity(
        goal_id=GOAL, activity_id="act_1", cancelled_by=MANAGER, reason=reason, now=NOW
    )


@pytest.mark.parametrize(
    "kind", ["training", "mentoring", "shadowing", "stretch_assignment", "project_rotation"]
)
def test_each_kind_of_development_activity_can_be_planned(kind: str) -> None:
    [event] = given(goal_decider, *active()).when(plan_activity(kind=kind, mentor_id="emp_5"))
    assert event == DevelopmentActivityPlannedV2(
        activity_id="act_1",
        goal_id=GOAL,
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        kind=kind,
        title="Photoshop fundamentals",
        mentor_id="emp_5",
        due_date=date(2026, 2, 1),
        planned_by=MANAGER,
        occurred_at=NOW,
    )


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (plan_activity(kind="mentoring"), "mentor_id"),
        (plan_activity(kind="shadowing"), "mentor_id"),
        (plan_activity(kind="mentoring", mentor_id=EMPLOYEE), "mentor_id"),
        (plan_activity(title=" "), "title"),
        (plan_activity(due_date=date(2026, 1, 1)), "due_date"),
    ],
    ids=["mentoring-needs-mentor", "shadowing-needs-person", "self-mentor", "title", "past"],
)
def test_planning_rules(command: PlanDevelopmentActivity, field: str) -> None:
    given(goal_decider, *active()).when_rejected(command, field=field)


def test_activities_wait_for_an_agreed_goal_and_ids_are_unique() -> None:
    given(goal_decider, *replay(goal_decider, propose())).when_rejected(plan_activity(), field="goal_id")
    history = replay(goal_decider, plan_activity(), history=active())
    given(goal_decider, *history).when_rejected(plan_activity(), field="activity_id")


def test_an_activity_goes_from_planned_to_in_progress_to_completed() -> None:
    history = replay(goal_decider, plan_activity(), history=active())
    [started] = given(goal_decider, *history).when(start())
    assert isinstance(started, DevelopmentActivityStarted) and started.kind == "training"
    history = [*history, started]
    given(goal_decider, *history).when_rejected(start(), field="activity_id", match="in progress")
    [completed] = given(goal_decider, *history).when(complete())
    assert completed == DevelopmentActivityCompletedV2(
        activity_id="act_1",
        goal_id=GOAL,
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        kind="training",
        title="Photoshop fundamentals",
        completed_on=NOW.date(),
        reflection="Layers!",
        completed_by=EMPLOYEE,
        occurred_at=NOW,
    )
    history = [*history, completed]
    given(goal_decider, *history).when_rejected(cancel(), field="activity_id", match="completed")
    given(goal_decider, *history).when_rejected(complete(), field="activity_id")


def test_a_cancelled_activity_says_why_and_is_not_completed_later() -> None:
    history = replay(goal_decider, plan_activity(), history=active())
    given(goal_decider, *history).when_rejected(cancel(reason=" "), field="reason")
    [cancelled] = given(goal_decider, *history).when(cancel())
    assert isinstance(cancelled, DevelopmentActivityCancelled)
    history = [*history, cancelled]
    given(goal_decider, *history).when_rejected(complete(), field="activity_id", match="cancelled")
    given(goal_decider, *history).when_rejected(start(), field="activity_id")


def test_an_unknown_activity_is_refused() -> None:
    given(goal_decider, *active()).when_rejected(start(), field="activity_id", match="no activity")
