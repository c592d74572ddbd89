"""The policy evaluator: a triggering event, the facts gathered for it and the policy versions
of its organisation in, the outcomes out. Pure and deterministic: the same event and facts
always give the same outcomes with the same ids.

An outcome's id derives from the organisation, the policy, the rule, the outcome's place in
the rule and the occurrence that fired it: the triggering event's id, or, for a rule with a
count, the employee and the calendar window (such a rule fires once per employee and window,
whichever event crosses the threshold). Recording an outcome under an id that exists changes
nothing, so a redelivered event, or two replicas deciding it at once, can never create a
second outcome; and a later policy version cannot either, since the id does not name it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType
from typing import Final

from trellis_contracts.reward_policy import (
    BonusOutcome,
    CompensationOutcome,
    CountCondition,
    FieldCondition,
    InitiativeOutcome,
    LearningOutcome,
    PointsOutcome,
    RecognitionOutcome,
    Rule,
)
from trellis_kernel.decider import DomainError
from trellis_recognition.domain.periods import Period, window_of
from trellis_recognition.domain.policies import PolicyVersion, in_effect
from trellis_recognition.domain.rules import utc_day
from trellis_recognition.domain.triggers import TriggeringEvent, where_holds

OUTCOME_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "https://trellis.dev/recognition/outcomes")

OutcomeDetail = (
    RecognitionOutcome
    | PointsOutcome
    | BonusOutcome
    | CompensationOutcome
    | LearningOutcome
    | InitiativeOutcome
)


@dataclass(frozen=True)
class GoalFacts:
    """What the service knows of a goal, from the goals topic."""

    goal_id: str
    organisation_id: str
    employee_id: str
    career_track_id: str | None = None
    template_id: str | None = None
    milestone_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CountKey:
    policy_id: str
    policy_version: int
    rule_id: str


@dataclass(frozen=True)
class CountQuery:
    """Count the employee's events named ``event`` that satisfy ``where`` in ``window``."""

    key: CountKey
    organisation_id: str
    employee_id: str
    event: str
    where: Mapping[str, FieldCondition]
    window: Period
    at_least: int

    def matches(self, event: TriggeringEvent) -> bool:
        return (
            event.organisation_id == self.organisation_id
            and event.employee_id == self.employee_id
            and event.name.matches(self.event)
            and utc_day(event.occurred_at) in self.window
            and where_holds(self.where, event.payload)
        )

    def count(self, trigger: TriggeringEvent, known: Iterable[TriggeringEvent]) -> int:
        """How many distinct events match among those known and the trigger itself."""
        return len({event.event_id for event in (*known, trigger) if self.matches(event)})


@dataclass(frozen=True)
class Facts:
    """What the application gathers from its read models before deciding."""

    goal: GoalFacts | None = None
    team_id: str | None = None
    counts: Mapping[CountKey, int] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Cause:
    triggering_event_id: str
    triggering_event_type: str
    policy_id: str
    policy_version: int
    rule_id: str


@dataclass(frozen=True)
class PlannedOutcome:
    """One thing a rule decided, before it is recorded in its own stream."""

    outcome_id: str
    organisation_id: str
    employee_id: str
    cause: Cause
    detail: OutcomeDetail
    decided_on: date
    """The triggering event's day (UTC); pay and due dates count from it."""
    goal_id: str | None = None
    milestone_id: str | None = None
    team_id: str | None = None

    @property
    def kind(self) -> str:
        return _KINDS[type(self.detail)]


_KINDS: Final[Mapping[type, str]] = MappingProxyType(
    {
        RecognitionOutcome: "recognition",
        PointsOutcome: "points",
        BonusOutcome: "bonus",
        CompensationOutcome: "compensation_adjustment",
        LearningOutcome: "learning_assignment",
        InitiativeOutcome: "lead_initiative",
    }
)


