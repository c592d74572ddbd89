"""Commands and values for goal scenarios: an employee, their manager and a photoshop goal."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from trellis_contracts.goals import GoalMetric, GoalTerms, MilestonePlan
from trellis_goals.domain.goal import commands as c

ORG = "org_1"
EMPLOYEE = "emp_1"
MANAGER = "mgr_1"
STRANGER = "emp_9"
GOAL = "goal_1"
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
GOAL_DUE = date(2026, 3, 31)


def later(days: int) -> datetime:
    return NOW + timedelta(days=days)


def terms(**overrides: Any) -> GoalTerms:
    values: dict[str, Any] = {
        "title": "Master Photoshop",
        "description": "Produce campaign visuals without design-team help.",
        "metric": GoalMetric(name="Visuals shipped per month", baseline=0, target=4),
        "due_date": GOAL_DUE,
        "resources_needed": ("Photoshop licence",),
    }
    values.update(overrides)
    return GoalTerms(**values)


def plan(milestone_id: str = "ms_1", due: date = date(2026, 2, 14), **overrides: Any) -> MilestonePlan:
    values: dict[str, Any] = {
        "milestone_id": milestone_id,
        "title": f"Step {milestone_id}",
        "owner_id": EMPLOYEE,
        "due_date": due,
    }
    values.update(overrides)
    return MilestonePlan(**values)


def propose(**overrides: Any) -> c.ProposeGoal:
    command = c.ProposeGoal(
        goal_id=GOAL,
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        manager_id=MANAGER,
        proposed_by=EMPLOYEE,
        terms=terms(),
        milestones=(plan("ms_1", date(2026, 2, 14)), plan("ms_2", date(2026, 3, 15))),
        now=NOW,
    )
    return replace(command, **overrides)


def repropose(by: str = EMPLOYEE, **overrides: Any) -> c.ReproposeGoal:
    command = c.ReproposeGoal(
        goal_id=GOAL,
        proposed_by=by,
        terms=terms(),
        milestones=(plan("ms_1", date(2026, 2, 14)), plan("ms_2", date(2026, 3, 15))),
        now=NOW,
    )
    return replace(command, **overrides)


def withdraw(by: str = EMPLOYEE, now: datetime = NOW, reason: str = "") -> c.WithdrawProposal:
    return c.WithdrawProposal(goal_id=GOAL, withdrawn_by=by, reason=reason, now=now)


def agree(by: str = MANAGER, now: datetime = NOW) -> c.AgreeToGoal:
    return c.AgreeToGoal(goal_id=GOAL, agreed_by=by, now=now)


def reach(milestone_id: str, now: datetime, by: str = EMPLOYEE) -> c.ReachMilestone:
    return c.ReachMilestone(goal_id=GOAL, milestone_id=milestone_id, recorded_by=by, now=now)


def mark_overdue(now: datetime) -> c.MarkOverdueMilestones:
    return c.MarkOverdueMilestones(goal_id=GOAL, now=now)


def review(outcome: c.ReviewOutcomeDecision, review_id: str = "rev_1", **overrides: Any) -> c.ReviewGoal:
    command = c.ReviewGoal(
        goal_id=GOAL,
        review_id=review_id,
        reviewed_by=MANAGER,
        summary="Quarterly review",
        outcome=outcome,
        now=NOW,
    )
    return replace(command, **overrides)
