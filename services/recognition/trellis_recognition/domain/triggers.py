"""Which events of other services can trigger a reward policy, and how a rule tests them.

Everything the evaluator knows about an event type is data in ``TRIGGER_SOURCES``: which field
names the employee it is about, its organisation, its time, its goal and milestone. An entry
is keyed by ``<service>.<EventName>`` and serves every major version of the event; a new major
version that renames one of these fields gets an entry of its own keyed
``<service>.<EventName>.v<major>``. Rules test an event's fields by dotted path, so a field a
newer version adds (``kind: praise`` on FeedbackGiven) is usable without a change here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

from trellis_contracts.reward_policy import FieldCondition

_EVENT_TYPE: Final = re.compile(
    r"^dev\.trellis\.(?P<service>[a-z][a-z0-9_]*)\.(?P<name>[A-Z][A-Za-z0-9]*)\.v(?P<major>[1-9][0-9]*)$"
)
_MISSING: Final = object()


@dataclass(frozen=True)
class TriggerSource:
    """Where a triggering event keeps what the evaluator needs (field names of its payload)."""

    employee: str
    time: str
    organisation: str = "organisation_id"
    goal: str | None = None
    milestone: str | None = None
    career_track: str | None = None


TRIGGER_SOURCES: Mapping[str, TriggerSource] = MappingProxyType(
    {
        "goals.MilestoneReached": TriggerSource(
            employee="employee_id",
            time="occurred_at",
            goal="goal_id",
            milestone="milestone_id",
            career_track="career_track_id",
        ),
        "goals.GoalCompleted": TriggerSource(
            employee="employee_id", time="occurred_at", goal="goal_id", career_track="career_track_id"
        ),
        "goals.DevelopmentActivityCompleted": TriggerSource(
            employee="employee_id", time="occurred_at", goal="goal_id"
        ),
        "goals.CheckInRecorded": TriggerSource(employee="employee_id", time="occurred_at", goal="goal_id"),
        "feedback.FeedbackGiven": TriggerSource(
            employee="recipient_id", time="given_at", goal="goal_id", milestone="milestone_id"
        ),
        "feedback.ConversationHeld": TriggerSource(employee="employee_id", time="held_at"),
    }
)
"""The events reward policies can react to, by ``<service>.<EventName>`` (every major version)."""


@dataclass(frozen=True)
class EventName:
    """``service.Name`` of a CloudEvents type, with its major version."""

    service: str
    name: str
    major: int

    @classmethod
    def of_type(cls, event_type: str) -> EventName | None:
        match = _EVENT_TYPE.match(event_type)
        if match is None:
            return None
        return cls(match["service"], match["name"], int(match["major"]))

    @property
    def base(self) -> str:
        return f"{self.service}.{self.name}"

    @property
    def versioned(self) -> str:
        return f"{self.base}.v{self.major}"

    def matches(self, pattern: str) -> bool:
        """A policy's ``event``: ``service.Name`` matches every major, ``service.Name.vN`` one."""
        return pattern in (self.base, self.versioned)


def source_for(name: EventName) -> TriggerSource | None:
    return TRIGGER_SOURCES.get(name.versioned) or TRIGGER_SOURCES.get(name.base)


def base_name(pattern: str) -> str:
    """``service.Name`` of a policy's ``event`` (which may name a major version)."""
    return re.sub(r"\.v[1-9][0-9]*$", "", pattern)


def is_known_trigger(pattern: str) -> bool:
    """Whether a policy's ``event`` names an event the service can react to."""
    return pattern in TRIGGER_SOURCES or base_name(pattern) in TRIGGER_SOURCES


@dataclass(frozen=True)
class TriggeringEvent:
    """An event of another service, as the evaluator sees it."""

    event_id: str
    event_type: str
    name: EventName
    organisation_id: str
    employee_id: str
    occurred_at: datetime
    payload: Mapping[str, Any]
    goal_id: str | None = None
    milestone_id: str | None = None
    career_track_id: str | None = None


def triggering_event(event_id: str, event_type: str, payload: Mapping[str, Any]) -> TriggeringEvent | None:
    """The event as a possible trigger, or None when no policy can react to it (an unknown
    type, or a payload lacking the organisation, employee or time it needs)."""
    name = EventName.of_type(event_type)
    source = source_for(name) if name is not None else None
    if name is None or source is None:
        return None
    organisation = payload.get(source.organisation)
    employee = payload.get(source.employee)
    moment = _moment(payload.get(source.time))
    if not isinstance(organisation, str) or not isinstance(employee, str) or moment is None:
        return None
    return TriggeringEvent(
        event_id=event_id,
        event_type=event_type,
        name=name,
        organisation_id=organisation,
        employee_id=employee,
        occurred_at=moment,
        payload=MappingProxyType(dict(payload)),
        goal_id=_text(payload, source.goal),
        milestone_id=_text(payload, source.milestone),
        career_track_id=_text(payload, source.career_track),
    )


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment if moment.utcoffset() is not None else None


def _text(payload: Mapping[str, Any], field: str | None) -> str | None:
    value = payload.get(field) if field else None
    return value if isinstance(value, str) else None


# --- conditions on fields ------------------------------------------------------------------


def field_value(payload: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path, or ``_MISSING``."""
    value: Any = payload
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _same(left: Any, right: Any) -> bool:
    # true is not 1: a boolean only equals a boolean.
    return isinstance(left, bool) == isinstance(right, bool) and left == right


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def condition_holds(condition: FieldCondition, value: Any) -> bool:
    """Every test of the condition holds for the value (``_MISSING`` when absent)."""
    present = value is not _MISSING and value is not None
    if condition.exists is not None and condition.exists != present:
        return False
    tests = condition.model_fields_set - {"exists"}
    if tests and not present:
        return False
    if "equals" in tests and not _same(value, condition.equals):
        return False
    if "not_equals" in tests and _same(value, condition.not_equals):
        return False
    if "in_" in tests and not any(_same(value, option) for option in condition.in_ or ()):
        return False
    if "not_in" in tests and any(_same(value, option) for option in condition.not_in or ()):
        return False
    if "at_least" in tests and not (_number(value) and value >= (condition.at_least or 0)):
        return False
    if "at_most" in tests and not (_number(value) and value <= (condition.at_most or 0)):
        return False
    return not (
        "contains" in tests
        and not (isinstance(value, list | tuple) and any(_same(item, condition.contains) for item in value))
    )


def where_holds(where: Mapping[str, FieldCondition], payload: Mapping[str, Any]) -> bool:
    return all(condition_holds(condition, field_value(payload, path)) for path, condition in where.items())
