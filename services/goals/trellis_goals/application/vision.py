"""Use cases of an employee's vision and values statement."""

from __future__ import annotations

from typing import Any

from trellis_goals.application.common import Services, require, run
from trellis_goals.domain.authorization import Actor
from trellis_goals.domain.vision import RecordVision, VisionState, VisionStatement, vision_decider
from trellis_goals.streams import vision_stream
from trellis_kernel.commands import Loaded, Outcome
from trellis_kernel.http import NotFound


class Visions:
    def __init__(self, services: Services) -> None:
        self._services = services
        self.commands = services.handler(vision_decider)

    async def record(
        self, actor: Actor, employee_id: str, statement: VisionStatement, expected_version: int | None
    ) -> Outcome[VisionState, Any]:
        """Define the statement, or revise it when there is one."""
        require(actor, "edit_vision", await self._services.employee_subject(actor, employee_id))
        command = RecordVision(
            organisation_id=actor.organisation_id,
            employee_id=employee_id,
            statement=statement,
            now=self._services.clock(),
        )

        async def decide(loaded: Loaded[VisionState, Any]) -> Any:
            return vision_decider.decide(command, loaded.state)

        stream = vision_stream(actor.organisation_id, employee_id)
        return await run(
            self.commands,
            stream,
            decide,
            principal=actor.user_id,
            expected_version=expected_version,
            command=type(command).__name__,
        )

    async def get(self, actor: Actor, employee_id: str) -> Loaded[VisionState, Any]:
        require(actor, "view_vision", await self._services.employee_subject(actor, employee_id))
        loaded = await self.commands.load(vision_stream(actor.organisation_id, employee_id))
        if loaded.state is None:
            raise NotFound(f"{employee_id!r} has no vision statement yet")
        return loaded
