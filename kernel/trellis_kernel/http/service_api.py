"""The FastAPI app of a Trellis service: shared error answers, documentation served locally."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from trellis_kernel.http.errors import install_error_handlers


def service_api(
    *,
    title: str,
    version: str,
    summary: str,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
) -> FastAPI:
    """``/docs`` (Swagger UI) and ``/redoc`` load their scripts from this server, not a CDN, so
    they work on a network without internet access."""
    app: FastAPI = FastAPIOffline(title=title, version=version, summary=summary, lifespan=lifespan)
    install_error_handlers(app)
    return app
