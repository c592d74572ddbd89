"""Per-request dependencies: the application, the acting caller, ids in paths, answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from trellis_contracts.fields import OPAQUE_ID_PATTERN
from trellis_kernel.http import Accepted
from trellis_kernel.identity import CurrentPrincipal
from trellis_recognition.application import RecognitionApplication, Recorded, actor_of
from trellis_recognition.domain.authorization import Actor


async def application(request: Request) -> RecognitionApplication:
    app: RecognitionApplication = request.app.state.recognition
    return app


async def current_actor(principal: CurrentPrincipal) -> Actor:
    return actor_of(principal)


App = Annotated[RecognitionApplication, Depends(application)]
Caller = Annotated[Actor, Depends(current_actor)]

# Path parameters are opaque ids like every id in the events; anything else is a 422.
IdInPath = Annotated[str, Path(pattern=OPAQUE_ID_PATTERN, examples=["0b7c9a64-5a43-4a8e-9f07-4f7f3c0d2f11"])]
Limit = Annotated[int, Query(ge=1, le=500, description="At most this many, newest first.")]


def accepted(recorded: Recorded) -> Accepted:
    return Accepted(stream_id=recorded.stream_id, version=recorded.version, events=list(recorded.event_types))
