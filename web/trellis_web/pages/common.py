"""What the page modules share: API clients for the signed-in person, form helpers."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse

from trellis_web.api import ApiError, ServiceClient, ServiceUnavailable
from trellis_web.session import SignedIn, check_form_token, flash, signed_in
from trellis_web.settings import WebSettings

Me = Annotated[SignedIn, Depends(signed_in)]
FORM_CHECKED = [Depends(check_form_token)]


def client(request: Request, me: SignedIn, service: str) -> ServiceClient:
    settings: WebSettings = request.app.state.settings
    return ServiceClient(request.app.state.http, service, settings.service_url(service), me.token)


def goals(request: Request, me: SignedIn) -> ServiceClient:
    return client(request, me, "goals")


def feedback(request: Request, me: SignedIn) -> ServiceClient:
    return client(request, me, "feedback")


def recognition(request: Request, me: SignedIn) -> ServiceClient:
    return client(request, me, "recognition")


T = TypeVar("T")


@dataclass(frozen=True)
class Part(Generic[T]):
    """One part of a page that another service answers: what it said, or why it says nothing
    (not configured, not answering, or not for this person's eyes). The rest of the page is
    shown either way."""

    value: T | None = None
    missing: str | None = None

    @property
    def shown(self) -> bool:
        return self.missing is None


async def part(call: Awaitable[T]) -> Part[T]:
    try:
        return Part(await call)
    except ServiceUnavailable as error:
        return Part(missing=f"Not available right now: {error}.")
    except ApiError as error:
        if error.status == 401:
            raise
        if error.status in (403, 404):
            return Part(missing="Not shared with you.")
        return Part(missing=f"Not available right now: {error}.")


async def unconfigured() -> Part[Any]:
    """A part whose service is not configured: the page shows its slot instead."""
    return Part(missing="not configured")


def today() -> date:
    return datetime.now(UTC).date()


def back_to(target: str | None, fallback: str) -> str:
    """A path on this site to return to after a form."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return fallback


async def command(request: Request, action: Any, done: str, target: str) -> RedirectResponse:
    """Runs an API command; says what happened (or why not) on the next page."""
    try:
        await action
    except ApiError as error:
        if error.status in (401, 403, 404):
            raise
        if error.status == 409:
            flash(
                request,
                "Someone changed this meanwhile; here is the current state. Please try again.",
                "error",
            )
        else:
            for reason in error.reasons:
                flash(request, reason, "error")
        return RedirectResponse(target, status_code=303)
    flash(request, done, "success")
    return RedirectResponse(target, status_code=303)


def parse_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def number(value: object) -> int | float | str | None:
    """A number typed into a form, as a number (the APIs' contracts are strict); the text as it
    was when it is not one, so the API's answer says what is wrong with it."""
    text = str(value or "").strip()
    if not text:
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text
