"""How failures reach the caller: 422 with field and reason, 409 with the current version,
403 with why, 404 with nothing that tells another organisation's thing from a missing one."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from trellis_kernel.decider import DomainError
from trellis_kernel.store import InvalidValue


class NotFound(Exception):
    """There is nothing at that id in the caller's organisation."""


class Forbidden(Exception):
    """The caller may not do this; the message says why."""


class StaleVersion(Exception):
    """The caller decided on an older version of the stream than the current one."""

    def __init__(self, stream_id: str, expected: int, current_version: int) -> None:
        super().__init__(f"{stream_id} is at version {current_version}, the request expected {expected}")
        self.stream_id = stream_id
        self.current_version = current_version


def field_path(location: tuple[int | str, ...]) -> str:
    """A validation error's location as the caller wrote it: ``milestones[0].due_date``."""
    dotted = ""
    for part in (str(p) for p in location if p not in ("body", "query", "path", "header")):
        dotted += f"[{part}]" if part.isdigit() else (f".{part}" if dotted else part)
    return dotted


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, error: DomainError) -> JSONResponse:
        return JSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            content={"detail": [{"field": error.field, "reason": error.message}]},
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": field_path(tuple(problem["loc"])), "reason": problem["msg"]}
            for problem in error.errors()
        ]
        return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content={"detail": problems})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        # A body that cannot be read at all (not JSON, not UTF-8) is the caller's input too: the
        # same 422 as any invalid field, not FastAPI's undocumented 400.
        if error.status_code == status.HTTP_400_BAD_REQUEST:
            return JSONResponse(
                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
                content={"detail": [{"field": "body", "reason": str(error.detail)}]},
            )
        return await http_exception_handler(request, error)

    @app.exception_handler(InvalidValue)
    async def unstorable(_: Request, error: InvalidValue) -> JSONResponse:
        # What validation let through but the event store refuses (a lone surrogate, an id the
        # token carries that no stream id may hold): the caller's input, so a 422 with the reason.
        return JSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            content={"detail": [{"field": None, "reason": f"cannot be stored: {error}"}]},
        )

    @app.exception_handler(StaleVersion)
    async def stale(_: Request, error: StaleVersion) -> JSONResponse:
        return JSONResponse(
            status_code=status.HTTP_409_CONFLICT,
            content={"detail": str(error), "current_version": error.current_version},
        )

    @app.exception_handler(Forbidden)
    async def forbidden(_: Request, error: Forbidden) -> JSONResponse:
        return JSONResponse(status_code=status.HTTP_403_FORBIDDEN, content={"detail": str(error)})

    @app.exception_handler(NotFound)
    async def not_found(_: Request, error: NotFound) -> JSONResponse:
        return JSONResponse(status_code=status.HTTP_404_NOT_FOUND, content={"detail": str(error)})
