"""The bodies of a Trellis API's answers other than success, as its OpenAPI document shows them.

Every route declares these responses, 422 included: FastAPI would otherwise document its own
validation error shape, which is not what the error handlers answer.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Accepted(BaseModel):
    """A command's result: the stream it wrote to and the version it is at now."""

    stream_id: str
    version: int
    events: list[str] = Field(description="CloudEvents types of the events recorded, if any.")


class FieldProblem(BaseModel):
    field: str | None = Field(description="The request field at fault (dotted path), if one is.")
    reason: str


class Problems(BaseModel):
    """Why a request was refused: one entry per problem, each naming its field."""

    detail: list[FieldProblem]


class Conflict(BaseModel):
    detail: str
    current_version: int = Field(description="The version the stream is at now; decide again on it.")


class Refusal(BaseModel):
    detail: str


_CHALLENGE = {
    "WWW-Authenticate": {
        "description": 'A Bearer challenge (RFC 6750), with error="invalid_token" for a bad token.',
        "schema": {"type": "string"},
    }
}

COMMAND_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Refusal, "description": "No valid bearer token.", "headers": _CHALLENGE},
    403: {"model": Refusal, "description": "The caller may not do this."},
    404: {"model": Refusal, "description": "Nothing at that id (in the caller's organisation)."},
    409: {
        "model": Conflict | Refusal,
        "description": "The stream moved past expected_version (with current_version), or a "
        "client-chosen id was already used for a different request.",
    },
    422: {"model": Problems, "description": "A field breaks a rule; each problem names it."},
}

QUERY_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: COMMAND_RESPONSES[status] for status in (401, 403, 404, 422)
}
