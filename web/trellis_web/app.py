"""The web app's composition root: `uvicorn --factory trellis_web.app:create_app`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware

from trellis_web import signin
from trellis_web.api import ApiError, ServiceUnavailable
from trellis_web.charts import PLOTLY_JS
from trellis_web.pages import employee, feedback, goal, manager, organisation, rewards
from trellis_web.rendering import render
from trellis_web.session import BadFormToken, NotSignedIn
from trellis_web.settings import WebSettings

STATIC = Path(__file__).parent / "static"


def create_app(
    settings: WebSettings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    settings = settings or WebSettings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=15, transport=transport) as http:
            app.state.http = http
            yield

    app = FastAPI(title="Trellis web", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.verifier = settings.token_verifier()
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret,
        session_cookie="trellis_session",
        same_site="lax",
        https_only=settings.secure_cookies,
        max_age=int(settings.token_hours * 3600),
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    signin.install(app)
    for module in (employee, feedback, goal, manager, organisation, rewards):
        app.include_router(module.router)
    _install_error_pages(app)

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    async def plotly_js() -> FileResponse:
        return FileResponse(
            PLOTLY_JS, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"}
        )

    @app.get("/", include_in_schema=False)
    async def home(request: Request) -> Response:
        token = request.session.get("token")
        if not token:
            return RedirectResponse("/signin", status_code=303)
        try:
            me = await signin.current(request)
        except NotSignedIn:
            return RedirectResponse("/signin", status_code=303)
        return RedirectResponse(f"/people/{me.person_id}", status_code=303)

    return app


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _: NotSignedIn) -> Response:
        target = request.url.path if request.method == "GET" else "/"
        return RedirectResponse(f"/signin?next={target}", status_code=303)

    @app.exception_handler(BadFormToken)
    async def bad_form(request: Request, _: BadFormToken) -> HTMLResponse:
        return render(
            request, "error.html", None, status_code=400, title="Please try again",
            message="This form was out of date (or came from another site). Reload the page and send it again.",
        )  # fmt: skip

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> Response:
        if error.status == 401:
            request.session.clear()
            return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
        titles = {403: "You may not see this page", 404: "Nothing here"}
        me = await signin.current_or_none(request)
        return render(
            request, "error.html", me, status_code=error.status if error.status in titles else 502,
            title=titles.get(error.status, f"The {error.service} service could not answer"),
            message="; ".join(error.reasons),
        )  # fmt: skip

    @app.exception_handler(ServiceUnavailable)
    async def unavailable(request: Request, error: ServiceUnavailable) -> HTMLResponse:
        me = await signin.current_or_none(request)
        return render(request, "error.html", me, status_code=503, title="Not available", message=str(error))
