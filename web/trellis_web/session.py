"""Who is signed in: the bearer token kept in the signed session cookie, verified on every
request like the services verify it, and a per-session token that every form must carry."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Request

from trellis_kernel.identity import InvalidToken, Principal

HR_ADMIN_ROLE = "hr_admin"


class NotSignedIn(Exception):
    """No session, or its token expired or no longer verifies: sign in (again)."""


class BadFormToken(Exception):
    """A form arrived without this session's form token (an old page, or another site)."""


@dataclass(frozen=True)
class SignedIn:
    token: str
    principal: Principal

    @property
    def person_id(self) -> str:
        return self.principal.subject

    @property
    def organisation_id(self) -> str | None:
        return self.principal.organisation_id

    @property
    def hr_admin(self) -> bool:
        return self.principal.has_role(HR_ADMIN_ROLE)


async def start_session(request: Request, token: str) -> SignedIn:
    """Keeps ``token`` for this browser once it verifies."""
    principal = await request.app.state.verifier.verify(token)
    request.session.clear()
    request.session["token"] = token
    request.session["form_token"] = secrets.token_urlsafe(24)
    return SignedIn(token, principal)


async def signed_in(request: Request) -> SignedIn:
    """FastAPI dependency: the signed-in person, or NotSignedIn."""
    token = request.session.get("token")
    if not isinstance(token, str):
        raise NotSignedIn()
    try:
        principal = await request.app.state.verifier.verify(token)
    except InvalidToken as error:
        request.session.clear()
        raise NotSignedIn() from error
    return SignedIn(token, principal)


def form_token(request: Request) -> str:
    token = request.session.get("form_token")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["form_token"] = token
    return token


async def check_form_token(request: Request) -> None:
    """FastAPI dependency for every POST: the form's hidden token must match the session's."""
    form = await request.form()
    sent = form.get("form_token")
    expected = request.session.get("form_token")
    if (
        not isinstance(sent, str)
        or not isinstance(expected, str)
        or not secrets.compare_digest(sent, expected)
    ):
        raise BadFormToken()


def flash(request: Request, message: str, kind: str = "info") -> None:
    """A message for the next page shown (after a redirect)."""
    messages = list(request.session.get("flash", []))
    messages.append({"kind": kind, "text": message})
    request.session["flash"] = messages


def take_flashes(request: Request) -> list[dict[str, str]]:
    messages = request.session.pop("flash", [])
    return [m for m in messages if isinstance(m, dict)]
