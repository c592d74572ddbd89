"""A manager's page: the team at a glance (progress per person, overdue items, proposals
awaiting agreement, agreed right here), the team's progress plot, the conversations due and
the upward feedback on the manager's coaching."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from trellis_web import charts, slots
from trellis_web.pages import feedback
from trellis_web.pages.common import Me, Part, goals, today, unconfigured
from trellis_web.rendering import render
from trellis_web.settings import WebSettings

router = APIRouter()


@router.get("/managers/{manager_id}/team", response_class=HTMLResponse)
async def team_page(request: Request, manager_id: str, me: Me) -> HTMLResponse:
    settings: WebSettings = request.app.state.settings
    day = today()
    has_feedback = settings.service_url("feedback") is not None
    own = me.person_id == manager_id
    team, log, received = await asyncio.gather(
        goals(request, me).get(f"/managers/{manager_id}/team", today=day.isoformat()),
        feedback.manager_log(request, me, manager_id) if has_feedback else unconfigured(),
        feedback.received(request, me, manager_id) if has_feedback and own else unconfigured(),
    )
    awaiting = [
        {"employee_id": member["employee_id"], "goal": goal}
        for member in team["members"]
        for goal in member["awaiting_manager"]
    ]
    bars = [(m["employee_id"], m["average_percent_complete"]) for m in team["members"]]
    rendered = {"conversations-due"} | ({"team-feedback"} if own else set())
    return render(
        request,
        "team.html",
        me,
        manager_id=manager_id,
        team=team,
        awaiting=awaiting,
        chart=charts.percent_bars("team-progress", "Team progress", bars, what="average of active goals")
        if bars
        else None,
        slots=slots.pending(slots.MANAGER_SLOTS, settings, frozenset(rendered)),
        has_feedback=has_feedback,
        own=own,
        log=log,
        due=feedback.conversations_due(log.value, day) if log.value is not None else [],
        upward=Part([f for f in received.value if f["kind"] == "upward"])
        if received.value is not None
        else received,
        today=day.isoformat(),
    )
