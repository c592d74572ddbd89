"""A manager's page: the team at a glance (progress per person, overdue items, proposals
awaiting agreement, agreed right here) and the team's progress plot."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from trellis_web import charts, slots
from trellis_web.pages.common import Me, goals, today
from trellis_web.rendering import render
from trellis_web.settings import WebSettings

router = APIRouter()


@router.get("/managers/{manager_id}/team", response_class=HTMLResponse)
async def team_page(request: Request, manager_id: str, me: Me) -> HTMLResponse:
    team = await goals(request, me).get(f"/managers/{manager_id}/team", today=today().isoformat())
    awaiting = [
        {"employee_id": member["employee_id"], "goal": goal}
        for member in team["members"]
        for goal in member["awaiting_manager"]
    ]
    bars = [(m["employee_id"], m["average_percent_complete"]) for m in team["members"]]
    settings: WebSettings = request.app.state.settings
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
        slots=slots.pending(slots.MANAGER_SLOTS, settings),
    )
