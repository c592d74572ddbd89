"""Values for recognition scenarios: an organisation, an employee in a manager's team, an HR
admin, triggering events from the goals and feedback topics, and the example policies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

from trellis_contracts.recognition import PolicyPublishedV2
from trellis_contracts.reward_policy import RewardPolicy
from trellis_recognition.domain.evaluation import Facts, GoalFacts, count_queries
from trellis_recognition.domain.policies import PolicyVersion, PublishPolicy, policy_decider, version_of
from trellis_recognition.domain.triggers import TriggeringEvent, triggering_event
from trellis_recognition.policy_documents import parse_policy

ORG = "org_1"
OTHER_ORG = "org_2"
EMPLOYEE = "emp_1"
TEAMMATE = "emp_2"
MANAGER = "mgr_1"
HR = "hr_1"
GOAL = "goal_1"
PUBLISHED_AT = datetime(2025, 12, 15, 9, 0, tzinfo=UTC)
EXAMPLES = Path(__file__).parents[1] / "policies" / "examples"
_IDS = UUID("5b0c7f8e-0000-4000-8000-000000000000")


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def event_id(name: str) -> str:
    return str(uuid5(_IDS, name))


def example(name: str) -> RewardPolicy:
    return parse_policy((EXAMPLES / name).read_text())


def policy(**document: Any) -> RewardPolicy:
    values: dict[str, Any] = {
        "format": "trellis.reward-policy.v1",
        "policy_id": "pol-1",
        "title": "A policy",
        "effective_on": "2026-01-01",
        "rules": [],
    }
    values.update(document)
    return RewardPolicy.model_validate(values)


def rule(event: str, *outcomes: dict[str, Any], rule_id: str = "r1", **when: Any) -> dict[str, Any]:
    return {"id": rule_id, "when": {"event": event, **when}, "then": list(outcomes) or [{"recognition": {}}]}


def published(
    document: RewardPolicy, *, version: int = 1, at: datetime = PUBLISHED_AT, organisation_id: str = ORG
) -> PolicyVersion:
    """The version as the policy stream would hold it after publishing."""
    [event] = policy_decider.decide(
        PublishPolicy(organisation_id=organisation_id, document=document, published_by=HR, now=at),
        policy_decider.initial_state(),
    )
    assert isinstance(event, PolicyPublishedV2)
    return version_of(event.model_copy(update={"policy_version": version}))


def milestone_reached(
    name: str, when: datetime, *, track: str | None = None, employee: str = EMPLOYEE, on_time: bool = True
) -> TriggeringEvent:
    payload = {
        "goal_id": GOAL,
        "organisation_id": ORG,
        "employee_id": employee,
        "manager_id": MANAGER,
        "milestone_id": "ms_1",
        "owner_id": employee,
        "due_date": "2026-06-30",
        "occurred_at": when.isoformat(),
        "title": "Run the guild",
        "goal_title": "Lead the data guild",
        "reached_on": when.date().isoformat(),
        "on_time": on_time,
        "career_track_id": track,
        "recorded_by": employee,
    }
    return trigger(name, "dev.trellis.goals.MilestoneReached.v1", payload)


def goal_completed(
    name: str, when: datetime, *, employee: str = EMPLOYEE, goal: str = GOAL
) -> TriggeringEvent:
    payload = {
        "goal_id": goal,
        "organisation_id": ORG,
        "employee_id": employee,
        "manager_id": MANAGER,
        "completed_by": MANAGER,
        "title": "AWS associate",
        "due_date": "2026-06-30",
        "completed_on": when.date().isoformat(),
        "on_time": True,
        "occurred_at": when.isoformat(),
    }
    return trigger(name, "dev.trellis.goals.GoalCompleted.v1", payload)


def feedback_given(
    name: str, when: datetime, *, kind: str | None = "praise", recipient: str = EMPLOYEE, major: int = 2
) -> TriggeringEvent:
    """FeedbackGiven as a version naming its organisation (and its kind) would carry it."""
    payload: dict[str, Any] = {
        "feedback_id": f"fb-{name}",
        "organisation_id": ORG,
        "giver_id": TEAMMATE,
        "recipient_id": recipient,
        "relationship": "peer",
        "content": "Thanks for the review",
        "given_at": when.isoformat(),
    }
    if kind is not None:
        payload["kind"] = kind
    return trigger(name, f"dev.trellis.feedback.FeedbackGiven.v{major}", payload)


def trigger(name: str, event_type: str, payload: dict[str, Any]) -> TriggeringEvent:
    found = triggering_event(event_id(name), event_type, payload)
    assert found is not None, f"{event_type} is no trigger"
    return found


def goal_facts(
    *, track: str | None = None, template: str | None = None, employee: str = EMPLOYEE
) -> GoalFacts:
    return GoalFacts(
        goal_id=GOAL,
        organisation_id=ORG,
        employee_id=employee,
        career_track_id=track,
        template_id=template,
        milestone_ids=frozenset({"ms_1", "ms_2"}),
    )


def facts_for(
    event: TriggeringEvent,
    versions: list[PolicyVersion],
    known: tuple[TriggeringEvent, ...] = (),
    *,
    goal: GoalFacts | None = None,
    team_id: str | None = MANAGER,
) -> Facts:
    """The facts the application would gather: counts answered from ``known`` events."""
    counts = {query.key: query.count(event, known) for query in count_queries(event, versions)}
    return Facts(goal=goal, team_id=team_id, counts=counts)


def later(moment: datetime, **delta: float) -> datetime:
    return moment + timedelta(**delta)
