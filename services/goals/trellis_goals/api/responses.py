"""Shared response helpers."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Response
from pydantic import BaseModel

from trellis_kernel.commands import Outcome
from trellis_kernel.http import Accepted


def accepted(outcome: Outcome[Any, Any]) -> Accepted:
    return Accepted(
        stream_id=outcome.stream_id,
        version=outcome.version,
        events=[event.event_type() for event in outcome.events],
    )


def json_of(model: BaseModel) -> Response:
    """``model`` as the answer, serialised once: FastAPI would validate a returned model again
    (the route declares it as its ``response_model`` for the OpenAPI document)."""
    return Response(model.model_dump_json(), media_type="application/json")


def new_id() -> str:
    return str(uuid.uuid4())
