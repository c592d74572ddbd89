"""Structured logs: one JSON object a line, with the trace, the organisation and the event.

``logging_config()`` is the ``logging.config.dictConfig`` a service process starts with
(``trellis serve`` hands it to uvicorn, so uvicorn's own loggers write JSON too). Every line
carries ``trace_id`` and ``span_id`` of the current span, and ``organisation_id`` and
``event_id`` while the code runs within ``log_context(...)`` (the CommandHandler sets the
organisation of the stream it appends to, a consumer the event it handles).

Log lines carry ids, types and counts, never personal text (what people wrote, reasons,
messages): those stay in the events' personal-data fields.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from opentelemetry import trace
from pythonjsonlogger.core import RESERVED_ATTRS

_FIELDS: ContextVar[dict[str, str]] = ContextVar("trellis_log_fields", default={})  # noqa: B039 - never mutated


@contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Within this block, every log line carries ``fields`` (None values are left out)."""
    token = _FIELDS.set({**_FIELDS.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _FIELDS.reset(token)


class ContextFilter(logging.Filter):
    """Adds the current span's ``trace_id`` and ``span_id`` and the ``log_context`` fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            record.trace_id = format(span.trace_id, "032x")
            record.span_id = format(span.span_id, "016x")
        for name, value in _FIELDS.get().items():
            setattr(record, name, value)
        return True


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """JSON lines on standard error for the root logger and uvicorn's loggers."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
                "timestamp": False,
                # uvicorn's copy of a message with terminal colours
                "reserved_attrs": [*RESERVED_ATTRS, "color_message"],
            }
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "json",
                "filters": ["context"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            name: {"level": level, "handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
