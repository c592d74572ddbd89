"""Use cases of the career track an employee follows."""

from __future__ import annotations

from typing import Any

from trellis_goals.application.common import Services, require, run
from trellis_goals.domain.authorization import Actor
from trellis_goals.domain.career_choice import CareerChoiceState, ChooseCareerTrack, career_choice_decider
from trellis_goals.domain.career_tracks import career_tracks_decider
from trellis_goals.streams import career_choice_stream, career_tracks_stream
from trellis_kernel.commands import Loaded, Outcome


class CareerChoices:
    def __init__(self, services: Services) -> None:
        self._services = services
        self.commands = services.handler(career_choice_decider)

    async def choose(
        self, actor: Actor, employee_id: str, track_id: str, expected_version: int | None
    ) -> Outcome[CareerChoiceState, Any]:
        require(actor, "choose_career_track", await self._services.employee_subject(actor, employee_id))
        catalogue = await self._services.handler(career_tracks_decider).load(
            career_tracks_stream(actor.organisation_id)
        )
        command = ChooseCareerTrack(
            organisation_id=actor.organisation_id,
            employee_id=employee_id,
            track_id=track_id,
            chosen_by=actor.user_id,
            offered_track_ids=catalogue.state.track_ids(),
            now=self._services.clock(),
        )

        async def decide(loaded: Loaded[CareerChoiceState, Any]) -> Any:
            return career_choice_decider.decide(command, loaded.state)

        stream = career_choice_stream(actor.organisation_id, employee_id)
        return await run(
            self.commands,
            stream,
            decide,
            principal=actor.user_id,
            expected_version=expected_version,
            command=type(command).__name__,
        )

    async def get(self, actor: Actor, employee_id: str) -> Loaded[CareerChoiceState, Any]:
        require(actor, "view_career_choice", await self._services.employee_subject(actor, employee_id))
        return await self.commands.load(career_choice_stream(actor.organisation_id, employee_id))
