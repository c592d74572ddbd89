"""A person's erasure, as the goals service records it: said once per person and organisation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from trellis_contracts.goals import PersonErased
from trellis_goals.domain.rules import require_aware
from trellis_kernel.decider import Decider


@dataclass(frozen=True, kw_only=True)
class ErasePerson:
    """Record that an HR admin erased the person (their data keys are deleted meanwhile)."""

    organisation_id: str
    person_id: str
    erasure_id: str
    erased_by: str
    now: datetime


PersonState = bool
"""Whether the person has been erased."""


def decide_person(command: ErasePerson, erased: PersonState) -> Sequence[PersonErased]:
    require_aware(command.now)
    if erased:
        return []
    return [
        PersonErased(
            employee_id=command.person_id,
            organisation_id=command.organisation_id,
            erasure_id=command.erasure_id,
            erased_by=command.erased_by,
            occurred_at=command.now,
        )
    ]


def evolve_person(erased: PersonState, event: PersonErased) -> PersonState:
    return True


def _not_erased() -> PersonState:
    return False


person_decider: Decider[ErasePerson, PersonState, PersonErased] = Decider(
    decide=decide_person, evolve=evolve_person, initial_state=_not_erased
)
