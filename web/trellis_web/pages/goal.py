"""A goal's page: its terms and milestones, a timeline to step through (the goal as it was at
each step), its check-ins; agreeing, asking for changes and recording check-ins."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from trellis_web.pages.common import FORM_CHECKED, Me, back_to, command, goals, number
from trellis_web.rendering import render
from trellis_web.session import SignedIn

router = APIRouter()


def may_agree(goal: dict[str, Any], me: SignedIn) -> bool:
    """The other side of a pending proposal may agree to it (the proposer never may)."""
    return (
        goal["status"] == "proposed"
        and me.person_id in (goal["employee_id"], goal["manager_id"])
        and me.person_id != goal["proposal"]["proposed_by"]
    )


def may_check_in(goal: dict[str, Any], me: SignedIn) -> bool:
    return goal["status"] == "active" and me.person_id in (goal["employee_id"], goal["manager_id"])


@router.get("/goals/{goal_id}", response_class=HTMLResponse)
async def goal_page(request: Request, goal_id: str, me: Me, step: int | None = None) -> HTMLResponse:
    api = goals(request, me)
    record, timeline, check_ins = await asyncio.gather(
        api.get(f"/goals/{goal_id}"),
        api.get(f"/goals/{goal_id}/timeline"),
        api.get(f"/goals/{goal_id}/check-ins"),
    )
    steps = len(timeline)
    shown = None
    if step is not None and steps:
        step = min(max(step, 1), steps)
        shown = await api.get(f"/goals/{goal_id}/versions/{timeline[step - 1]['version']}")
    goal = record["goal"]
    return render(
        request,
        "goal.html",
        me,
        record=record,
        goal=goal,
        timeline=timeline,
        check_ins=list(reversed(check_ins)),
        step=step,
        steps=steps,
        shown=shown,
        may_agree=may_agree(goal, me),
        may_check_in=may_check_in(goal, me),
    )


@router.post("/goals/{goal_id}/agreement", dependencies=FORM_CHECKED)
async def agree(
    request: Request,
    goal_id: str,
    me: Me,
    expected_version: Annotated[int, Form()],
    next: Annotated[str, Form()] = "",
) -> RedirectResponse:
    return await command(
        request,
        goals(request, me).post(f"/goals/{goal_id}/agreement", {"expected_version": expected_version}),
        "Goal agreed: it is active now.",
        back_to(next, f"/goals/{goal_id}"),
    )


@router.post("/goals/{goal_id}/change-requests", dependencies=FORM_CHECKED)
async def ask_for_changes(
    request: Request,
    goal_id: str,
    me: Me,
    expected_version: Annotated[int, Form()],
    comment: Annotated[str, Form()],
) -> RedirectResponse:
    return await command(
        request,
        goals(request, me).post(
            f"/goals/{goal_id}/change-requests", {"expected_version": expected_version, "comment": comment}
        ),
        "Changes requested.",
        f"/goals/{goal_id}",
    )


@router.post("/goals/{goal_id}/check-ins", dependencies=FORM_CHECKED)
async def record_check_in(request: Request, goal_id: str, me: Me) -> RedirectResponse:
    form = await request.form()
    milestone_progress = []
    for key, value in form.multi_items():
        if key.startswith("milestone_progress_") and str(value).strip():
            milestone_progress.append(
                {"milestone_id": key.removeprefix("milestone_progress_"), "progress_percent": number(value)}
            )
    blockers = [line.strip() for line in str(form.get("blockers", "")).splitlines() if line.strip()]
    body = {
        "expected_version": number(form.get("expected_version")),
        "progress_summary": str(form.get("progress_summary", "")).strip(),
        "milestone_progress": milestone_progress,
        "blockers": blockers,
    }
    return await command(
        request,
        goals(request, me).post(f"/goals/{goal_id}/check-ins", body),
        "Check-in recorded.",
        f"/goals/{goal_id}",
    )


@router.post("/goals/{goal_id}/milestones/{milestone_id}/reached", dependencies=FORM_CHECKED)
async def reach_milestone(
    request: Request, goal_id: str, milestone_id: str, me: Me, expected_version: Annotated[int, Form()]
) -> RedirectResponse:
    return await command(
        request,
        goals(request, me).post(
            f"/goals/{goal_id}/milestones/{milestone_id}/reached", {"expected_version": expected_version}
        ),
        "Milestone reached: well done!",
        f"/goals/{goal_id}",
    )
