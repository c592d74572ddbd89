"""Use cases of the organisation's career track catalogue (configured by HR admins)."""

from __future__ import annotations

from typing import Any

from trellis_goals.application.common import Services, require, run
from trellis_goals.domain.authorization import Actor, Subject
from trellis_goals.domain.career_tracks import (
    CareerTrackCatalogue,
    DefineCareerTrack,
    ReviseCareerTrack,
    TrackDefinition,
    career_tracks_decider,
)
from trellis_goals.streams import career_tracks_stream
from trellis_kernel.commands import Loaded, Outcome


class CareerTracks:
    def __init__(self, services: Services) -> None:
        self._services = services
        self.commands = services.handler(career_tracks_decider)

    async def catalogue(self, actor: Actor) -> Loaded[CareerTrackCatalogue, Any]:
        require(actor, "view_career_tracks", Subject(actor.organisation_id))
        return await self.commands.load(career_tracks_stream(actor.organisation_id))

    async def define(
        self, actor: Actor, track: TrackDefinition, expected_version: int | None
    ) -> Outcome[CareerTrackCatalogue, Any]:
        command = DefineCareerTrack(
            organisation_id=actor.organisation_id,
            defined_by=actor.user_id,
            track=track,
            now=self._services.clock(),
        )
        return await self._change(actor, command, expected_version)

    async def revise(
        self, actor: Actor, track: TrackDefinition, expected_version: int | None
    ) -> Outcome[CareerTrackCatalogue, Any]:
        command = ReviseCareerTrack(
            organisation_id=actor.organisation_id,
            defined_by=actor.user_id,
            track=track,
            now=self._services.clock(),
        )
        return await self._change(actor, command, expected_version)

    async def _change(
        self, actor: Actor, command: DefineCareerTrack | ReviseCareerTrack, expected_version: int | None
    ) -> Outcome[CareerTrackCatalogue, Any]:
        require(actor, "define_career_track", Subject(actor.organisation_id))

        async def decide(loaded: Loaded[CareerTrackCatalogue, Any]) -> Any:
            return career_tracks_decider.decide(command, loaded.state)

        stream = career_tracks_stream(actor.organisation_id)
        return await run(
            self.commands,
            stream,
            decide,
            principal=actor.user_id,
            expected_version=expected_version,
            command=type(command).__name__,
        )
