"""Aligning a goal to an organisational objective or a parent goal, and undoing it."""

from __future__ import annotations

from collections.abc import Sequence

from trellis_contracts.goals import GoalAligned, GoalEvent, GoalUnalignedV2
from trellis_goals.domain.goal.commands import AlignGoal, UnalignGoal
from trellis_goals.domain.goal.guards import goal_ref, require_open
from trellis_goals.domain.goal.state import Goal
from trellis_kernel.decider import DomainError


def align(command: AlignGoal, goal: Goal) -> Sequence[GoalEvent]:
    require_open(goal)
    target = command.alignment
    if target.kind == "parent_goal" and target.target_id == goal.goal_id:
        raise DomainError("A goal cannot be its own parent", field="alignment.target_id")
    if goal.alignment == target:
        raise DomainError("The goal is already aligned to that", field="alignment")
    return [
        GoalAligned(
            **goal_ref(goal),
            aligned_by=command.aligned_by,
            alignment=target,
            previous_alignment=goal.alignment,
            occurred_at=command.now,
        )
    ]


def unalign(command: UnalignGoal, goal: Goal) -> Sequence[GoalEvent]:
    require_open(goal)
    if goal.alignment is None:
        raise DomainError("The goal is not aligned to anything", field="goal_id")
    return [
        GoalUnalignedV2(
            **goal_ref(goal),
            unaligned_by=command.unaligned_by,
            previous_alignment=goal.alignment,
            reason=command.reason,
            occurred_at=command.now,
        )
    ]
