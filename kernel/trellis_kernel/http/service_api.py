"""The FastAPI app of a Trellis service: shared error answers, documentation served locally,
Prometheus metrics at ``/metrics`` and a span for every request."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from trellis_kernel.health import LIVENESS_PATH, READINESS_PATH
from trellis_kernel.http.errors import install_error_handlers
from trellis_kernel.observability.metrics import METRICS_PATH, metrics_router

UNTRACED_PATHS = ",".join((LIVENESS_PATH, READINESS_PATH, METRICS_PATH))


def service_api(
    *,
    title: str,
    version: str,
    summary: str,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    untraced_paths: Sequence[str] = (),
) -> FastAPI:
    """``/docs`` (Swagger UI) and ``/redoc`` load their scripts from this server, not a CDN, so
    they work on a network without internet access.

    Probes and scrapes are not traced, nor requests whose path matches one of the regular
    expressions ``untraced_paths``: where the request's trace (its caller's ``traceparent``, its
    client's address) must not reach what it records, an anonymous answer say. Their commands
    start traces of their own."""
    app: FastAPI = FastAPIOffline(title=title, version=version, summary=summary, lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(metrics_router())
    # One span per request: a span for each ASGI message sent or received costs on every
    # request and says nothing the request's own span does not.
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls=",".join((UNTRACED_PATHS, *untraced_paths)), exclude_spans=["receive", "send"]
    )
    return app
