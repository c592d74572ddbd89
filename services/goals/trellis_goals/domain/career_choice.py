"""The career track an employee follows, chosen among those their organisation offers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from trellis_contracts.goals import CareerTrackChosen
from trellis_goals.domain.rules import require_aware
from trellis_kernel.decider import Decider, DomainError


@dataclass(frozen=True, kw_only=True)
class ChooseCareerTrack:
    """``offered_track_ids`` are the tracks of the organisation's catalogue when choosing."""

    organisation_id: str
    employee_id: str
    track_id: str
    chosen_by: str
    offered_track_ids: frozenset[str]
    now: datetime


@dataclass(frozen=True)
class CareerChoice:
    organisation_id: str
    employee_id: str
    track_id: str


CareerChoiceState = CareerChoice | None


def decide_career_choice(command: ChooseCareerTrack, state: CareerChoiceState) -> Sequence[CareerTrackChosen]:
    require_aware(command.now)
    if command.track_id not in command.offered_track_ids:
        raise DomainError(f"The organisation offers no track {command.track_id!r}", field="track_id")
    previous = state.track_id if state is not None else None
    if previous == command.track_id:
        raise DomainError("The employee already follows that track", field="track_id")
    return [
        CareerTrackChosen(
            organisation_id=command.organisation_id,
            employee_id=command.employee_id,
            track_id=command.track_id,
            previous_track_id=previous,
            chosen_by=command.chosen_by,
            occurred_at=command.now,
        )
    ]


def evolve_career_choice(state: CareerChoiceState, event: CareerTrackChosen) -> CareerChoiceState:
    return CareerChoice(event.organisation_id, event.employee_id, event.track_id)


def _no_choice() -> CareerChoiceState:
    return None


career_choice_decider: Decider[ChooseCareerTrack, CareerChoiceState, CareerTrackChosen] = Decider(
    decide=decide_career_choice, evolve=evolve_career_choice, initial_state=_no_choice
)
