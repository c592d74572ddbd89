"""An employee's vision and values statement, defined once and revised with its history kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from trellis_contracts.goals import VisionDefined, VisionDefinedV2, VisionRevised, VisionRevisedV2
from trellis_goals.domain.rules import require_aware, require_text
from trellis_kernel.decider import Decider, DomainError


@dataclass(frozen=True, kw_only=True)
class VisionStatement:
    """The answers to the reflection questions that come before setting goals."""

    long_term_aspirations: str
    passions: tuple[str, ...] = ()
    strengths: tuple[str, ...] = ()
    areas_to_grow: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    values: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class DefineVision:
    organisation_id: str
    employee_id: str
    statement: VisionStatement
    now: datetime


@dataclass(frozen=True, kw_only=True)
class ReviseVision:
    organisation_id: str
    employee_id: str
    statement: VisionStatement
    now: datetime


@dataclass(frozen=True, kw_only=True)
class RecordVision:
    """Define the vision if the employee has none yet, revise it otherwise."""

    organisation_id: str
    employee_id: str
    statement: VisionStatement
    now: datetime


VisionCommand = DefineVision | ReviseVision | RecordVision
VisionEvent = VisionDefined | VisionRevised


@dataclass(frozen=True)
class StatementVersion:
    revision: int
    statement: VisionStatement
    recorded_at: datetime


@dataclass(frozen=True)
class Vision:
    organisation_id: str
    employee_id: str
    history: tuple[StatementVersion, ...]

    @property
    def current(self) -> StatementVersion:
        return self.history[-1]


VisionState = Vision | None


def _check(statement: VisionStatement) -> None:
    require_text(statement.long_term_aspirations, "long_term_aspirations", "Long-term aspirations")
    lists = {
        "passions": statement.passions,
        "strengths": statement.strengths,
        "areas_to_grow": statement.areas_to_grow,
        "interests": statement.interests,
        "values": statement.values,
    }
    for name, items in lists.items():
        for index, item in enumerate(items):
            require_text(item, f"{name}[{index}]", "An entry")


def decide_vision(command: VisionCommand, state: VisionState) -> Sequence[VisionEvent]:
    require_aware(command.now)
    if isinstance(command, RecordVision):
        kind = DefineVision if state is None else ReviseVision
        command = kind(
            organisation_id=command.organisation_id,
            employee_id=command.employee_id,
            statement=command.statement,
            now=command.now,
        )
    _check(command.statement)
    if isinstance(command, DefineVision):
        if state is not None:
            raise DomainError("The vision is already defined; revise it instead", field="employee_id")
        return [_statement_event(VisionDefinedV2, command, revision=1)]
    if state is None:
        raise DomainError("There is no vision to revise yet; define it first", field="employee_id")
    if state.current.statement == command.statement:
        raise DomainError("The revision changes nothing", field="statement")
    return [_statement_event(VisionRevisedV2, command, revision=state.current.revision + 1)]


def _statement_event(
    kind: type[VisionDefined] | type[VisionRevised], command: DefineVision | ReviseVision, revision: int
) -> VisionEvent:
    statement = command.statement
    return kind(
        organisation_id=command.organisation_id,
        employee_id=command.employee_id,
        revision=revision,
        passions=statement.passions,
        strengths=statement.strengths,
        areas_to_grow=statement.areas_to_grow,
        interests=statement.interests,
        values=statement.values,
        long_term_aspirations=statement.long_term_aspirations,
        occurred_at=command.now,
    )


def evolve_vision(state: VisionState, event: VisionEvent) -> VisionState:
    version = StatementVersion(
        revision=event.revision,
        statement=VisionStatement(
            long_term_aspirations=event.long_term_aspirations,
            passions=event.passions,
            strengths=event.strengths,
            areas_to_grow=event.areas_to_grow,
            interests=event.interests,
            values=event.values,
        ),
        recorded_at=event.occurred_at,
    )
    if state is None:
        return Vision(event.organisation_id, event.employee_id, (version,))
    return replace(state, history=(*state.history, version))


def _no_vision() -> VisionState:
    return None


vision_decider: Decider[VisionCommand, VisionState, VisionEvent] = Decider(
    decide=decide_vision, evolve=evolve_vision, initial_state=_no_vision
)
