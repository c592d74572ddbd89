"""A goal as the read side keeps it: the domain's view of the goal plus what screens need
(when it last changed, when it was last checked in on, how many events it has)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from trellis_contracts.goals import CheckInRecorded, GoalProposed, GoalTerms
from trellis_contracts.personal import ERASED
from trellis_goals.domain.goal.state import Goal, GoalEvent, evolve_goal


@dataclass(frozen=True)
class GoalRecord:
    goal: Goal
    proposed_at: datetime
    updated_at: datetime
    version: int
    last_check_in_at: datetime | None = None


def apply_goal_event(record: GoalRecord | None, event: GoalEvent) -> GoalRecord | None:
    goal = evolve_goal(record.goal if record is not None else None, event)
    if goal is None:
        return None
    if record is None:
        if not isinstance(event, GoalProposed):
            return None
        return GoalRecord(goal, event.occurred_at, event.occurred_at, 1)
    record = replace(record, goal=goal, updated_at=event.occurred_at, version=record.version + 1)
    if isinstance(event, CheckInRecorded):
        record = replace(record, last_check_in_at=event.occurred_at)
    return record


def goal_record(events: Iterable[GoalEvent]) -> GoalRecord | None:
    record: GoalRecord | None = None
    for event in events:
        record = apply_goal_event(record, event)
    return record


def forgotten(record: GoalRecord) -> GoalRecord:
    """The record with every text about its employee read as erased, as a replay of its events
    gives once the employee's key is gone (a list of texts reads as one ERASED); statuses,
    dates, progress and counts stay."""
    goal = record.goal
    return replace(
        record,
        goal=replace(
            goal,
            terms=_forgotten_terms(goal.terms),
            milestones=tuple(replace(m, title=ERASED) for m in goal.milestones),
            activities=tuple(replace(a, title=ERASED) for a in goal.activities),
        ),
    )


def _forgotten_terms(terms: GoalTerms) -> GoalTerms:
    metric = None if terms.metric is None else terms.metric.model_copy(update={"name": ERASED})
    return terms.model_copy(
        update={"title": ERASED, "description": ERASED, "metric": metric, "resources_needed": (ERASED,)}
    )
