"""Adjusting an active goal's terms, with the reason and what changed."""

from __future__ import annotations

from datetime import datetime

from trellis_contracts.goals import GoalAdjustedV2, GoalEvent, GoalTermName, GoalTerms
from trellis_goals.domain.goal.commands import TermChanges
from trellis_goals.domain.goal.guards import goal_ref
from trellis_goals.domain.goal.smart import check_metric
from trellis_goals.domain.goal.state import Goal
from trellis_goals.domain.rules import require_future, require_text
from trellis_kernel.decider import DomainError


def _changed_terms(terms: GoalTerms, changes: TermChanges) -> tuple[GoalTerms, tuple[GoalTermName, ...]]:
    proposed: dict[GoalTermName, object] = {
        "title": changes.title,
        "description": changes.description,
        "metric": changes.metric,
        "due_date": changes.due_date,
        "resources_needed": changes.resources_needed,
    }
    changed = tuple(
        name for name, value in proposed.items() if value is not None and value != getattr(terms, name)
    )
    update: dict[str, object] = {name: proposed[name] for name in changed}
    return terms.model_copy(update=update), changed


def adjust_terms(
    goal: Goal,
    actor_id: str,
    reason: str,
    changes: TermChanges,
    now: datetime,
    field: str = "changes",
) -> list[GoalEvent]:
    require_text(reason, "reason", "The reason for the adjustment")
    current, changed = _changed_terms(goal.terms, changes)
    if not changed:
        raise DomainError("Nothing to adjust: no term differs from the goal's", field=field)
    if "title" in changed:
        require_text(current.title, f"{field}.title", "Specific: the goal's title")
    if "description" in changed:
        require_text(current.description, f"{field}.description", "Specific: the description")
    if current.metric is not None and "metric" in changed:
        check_metric(current.metric, f"{field}.metric")
    for index, resource in enumerate(current.resources_needed if "resources_needed" in changed else ()):
        require_text(resource, f"{field}.resources_needed[{index}]", "A resource needed")
    if "due_date" in changed:
        require_future(current.due_date, now, f"{field}.due_date", "Time-bound: the goal's due date")
        later = [m for m in goal.milestones if not m.reached and m.due_date > current.due_date]
        if later:
            raise DomainError(
                f"Milestone {later[0].milestone_id!r} is due after the new due date; reschedule it first",
                field=f"{field}.due_date",
            )
    return [
        GoalAdjustedV2(
            **goal_ref(goal),
            adjusted_by=actor_id,
            reason=reason,
            changed=changed,
            previous=goal.terms,
            current=current,
            occurred_at=now,
        )
    ]
