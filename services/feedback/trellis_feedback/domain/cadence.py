"""How often an employee and their manager talk (stream per pair).

A conversation is due ``every_days`` after the last one the pair held, or after the cadence was
(re)set if that is later. The day it is due is still on time; once it has passed without a
conversation, the miss is reported once for that due day. A new manager means a new pair: the
old pair's cadence then has nothing due.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from trellis_contracts.feedback import ConversationCadenceMissed, ConversationCadenceSet
from trellis_feedback.domain.facts import Facts
from trellis_feedback.domain.rules import require_aware, today
from trellis_kernel.decider import Decider, DomainError

MIN_EVERY_DAYS = 7
MAX_EVERY_DAYS = 182


@dataclass(frozen=True, kw_only=True)
class SetCadence:
    organisation_id: str
    employee_id: str
    manager_id: str
    every_days: int
    set_by: str
    now: datetime
    facts: Facts = field(default_factory=Facts)


@dataclass(frozen=True, kw_only=True)
class ReportMissedCadence:
    """Sent by a scheduler with the day the pair last held a conversation, if ever."""

    organisation_id: str
    employee_id: str
    manager_id: str
    now: datetime
    last_held_on: date | None
    facts: Facts = field(default_factory=Facts)


CadenceCommand = SetCadence | ReportMissedCadence
CadenceEvent = ConversationCadenceSet | ConversationCadenceMissed


@dataclass(frozen=True)
class Cadence:
    organisation_id: str
    employee_id: str
    manager_id: str
    every_days: int
    set_on: date
    reported_due_days: frozenset[date] = frozenset()

    def next_due_on(self, last_held_on: date | None) -> date:
        since = self.set_on if last_held_on is None else max(self.set_on, last_held_on)
        return since + timedelta(days=self.every_days)


CadenceState = Cadence | None


def decide_cadence(command: CadenceCommand, state: CadenceState) -> Sequence[CadenceEvent]:
    require_aware(command.now)
    match command:
        case SetCadence():
            return _set(command, state)
        case ReportMissedCadence():
            return _report_missed(command, state)


def _set(command: SetCadence, state: CadenceState) -> Sequence[CadenceEvent]:
    if command.facts.manager_of(command.employee_id) != command.manager_id:
        raise DomainError(
            f"{command.manager_id} does not manage {command.employee_id} now", field="manager_id"
        )
    if not MIN_EVERY_DAYS <= command.every_days <= MAX_EVERY_DAYS:
        raise DomainError(f"A cadence is every {MIN_EVERY_DAYS} to {MAX_EVERY_DAYS} days", field="every_days")
    previous = state.every_days if state is not None else None
    if previous == command.every_days:
        return []
    return [
        ConversationCadenceSet(
            employee_id=command.employee_id,
            organisation_id=command.organisation_id,
            manager_id=command.manager_id,
            every_days=command.every_days,
            previous_every_days=previous,
            set_by=command.set_by,
            set_at=command.now,
        )
    ]


def _report_missed(command: ReportMissedCadence, state: CadenceState) -> Sequence[CadenceEvent]:
    if state is None:
        raise DomainError(
            f"{command.employee_id} and {command.manager_id} have no cadence", field="employee_id"
        )
    if command.facts.manager_of(state.employee_id) != state.manager_id:
        return []
    due_on = state.next_due_on(command.last_held_on)
    if today(command.now) <= due_on or due_on in state.reported_due_days:
        return []
    return [
        ConversationCadenceMissed(
            employee_id=state.employee_id,
            organisation_id=state.organisation_id,
            manager_id=state.manager_id,
            every_days=state.every_days,
            due_on=due_on,
            last_held_on=command.last_held_on,
            reported_at=command.now,
        )
    ]


def evolve_cadence(state: CadenceState, event: CadenceEvent) -> CadenceState:
    match event:
        case ConversationCadenceSet():
            return Cadence(
                organisation_id=event.organisation_id,
                employee_id=event.employee_id,
                manager_id=event.manager_id,
                every_days=event.every_days,
                set_on=event.set_at.date(),
                reported_due_days=state.reported_due_days if state is not None else frozenset(),
            )
        case ConversationCadenceMissed() if state is not None:
            return replace(state, reported_due_days=state.reported_due_days | {event.due_on})
    return state


def _no_cadence() -> CadenceState:
    return None


cadence_decider: Decider[CadenceCommand, CadenceState, CadenceEvent] = Decider(
    decide=decide_cadence, evolve=evolve_cadence, initial_state=_no_cadence
)
