"""Per-request dependencies (the application, the caller, the trace context, the three together for
a command) and the answers every route shares."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Concatenate, ParamSpec

from fastapi import Depends, FastAPI, Path, Request, status
from fastapi.responses import JSONResponse

from trellis_contracts.fields import OPAQUE_ID_PATTERN
from trellis_feedback.application import FeedbackApplication, actor_of
from trellis_feedback.domain.authorization import Actor
from trellis_feedback.receipts import IdTaken, Receipt
from trellis_kernel.http import COMMAND_RESPONSES, Accepted, Conflict, Refusal
from trellis_kernel.identity import CurrentPrincipal
from trellis_kernel.metadata import trace_context

P = ParamSpec("P")


async def application(request: Request) -> FeedbackApplication:
    app: FeedbackApplication = request.app.state.feedback
    return app


async def current_actor(principal: CurrentPrincipal) -> Actor:
    return actor_of(principal)


async def traceparent(request: Request) -> str | None:
    return trace_context(request.headers.get("traceparent"))


async def today(request: Request) -> date:
    app: FeedbackApplication = request.app.state.feedback
    return app.clock().date()


App = Annotated[FeedbackApplication, Depends(application)]
Caller = Annotated[Actor, Depends(current_actor)]
Trace = Annotated[str | None, Depends(traceparent)]
Today = Annotated[date, Depends(today)]
IdInPath = Annotated[str, Path(pattern=OPAQUE_ID_PATTERN, examples=["req_5f0c1a52"])]

CREATE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **COMMAND_RESPONSES,
    409: {
        "model": Conflict | Refusal,
        "description": "The id was used before for a different request (the same request again answers "
        "as the first time), or the stream moved past expected_version.",
    },
}


def accepted(receipt: Receipt) -> Accepted:
    return Accepted(stream_id=receipt.stream_id, version=receipt.version, events=list(receipt.event_types))


@dataclass(frozen=True)
class CommandCall:
    """The application, who calls and the request's trace context: what every command route hands
    its use case."""

    app: FeedbackApplication
    caller: Actor
    traceparent: str | None

    async def run(
        self, use_case: Callable[Concatenate[Actor, P], Awaitable[Receipt]], *args: P.args, **kwargs: P.kwargs
    ) -> Accepted:
        """Run ``use_case`` for the caller and answer its receipt."""
        return accepted(await use_case(self.caller, *args, **kwargs))


async def command_call(app: App, caller: Caller, trace: Trace) -> CommandCall:
    return CommandCall(app, caller, trace)


Command = Annotated[CommandCall, Depends(command_call)]


def new_id() -> str:
    return str(uuid.uuid4())


def install_id_taken_handler(app: FastAPI) -> None:
    @app.exception_handler(IdTaken)
    async def id_taken(_: Request, error: IdTaken) -> JSONResponse:
        return JSONResponse(status_code=status.HTTP_409_CONFLICT, content={"detail": str(error)})
