"""Use cases of an employee's reporting line (set by HR admins)."""

from __future__ import annotations

from typing import Any

from trellis_goals.application.common import Services, require, run
from trellis_goals.domain.authorization import Actor
from trellis_goals.domain.reporting_line import (
    ChangeReportingLine,
    ReportingLineState,
    reporting_line_decider,
)
from trellis_goals.streams import reporting_line_stream
from trellis_kernel.commands import Loaded, Outcome


class ReportingLines:
    def __init__(self, services: Services) -> None:
        self._services = services
        self.commands = services.handler(reporting_line_decider)

    async def change(
        self, actor: Actor, employee_id: str, manager_id: str | None, expected_version: int | None
    ) -> Outcome[ReportingLineState, Any]:
        require(actor, "change_reporting_line", await self._services.employee_subject(actor, employee_id))
        command = ChangeReportingLine(
            organisation_id=actor.organisation_id,
            employee_id=employee_id,
            manager_id=manager_id,
            changed_by=actor.user_id,
            now=self._services.clock(),
        )

        async def decide(loaded: Loaded[ReportingLineState, Any]) -> Any:
            return reporting_line_decider.decide(command, loaded.state)

        stream = reporting_line_stream(actor.organisation_id, employee_id)
        return await run(
            self.commands,
            stream,
            decide,
            principal=actor.user_id,
            expected_version=expected_version,
            command=type(command).__name__,
        )

    async def get(self, actor: Actor, employee_id: str) -> Loaded[ReportingLineState, Any]:
        require(actor, "view_reporting_line", await self._services.employee_subject(actor, employee_id))
        return await self.commands.load(reporting_line_stream(actor.organisation_id, employee_id))
