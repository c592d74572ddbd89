"""Retried commands: whether a client-chosen id (a goal's, a check-in's, a review's, an
activity's) was used before, and whether this command asks for what that first use recorded.

A client that lost the answer sends the same command again. Where it chose the id, the goal's
events say whether the id was used: ``first_use`` finds the event that recorded it. Whether the
command is the same request is answered by deciding it again on the goal as it was just before
that first use, at the moment it was decided then, with the same context (the manager then):
the same request records the same events, a different one does not. Only what the caller said
can differ, so this compares exactly what the caller said, in the form the events keep it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from trellis_contracts.goals import (
    CheckInRecorded,
    DevelopmentActivityPlanned,
    GoalEvent,
    GoalManagerChanged,
    GoalProposed,
    GoalReviewed,
)
from trellis_goals.domain.goal.commands import (
    GoalCommand,
    PlanDevelopmentActivity,
    ProposeGoal,
    ProposeGoalFromTemplate,
    RecordCheckIn,
    ReviewGoal,
)
from trellis_goals.domain.goal.decide import decide_goal
from trellis_goals.domain.goal.state import GoalState, evolve_goal
from trellis_kernel.decider import DomainError


def first_use(command: GoalCommand, events: Sequence[GoalEvent]) -> int | None:
    """The index in ``events`` of the event that first used the id the caller chose for this
    command, or None (no such id, or not used yet)."""
    match command:
        case ProposeGoal() | ProposeGoalFromTemplate():
            return 0 if events else None
        case RecordCheckIn():
            return _index(events, CheckInRecorded, "check_in_id", command.check_in_id)
        case ReviewGoal():
            return _index(events, GoalReviewed, "review_id", command.review_id)
        case PlanDevelopmentActivity():
            return _index(events, DevelopmentActivityPlanned, "activity_id", command.activity_id)
    return None


def _index(events: Sequence[GoalEvent], kind: type[GoalEvent], field: str, value: str) -> int | None:
    return next(
        (i for i, e in enumerate(events) if isinstance(e, kind) and getattr(e, field) == value),
        None,
    )


def what_the_id_names(command: GoalCommand) -> str:
    """How a refusal names the id: ``check-in 'ci_1'``."""
    match command:
        case RecordCheckIn():
            return f"check-in {command.check_in_id!r}"
        case ReviewGoal():
            return f"review {command.review_id!r}"
        case PlanDevelopmentActivity():
            return f"activity {command.activity_id!r}"
        case ProposeGoal() | ProposeGoalFromTemplate():
            return f"goal {command.goal_id!r}"
    return "the id"


def same_request(command: GoalCommand, before: GoalState, recorded: Sequence[GoalEvent]) -> bool:
    """Whether ``command`` asks for what ``recorded`` holds: the events appended when its id was
    first used (a hand-over to the employee's new manager included), ``before`` being the goal
    just before them."""
    state = before
    for event in recorded:
        if isinstance(event, GoalManagerChanged):
            state = evolve_goal(state, event)
    own = [e for e in recorded if not isinstance(e, GoalManagerChanged)]
    if not own:
        return False
    again = replace(command, now=own[0].occurred_at)
    if isinstance(again, ProposeGoal | ProposeGoalFromTemplate) and isinstance(own[0], GoalProposed):
        # The manager is the reporting line's at the time, not something the caller said.
        again = replace(again, manager_id=own[0].manager_id)
    try:
        return list(decide_goal(again, state)) == own
    except DomainError:
        return False
