"""The SMART checks a goal's terms and milestones must pass, each naming the field at fault.

Specific: a title and a description of the outcome. Measurable: a metric whose target differs
from its baseline, or at least one milestone. Time-bound: due dates after ``now``, milestones
no later than the goal. Achievable and realistic are not checked here: they are what the
agreement of both the employee and the manager stands for.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from trellis_contracts.goals import GoalMetric, GoalTerms, MilestonePlan
from trellis_goals.domain.rules import require_future, require_text, require_unique
from trellis_kernel.decider import DomainError


def check_terms(terms: GoalTerms, milestone_count: int, now: datetime) -> None:
    require_text(terms.title, "title", "Specific: the goal's title")
    require_text(terms.description, "description", "Specific: the description of the outcome")
    if terms.metric is None and milestone_count == 0:
        raise DomainError(
            "Measurable: give a metric with a baseline and a target, or at least one milestone",
            field="metric",
        )
    if terms.metric is not None:
        check_metric(terms.metric)
    require_future(terms.due_date, now, "due_date", "Time-bound: the goal's due date")
    for index, resource in enumerate(terms.resources_needed):
        require_text(resource, f"resources_needed[{index}]", "A resource needed")


def check_metric(metric: GoalMetric, field: str = "metric") -> None:
    require_text(metric.name, f"{field}.name", "Measurable: the metric's name")
    if metric.target == metric.baseline:
        raise DomainError(
            "Measurable: the metric's target must differ from its baseline",
            field=f"{field}.target",
        )


def check_milestone_plans(
    plans: Sequence[MilestonePlan],
    goal_due_date: date,
    now: datetime,
    field: str = "milestones",
) -> None:
    require_unique((p.milestone_id for p in plans), f"{field}.milestone_id", "Milestone")
    for index, plan in enumerate(plans):
        check_milestone_plan(plan, goal_due_date, now, f"{field}[{index}]")


def check_milestone_plan(plan: MilestonePlan, goal_due_date: date, now: datetime, field: str) -> None:
    require_text(plan.title, f"{field}.title", "A milestone's title")
    check_milestone_date(plan.due_date, goal_due_date, now, f"{field}.due_date")


def check_milestone_date(due_date: date, goal_due_date: date, now: datetime, field: str) -> None:
    require_future(due_date, now, field, "Time-bound: a milestone's due date")
    if due_date > goal_due_date:
        raise DomainError(
            f"A milestone cannot be due after its goal ({goal_due_date.isoformat()})",
            field=field,
        )
