"""The organisation's career tracks: listed for everyone in it, configured by HR admins."""

from __future__ import annotations

from fastapi import APIRouter, status

from trellis_goals.api.context import App, Caller, IdInPath
from trellis_goals.api.responses import accepted
from trellis_goals.api.schemas import CareerTrackIn, CareerTrackOut, CareerTracksOut
from trellis_goals.domain.career_tracks import TrackDefinition
from trellis_kernel.http import COMMAND_RESPONSES, QUERY_RESPONSES, Accepted, IdempotentRoute

router = APIRouter(prefix="/career-tracks", tags=["career tracks"], route_class=IdempotentRoute)


def _definition(body: CareerTrackIn) -> TrackDefinition:
    return TrackDefinition(
        track_id=body.track_id,
        name=body.name,
        description=body.description,
        competencies=tuple(body.competencies),
        milestone_templates=tuple(body.milestone_templates),
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Define a career track",
    responses=COMMAND_RESPONSES,
)
async def define_career_track(body: CareerTrackIn, app: App, caller: Caller) -> Accepted:
    return accepted(await app.career_tracks.define(caller, _definition(body), body.expected_version))


@router.post("/{track_id}/revisions", summary="Revise a career track", responses=COMMAND_RESPONSES)
async def revise_career_track(track_id: IdInPath, body: CareerTrackIn, app: App, caller: Caller) -> Accepted:
    track = _definition(body.model_copy(update={"track_id": track_id}))
    return accepted(await app.career_tracks.revise(caller, track, body.expected_version))


@router.get("", summary="The organisation's career tracks", responses=QUERY_RESPONSES)
async def list_career_tracks(app: App, caller: Caller) -> CareerTracksOut:
    loaded = await app.career_tracks.catalogue(caller)
    return CareerTracksOut(
        organisation_id=caller.organisation_id,
        version=loaded.version,
        tracks=[
            CareerTrackOut(
                track_id=track.definition.track_id,
                revision=track.revision,
                name=track.definition.name,
                description=track.definition.description,
                competencies=list(track.definition.competencies),
                milestone_templates=list(track.definition.milestone_templates),
            )
            for track in sorted(loaded.state.tracks.values(), key=lambda t: t.definition.track_id)
        ],
    )