def _count_query(
    rule: Rule, count: CountCondition, version: PolicyVersion, trigger: TriggeringEvent
) -> CountQuery:
    own_event = count.event is None
    where = rule.when.where if own_event and count.where is None else (count.where or {})
    return CountQuery(
        key=CountKey(version.policy_id, version.version, rule.id),
        organisation_id=trigger.organisation_id,
        employee_id=trigger.employee_id,
        event=count.event or rule.when.event,
        where=MappingProxyType(dict(where)),
        window=window_of(count.window, utc_day(trigger.occurred_at)),
        at_least=count.at_least,
    )


def version_count_queries(version: PolicyVersion, trigger: TriggeringEvent) -> list[CountQuery]:
    """The counts the version's rules that may fire for ``trigger`` need."""
    return [
        _count_query(rule, rule.when.count, version, trigger)
        for rule in version.document.rules
        if rule.when.count is not None and trigger.name.matches(rule.when.event)
    ]


def count_queries(trigger: TriggeringEvent, versions: Sequence[PolicyVersion]) -> list[CountQuery]:
    """The counts the rules in effect that may fire for ``trigger`` need; the application
    answers each from its history of triggering events (``CountQuery.count``) and passes
    them in Facts."""
    return [
        query
        for version in in_effect(versions, trigger.organisation_id, trigger.occurred_at)
        for query in version_count_queries(version, trigger)
    ]


def _fires(rule: Rule, version: PolicyVersion, trigger: TriggeringEvent, facts: Facts) -> str | None:
    """The occurrence the rule fires for (see the module's doc), or None."""
    when = rule.when
    if not trigger.name.matches(when.event) or not where_holds(when.where, trigger.payload):
        return None
    goal = facts.goal if facts.goal is not None and facts.goal.goal_id == trigger.goal_id else None
    track = trigger.career_track_id or (goal.career_track_id if goal else None)
    if when.career_track is not None and track not in when.career_track:
        return None
    template = goal.template_id if goal else None
    if when.goal_template is not None and template not in when.goal_template:
        return None
    if when.team is not None and facts.team_id not in when.team:
        return None
    if when.count is None:
        return f"event:{trigger.event_id}"
    query = _count_query(rule, when.count, version, trigger)
    if query.key not in facts.counts:
        raise DomainError(f"the count for rule {rule.id!r} was not gathered", field="counts")
    if facts.counts[query.key] < when.count.at_least:
        return None
    return f"window:{trigger.employee_id}:{query.window.label}"


def outcome_id(organisation_id: str, policy_id: str, rule_id: str, occurrence: str, index: int) -> str:
    name = "\n".join((organisation_id, policy_id, rule_id, occurrence, str(index)))
    return str(uuid.uuid5(OUTCOME_NAMESPACE, name))


def rule_outcomes(
    version: PolicyVersion, rule: Rule, trigger: TriggeringEvent, facts: Facts
) -> list[PlannedOutcome]:
    occurrence = _fires(rule, version, trigger, facts)
    if occurrence is None:
        return []
    cause = Cause(trigger.event_id, trigger.event_type, version.policy_id, version.version, rule.id)
    return [
        PlannedOutcome(
            outcome_id=outcome_id(trigger.organisation_id, version.policy_id, rule.id, occurrence, index),
            organisation_id=trigger.organisation_id,
            employee_id=trigger.employee_id,
            cause=cause,
            detail=outcome.detail,
            decided_on=utc_day(trigger.occurred_at),
            goal_id=trigger.goal_id,
            milestone_id=trigger.milestone_id,
            team_id=facts.team_id,
        )
        for index, outcome in enumerate(rule.then)
    ]


def evaluate(
    trigger: TriggeringEvent, facts: Facts, versions: Sequence[PolicyVersion]
) -> list[PlannedOutcome]:
    """The outcomes the policies in effect at the event's time decide for it."""
    return [
        planned
        for version in in_effect(versions, trigger.organisation_id, trigger.occurred_at)
        for rule in version.document.rules
        for planned in rule_outcomes(version, rule, trigger, facts)
    ]


def due_after(planned: PlannedOutcome, days: int) -> date:
    return planned.decided_on + timedelta(days=days)
