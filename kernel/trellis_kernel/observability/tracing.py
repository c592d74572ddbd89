"""OpenTelemetry traces whose context travels in the events' CloudEvents ``traceparent``.

A command's span (``CommandHandler``) is a child of the HTTP request's (the FastAPI
instrumentation) or of the consumer's; the traceparent stored with the events it appends is the
append span's. The relay's publish span and the consuming service's consume span are children of
that stored context (as the CloudEvents distributed-tracing convention has it), and the consumer's
own command and append follow as children of its consume span: one trace from the request to the
other service's append.

``configure_tracing(service)`` once per process sets the tracer provider (unless one is set, as a
test does with an in-memory exporter): spans go to an OTLP collector when
``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set, and then every
database query gets a span too (the asyncpg instrumentation); without an endpoint the spans
still give logs and events their trace ids, and queries are not traced (spans nobody receives,
one per query, would only cost). The SDK's other ``OTEL_*`` variables (``OTEL_SERVICE_NAME``,
``OTEL_TRACES_SAMPLER``, ...) apply as documented by OpenTelemetry.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

TRACER = trace.get_tracer("trellis_kernel")
_PROPAGATOR = TraceContextTextMapPropagator()
_EXPORTER_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
_lock = threading.Lock()
_configured = False


def configure_tracing(service: str) -> None:
    """Set up tracing for this process (the first call counts; later ones do nothing)."""
    global _configured
    with _lock:
        if _configured:
            return
        _configured = True
        if not isinstance(trace.get_tracer_provider(), TracerProvider):
            name = os.environ.get("OTEL_SERVICE_NAME") or f"trellis-{service}"
            provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
            if any(os.environ.get(variable) for variable in _EXPORTER_VARIABLES):
                from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

                provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
                trace_queries()
            trace.set_tracer_provider(provider)


def trace_queries() -> None:
    """A span for every asyncpg query of this process (idempotent)."""
    instrumentor = AsyncPGInstrumentor()  # type: ignore[no-untyped-call]
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


@contextmanager
def current_span(
    name: str,
    *,
    context: Context | None = None,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Mapping[str, AttributeValue] | None = None,
) -> Iterator[Span]:
    """A span made current for the block; a failure is told by the error's type only (its text
    may quote personal data, which stays out of telemetry as it stays out of logs)."""
    with TRACER.start_as_current_span(
        name,
        context=context,
        kind=kind,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            yield span
        except BaseException as error:
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            raise


def context_from(traceparent: str | None) -> Context | None:
    """The trace context a stored or received ``traceparent`` names (None: a new trace)."""
    if not traceparent:
        return None
    return _PROPAGATOR.extract({"traceparent": traceparent})


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span, or None outside any recorded span."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")
