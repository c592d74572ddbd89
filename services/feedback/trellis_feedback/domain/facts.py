"""What the feedback service knows about other services, as commands carry it.

The application builds these from its read models of the goals topic (reporting lines, goals
and their milestones, per organisation) for the people and goals a command names; the domain
only reads them. A person or goal the facts do not know has no manager, or does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from trellis_contracts.feedback import GiverRelationship
from trellis_kernel.decider import DomainError


@dataclass(frozen=True)
class GoalFacts:
    goal_id: str
    employee_id: str
    milestone_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Facts:
    managers: Mapping[str, str | None] = field(default_factory=dict)
    """Employee id -> their current manager (None: none)."""
    goals: Mapping[str, GoalFacts] = field(default_factory=dict)
    """Goal id -> the goal, within the command's organisation."""

    def manager_of(self, employee_id: str) -> str | None:
        return self.managers.get(employee_id)

    def goal(self, goal_id: str) -> GoalFacts | None:
        return self.goals.get(goal_id)


def check_goal_of(
    facts: Facts,
    employee_id: str,
    goal_id: str | None,
    milestone_id: str | None,
    *,
    goal_field: str = "goal_id",
    milestone_field: str = "milestone_id",
) -> None:
    """A goal (and milestone) the feedback or conversation is about must exist and be the
    employee's."""
    if goal_id is None:
        if milestone_id is not None:
            raise DomainError("A milestone is named together with its goal", field=goal_field)
        return
    goal = facts.goal(goal_id)
    # Someone else's goal answers like a missing one: nothing here says whose it is.
    if goal is None or goal.employee_id != employee_id:
        raise DomainError(f"{employee_id} has no goal {goal_id!r}", field=goal_field)
    if milestone_id is not None and milestone_id not in goal.milestone_ids:
        raise DomainError(f"Goal {goal_id!r} has no milestone {milestone_id!r}", field=milestone_field)


def check_relationship(
    facts: Facts, giver_id: str, recipient_id: str, declared: GiverRelationship, field: str
) -> None:
    """The declared relationship must agree with the reporting lines: ``manager`` exactly when
    the giver manages the recipient, ``direct_report`` exactly when the recipient manages the
    giver; otherwise a ``peer`` or ``mentor``. The message names nobody, so that it may be
    shown or logged even for an anonymous request."""
    if facts.manager_of(recipient_id) == giver_id:
        actual: GiverRelationship | None = "manager"
    elif facts.manager_of(giver_id) == recipient_id:
        actual = "direct_report"
    else:
        actual = None
    if actual is not None and declared != actual:
        raise DomainError(f"The reporting lines make this giver the recipient's {actual}", field=field)
    if actual is None and declared in ("manager", "direct_report"):
        raise DomainError(
            "The reporting lines say neither manages the other: the giver is a peer or a mentor",
            field=field,
        )
