"""Per-request dependencies: the application and the acting caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from trellis_contracts.fields import OPAQUE_ID_PATTERN
from trellis_goals.application import GoalsApplication, actor_of
from trellis_goals.domain.authorization import Actor
from trellis_kernel.identity import CurrentPrincipal


async def application(request: Request) -> GoalsApplication:
    app: GoalsApplication = request.app.state.goals
    return app


async def current_actor(principal: CurrentPrincipal) -> Actor:
    return actor_of(principal)


App = Annotated[GoalsApplication, Depends(application)]
Caller = Annotated[Actor, Depends(current_actor)]

# Path parameters are opaque ids like every id in the events; anything else is a 422.
IdInPath = Annotated[str, Path(pattern=OPAQUE_ID_PATTERN, examples=["0b7c9a64-5a43-4a8e-9f07-4f7f3c0d2f11"])]
