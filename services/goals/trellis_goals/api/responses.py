"""Shared response helpers."""

from __future__ import annotations

import uuid
from typing import Any

from trellis_goals.api.schemas import Accepted, Conflict, Problems, Refusal
from trellis_goals.application import Outcome

COMMAND_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Refusal, "description": "No valid bearer token."},
    403: {"model": Refusal, "description": "The caller may not do this."},
    404: {"model": Refusal, "description": "Nothing at that id."},
    409: {"model": Conflict, "description": "The stream moved past expected_version."},
    422: {"model": Problems, "description": "A field breaks a rule; each problem names it."},
}

QUERY_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: COMMAND_RESPONSES[401],
    403: COMMAND_RESPONSES[403],
    404: COMMAND_RESPONSES[404],
}


def accepted(outcome: Outcome) -> Accepted:
    return Accepted(
        stream_id=outcome.stream_id,
        version=outcome.version,
        events=[event.event_type() for event in outcome.events],
    )


def new_id() -> str:
    return str(uuid.uuid4())
