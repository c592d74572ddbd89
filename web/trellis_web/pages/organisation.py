"""HR's page: the organisation's career tracks and goals, and who reports to whom."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from trellis_web import charts, slots
from trellis_web.pages.common import FORM_CHECKED, Me, command, goals, today
from trellis_web.rendering import render
from trellis_web.settings import WebSettings

router = APIRouter()
STATUS_ORDER = ("proposed", "changes_requested", "active", "completed", "abandoned", "withdrawn")
PAGE_SIZE = 100
REWARDS_PAGE_SLOTS = frozenset({"reward-policies", "compensation-approvals"})
"""Shown on the rewards page (/organisation/rewards) once the recognition service is there."""


@router.get("/organisation", response_class=HTMLResponse)
async def organisation_page(
    request: Request,
    me: Me,
    status: str | None = None,
    overdue: bool | None = None,
    after: str | None = None,
) -> HTMLResponse:
    api = goals(request, me)
    filters = {"status": status or None, "overdue": "true" if overdue else None}
    tracks, page, counts = await asyncio.gather(
        api.get("/career-tracks"),
        api.get("/organisation/goals", today=today().isoformat(), limit=PAGE_SIZE, after=after, **filters),
        api.get("/organisation/goal-counts", today=today().isoformat()),
    )
    by_employee: dict[str, list[dict[str, Any]]] = {}
    for goal in page["goals"]:
        by_employee.setdefault(goal["employee_id"], []).append(goal)
    statuses = counts["by_status"]
    more = (
        "/organisation?"
        + urlencode({k: v for k, v in {**filters, "after": page["next_cursor"]}.items() if v})
        if page["next_cursor"]
        else None
    )
    settings: WebSettings = request.app.state.settings
    return render(
        request,
        "organisation.html",
        me,
        tracks=tracks,
        by_employee=by_employee,
        goal_count=counts["total"],
        overdue_count=counts["overdue"],
        statuses=STATUS_ORDER,
        status=status,
        overdue=bool(overdue),
        next_page=more,
        chart=charts.counts(
            "goals-by-status",
            "Goals by status",
            [(name.replace("_", " "), statuses[name]) for name in STATUS_ORDER if statuses.get(name)],
            what="goals",
        )
        if counts["total"]
        else None,
        slots=slots.pending(slots.HR_SLOTS, settings, REWARDS_PAGE_SLOTS),
        has_recognition=settings.service_url("recognition") is not None,
    )


@router.post("/organisation/reporting-lines", dependencies=FORM_CHECKED)
async def set_manager(
    request: Request, me: Me, employee_id: Annotated[str, Form()], manager_id: Annotated[str, Form()]
) -> RedirectResponse:
    employee_id, manager_id = employee_id.strip(), manager_id.strip()
    return await command(
        request,
        goals(request, me).post(f"/employees/{employee_id}/manager", {"manager_id": manager_id or None}),
        f"{employee_id} now reports to {manager_id}."
        if manager_id
        else f"{employee_id} reports to no one now.",
        "/organisation#reporting-lines",
    )
