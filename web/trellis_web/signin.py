"""Signing in: development tokens in local mode, an OpenID Connect provider where configured."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from trellis_contracts.fields import OPAQUE_ID_PATTERN
from trellis_kernel.identity import InvalidToken, mint_token
from trellis_web.rendering import render
from trellis_web.session import (
    HR_ADMIN_ROLE,
    NotSignedIn,
    SignedIn,
    check_form_token,
    flash,
    signed_in,
    start_session,
)
from trellis_web.settings import WebSettings

router = APIRouter()
_ID = re.compile(OPAQUE_ID_PATTERN)


async def current(request: Request) -> SignedIn:
    return await signed_in(request)


async def current_or_none(request: Request) -> SignedIn | None:
    try:
        return await signed_in(request)
    except NotSignedIn:
        return None


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never another site) to go to after signing in."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def install(app: FastAPI) -> None:
    settings: WebSettings = app.state.settings
    if settings.oidc is not None:
        # Imported only when a provider is configured: local mode needs no OAuth client.
        from authlib.integrations.starlette_client import OAuth

        oauth = OAuth()
        oauth.register(
            "provider",
            client_id=settings.oidc.client_id,
            client_secret=settings.oidc.client_secret,
            server_metadata_url=settings.oidc.metadata_url,
            client_kwargs={"scope": settings.oidc.scope, "code_challenge_method": "S256"},
        )
        app.state.oauth = oauth
    app.include_router(router)


@router.get("/signin", include_in_schema=False)
async def signin_page(request: Request, next: str | None = None) -> HTMLResponse:
    settings: WebSettings = request.app.state.settings
    return render(
        request,
        "signin.html",
        await current_or_none(request),
        local_mode=settings.local_mode,
        oidc=settings.oidc is not None,
        next=_safe_next(next),
    )


def require_local_mode(request: Request) -> None:
    """Development tokens exist only while the platform trusts the local secret."""
    settings: WebSettings = request.app.state.settings
    if not settings.local_mode:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "development tokens are issued only in local mode")


@router.post(
    "/signin/local",
    include_in_schema=False,
    dependencies=[Depends(require_local_mode), Depends(check_form_token)],
)
async def local_signin(
    request: Request,
    person_id: Annotated[str, Form()],
    organisation_id: Annotated[str, Form()],
    hr_admin: Annotated[bool, Form()] = False,
    next: Annotated[str, Form()] = "/",
) -> Response:
    settings: WebSettings = request.app.state.settings
    assert settings.jwt_secret is not None
    person_id, organisation_id = person_id.strip(), organisation_id.strip()
    problems = [
        f"{label} may hold letters, digits and . _ : - (starting with a letter or digit)"
        for label, value in (("Your id", person_id), ("Organisation", organisation_id))
        if not _ID.fullmatch(value)
    ]
    if problems:
        for problem in problems:
            flash(request, problem, "error")
        return RedirectResponse(f"/signin?next={_safe_next(next)}", status_code=303)
    token = mint_token(
        settings.jwt_secret,
        person_id,
        roles=[HR_ADMIN_ROLE] if hr_admin else [],
        organisation_id=organisation_id,
        expires_in=timedelta(hours=settings.token_hours),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    await start_session(request, token)
    return RedirectResponse(_target(next, person_id), status_code=303)


def _target(next: str, person_id: str) -> str:
    target = _safe_next(next)
    return f"/people/{person_id}" if target == "/" else target


@router.get("/signin/oidc", include_in_schema=False)
async def oidc_signin(request: Request, next: str | None = None) -> Response:
    oauth: Any = getattr(request.app.state, "oauth", None)
    if oauth is None:
        return RedirectResponse("/signin", status_code=303)
    request.session["after_signin"] = _safe_next(next)
    redirect_uri = str(request.url_for("oidc_callback"))
    response: Response = await oauth.provider.authorize_redirect(request, redirect_uri)
    return response


@router.get("/signin/oidc/callback", include_in_schema=False, name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    settings: WebSettings = request.app.state.settings
    oauth: Any = getattr(request.app.state, "oauth", None)
    if oauth is None or settings.oidc is None:
        return RedirectResponse("/signin", status_code=303)
    after = request.session.get("after_signin", "/")
    from authlib.integrations.starlette_client import OAuthError

    try:
        tokens: dict[str, Any] = await oauth.provider.authorize_access_token(request)
    except OAuthError as error:
        flash(request, f"The sign-in provider refused: {error.description or error.error}", "error")
        return RedirectResponse("/signin", status_code=303)
    api_token = tokens.get(settings.oidc.api_token)
    if not isinstance(api_token, str):
        flash(request, f"The sign-in provider sent no {settings.oidc.api_token}", "error")
        return RedirectResponse("/signin", status_code=303)
    try:
        me = await start_session(request, api_token)
    except InvalidToken as error:
        flash(request, f"The platform does not accept the provider's token: {error}", "error")
        return RedirectResponse("/signin", status_code=303)
    return RedirectResponse(_target(str(after), me.person_id), status_code=303)


@router.post("/signout", include_in_schema=False, dependencies=[Depends(check_form_token)])
async def signout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/signin", status_code=303)
