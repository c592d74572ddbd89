"""A service's log lines are JSON objects carrying the trace, the organisation and the event."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from logging.config import DictConfigurator
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from trellis_kernel.observability import log_context, logging_config
from trellis_kernel.observability.logs import ContextFilter


@pytest.fixture
def lines() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing through the formatter and filter that ``logging_config`` configures."""
    config = logging_config()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(DictConfigurator(config).configure_formatter(dict(config["formatters"]["json"])))
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("tests.observability.json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)


def written(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_lines_carry_the_trace_the_organisation_and_the_event(
    lines: tuple[logging.Logger, io.StringIO], tracer_provider: TracerProvider
) -> None:
    logger, stream = lines
    tracer = tracer_provider.get_tracer("tests")
    logger.info("before")
    with (
        tracer.start_as_current_span("consume") as span,
        log_context(organisation_id="org_7", event_id="e-1"),
    ):
        with log_context(event_id="e-2", note=None):
            logger.warning("inner %d", 2)
        logger.info("outer")
    logger.info("after", extra={"color_message": "\x1b[36mafter\x1b[0m"})

    before, inner, outer, after = written(stream)
    assert before == {
        "time": before["time"],
        "level": "INFO",
        "logger": "tests.observability.json",
        "message": "before",
    }
    context = span.get_span_context()
    assert inner["message"] == "inner 2" and inner["level"] == "WARNING"
    assert (inner["trace_id"], inner["span_id"]) == (
        format(context.trace_id, "032x"),
        format(context.span_id, "016x"),
    )
    assert (inner["organisation_id"], inner["event_id"]) == ("org_7", "e-2")
    assert "note" not in inner
    assert (outer["organisation_id"], outer["event_id"]) == ("org_7", "e-1")
    assert {"trace_id", "organisation_id", "event_id", "color_message"}.isdisjoint(after)
