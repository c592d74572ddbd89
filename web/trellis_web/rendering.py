"""Renders pages with what every page shows: who is signed in, the navigation, messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from trellis_web.session import SignedIn, form_token, take_flashes

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")


def navigation(me: SignedIn | None) -> list[dict[str, str]]:
    if me is None:
        return []
    items = [
        {"href": f"/people/{me.person_id}", "label": "My growth"},
        {"href": f"/managers/{me.person_id}/team", "label": "My team"},
    ]
    if me.hr_admin:
        items.append({"href": "/organisation", "label": "Organisation"})
        items.append({"href": "/organisation/rewards", "label": "Rewards"})
    return items


def render(
    request: Request, template: str, me: SignedIn | None, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    path = request.url.path
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "me": me,
            "nav": navigation(me),
            "current_path": path,
            "flashes": take_flashes(request),
            "form_token": form_token(request),
            **context,
        },
        status_code=status_code,
    )
