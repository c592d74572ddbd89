"""What every decision on an existing goal checks first, and the ids every goal event names."""

from __future__ import annotations

from typing import TypedDict

from trellis_goals.domain.goal.state import Goal, GoalState
from trellis_kernel.decider import DomainError


class GoalRef(TypedDict):
    goal_id: str
    organisation_id: str
    employee_id: str
    manager_id: str


def goal_ref(goal: Goal) -> GoalRef:
    return {
        "goal_id": goal.goal_id,
        "organisation_id": goal.organisation_id,
        "employee_id": goal.employee_id,
        "manager_id": goal.manager_id,
    }


def existing(state: GoalState, goal_id: str) -> Goal:
    if state is None or state.goal_id != goal_id:
        raise DomainError(f"There is no goal {goal_id!r}", field="goal_id")
    return state


def require_open(goal: Goal) -> None:
    if goal.closed:
        raise DomainError(f"The goal is {goal.status}; a closed goal cannot change", field="goal_id")


def require_active(goal: Goal) -> None:
    require_open(goal)
    if goal.awaiting_agreement:
        raise DomainError(
            "The goal is not agreed yet: the employee and the manager must both agree first",
            field="goal_id",
        )
