"""Shared response helpers."""

from __future__ import annotations

import uuid
from typing import Any

from trellis_kernel.commands import Outcome
from trellis_kernel.http import Accepted


def accepted(outcome: Outcome[Any, Any]) -> Accepted:
    return Accepted(
        stream_id=outcome.stream_id,
        version=outcome.version,
        events=[event.event_type() for event in outcome.events],
    )


def new_id() -> str:
    return str(uuid.uuid4())
