"""Career tracks an organisation offers (e.g. individual contributor, leadership), each with
its competencies and the growth milestones goals can be created from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType

from trellis_contracts.goals import (
    CareerTrackDefined,
    CareerTrackRevised,
    Competency,
    GoalMetric,
    MilestoneTemplate,
)
from trellis_goals.domain.goal.commands import ProposeGoalFromTemplate
from trellis_goals.domain.rules import require_aware, require_text, require_unique
from trellis_kernel.decider import Decider, DomainError


@dataclass(frozen=True, kw_only=True)
class TrackDefinition:
    track_id: str
    name: str
    description: str = ""
    competencies: tuple[Competency, ...] = ()
    milestone_templates: tuple[MilestoneTemplate, ...] = ()


@dataclass(frozen=True, kw_only=True)
class DefineCareerTrack:
    organisation_id: str
    defined_by: str
    track: TrackDefinition
    now: datetime


@dataclass(frozen=True, kw_only=True)
class ReviseCareerTrack:
    organisation_id: str
    defined_by: str
    track: TrackDefinition
    now: datetime


CareerTrackCommand = DefineCareerTrack | ReviseCareerTrack
CareerTrackEvent = CareerTrackDefined | CareerTrackRevised


@dataclass(frozen=True)
class CareerTrack:
    revision: int
    definition: TrackDefinition

    def template(self, template_id: str) -> MilestoneTemplate | None:
        return next((t for t in self.definition.milestone_templates if t.template_id == template_id), None)


@dataclass(frozen=True)
class CareerTrackCatalogue:
    """The tracks of one organisation; its stream holds every track's history."""

    organisation_id: str | None = None
    tracks: Mapping[str, CareerTrack] = field(default_factory=lambda: MappingProxyType({}))

    def track_ids(self) -> frozenset[str]:
        return frozenset(self.tracks)


def _check(track: TrackDefinition) -> None:
    require_text(track.name, "track.name", "The track's name")
    require_unique((c.competency_id for c in track.competencies), "track.competencies", "Competency")
    require_unique(
        (t.template_id for t in track.milestone_templates),
        "track.milestone_templates",
        "Template",
    )
    known = {c.competency_id for c in track.competencies}
    for index, template in enumerate(track.milestone_templates):
        where = f"track.milestone_templates[{index}]"
        require_text(template.title, f"{where}.title", "A template's title")
        require_text(template.description, f"{where}.description", "A template's outcome")
        for competency_id in template.competency_ids:
            if competency_id not in known:
                raise DomainError(
                    f"Competency {competency_id!r} is not one of the track's",
                    field=f"{where}.competency_ids",
                )
        for step_index, step in enumerate(template.steps):
            if step.offset_days > template.duration_days:
                raise DomainError(
                    "A step cannot be due after the template's duration",
                    field=f"{where}.steps[{step_index}].offset_days",
                )


def decide_career_tracks(
    command: CareerTrackCommand, state: CareerTrackCatalogue
) -> Sequence[CareerTrackEvent]:
    require_aware(command.now)
    if state.organisation_id not in (None, command.organisation_id):
        raise DomainError("The catalogue belongs to another organisation", field="organisation_id")
    track = command.track
    _check(track)
    existing = state.tracks.get(track.track_id)
    if isinstance(command, DefineCareerTrack):
        if existing is not None:
            raise DomainError(
                f"Track {track.track_id!r} is already defined; revise it instead",
                field="track.track_id",
            )
        return [_track_event(CareerTrackDefined, command, revision=1)]
    if existing is None:
        raise DomainError(f"There is no track {track.track_id!r}", field="track.track_id")
    if existing.definition == track:
        raise DomainError("The revision changes nothing", field="track")
    return [_track_event(CareerTrackRevised, command, revision=existing.revision + 1)]


def _track_event(
    kind: type[CareerTrackDefined] | type[CareerTrackRevised],
    command: CareerTrackCommand,
    revision: int,
) -> CareerTrackEvent:
    track = command.track
    return kind(
        organisation_id=command.organisation_id,
        track_id=track.track_id,
        revision=revision,
        name=track.name,
        description=track.description,
        competencies=track.competencies,
        milestone_templates=track.milestone_templates,
        defined_by=command.defined_by,
        occurred_at=command.now,
    )


def evolve_career_tracks(state: CareerTrackCatalogue, event: CareerTrackEvent) -> CareerTrackCatalogue:
    definition = TrackDefinition(
        track_id=event.track_id,
        name=event.name,
        description=event.description,
        competencies=event.competencies,
        milestone_templates=event.milestone_templates,
    )
    tracks = {**state.tracks, event.track_id: CareerTrack(event.revision, definition)}
    return replace(state, organisation_id=event.organisation_id, tracks=MappingProxyType(tracks))


career_tracks_decider: Decider[CareerTrackCommand, CareerTrackCatalogue, CareerTrackEvent] = Decider(
    decide=decide_career_tracks,
    evolve=evolve_career_tracks,
    initial_state=CareerTrackCatalogue,
)


def propose_from_template(
    catalogue: CareerTrackCatalogue,
    *,
    track_id: str,
    template_id: str,
    goal_id: str,
    employee_id: str,
    manager_id: str,
    proposed_by: str,
    now: datetime,
    metric: GoalMetric | None = None,
) -> ProposeGoalFromTemplate:
    """A goal proposal from a track's growth milestone (see ProposeGoalFromTemplate); it is still
    agreed like any other."""
    track = catalogue.tracks.get(track_id)
    if track is None or catalogue.organisation_id is None:
        raise DomainError(f"There is no track {track_id!r}", field="track_id")
    template = track.template(template_id)
    if template is None:
        raise DomainError(f"Track {track_id!r} has no template {template_id!r}", field="template_id")
    return ProposeGoalFromTemplate(
        goal_id=goal_id,
        organisation_id=catalogue.organisation_id,
        employee_id=employee_id,
        manager_id=manager_id,
        proposed_by=proposed_by,
        track_id=track_id,
        template=template,
        metric=metric,
        now=now,
    )
