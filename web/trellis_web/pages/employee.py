"""An employee's page: vision and values, goals with milestone progress, what is due and
overdue, progress over time; and proposing a goal (on one's own page)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from trellis_web import charts, slots
from trellis_web.pages import feedback, rewards
from trellis_web.pages.common import (
    FORM_CHECKED,
    Me,
    command,
    goals,
    number,
    parse_datetime,
    today,
    unconfigured,
)
from trellis_web.rendering import render
from trellis_web.settings import WebSettings

router = APIRouter()
MILESTONE_ROWS = 3


def due_items(progress: dict[str, Any], day: date) -> list[dict[str, Any]]:
    """What is due next and what is overdue across the active goals, soonest first."""
    items = []
    for goal in progress["goals"]:
        if goal["status"] != "active":
            continue
        if goal["goal_overdue"]:
            items.append(
                {
                    "what": "Goal",
                    "title": goal["title"],
                    "goal": goal,
                    "due_date": goal["due_date"],
                    "overdue": True,
                }
            )
        for milestone in goal["overdue_milestones"]:
            items.append(
                {
                    "what": "Milestone",
                    "title": milestone["title"],
                    "goal": goal,
                    "due_date": milestone["due_date"],
                    "overdue": True,
                }
            )
        upcoming = goal["next_milestone"]
        if upcoming:
            items.append(
                {
                    "what": "Milestone",
                    "title": upcoming["title"],
                    "goal": goal,
                    "due_date": upcoming["due_date"],
                    "overdue": False,
                }
            )
    for item in items:
        item["days"] = (date.fromisoformat(item["due_date"]) - day).days
    return sorted(items, key=lambda item: (not item["overdue"], item["due_date"]))


@router.get("/people/{employee_id}", response_class=HTMLResponse)
async def employee_page(request: Request, employee_id: str, me: Me) -> HTMLResponse:
    api = goals(request, me)
    day = today()
    progress = await api.get(f"/employees/{employee_id}/progress", today=day.isoformat())
    vision, choice = await asyncio.gather(
        api.get_or_none(f"/employees/{employee_id}/vision"),
        api.get_or_none(f"/employees/{employee_id}/career-track"),
    )
    goal_ids = [g["goal_id"] for g in progress["goals"]]
    details = await asyncio.gather(*(api.get(f"/goals/{g}") for g in goal_ids))
    histories = await asyncio.gather(*(api.get(f"/goals/{g}/progress-history") for g in goal_ids))
    records = {record["goal"]["goal_id"]: record for record in details}
    series = [
        (goal["title"], [(parse_datetime(p["occurred_at"]), p["percent_complete"]) for p in history])
        for goal, history in zip(progress["goals"], histories, strict=True)
        if goal["status"] in ("active", "completed")
    ]
    waiting_for_me = [
        records[g["goal_id"]]
        for g in progress["goals"]
        if g["status"] == "proposed"
        and me.person_id == employee_id
        and records[g["goal_id"]]["goal"]["proposal"]["proposed_by"] != me.person_id
    ]
    settings: WebSettings = request.app.state.settings
    is_me = me.person_id == employee_id
    received, to_answer, recognised = await asyncio.gather(
        feedback.received(request, me, employee_id) if settings.service_url("feedback") else unconfigured(),
        feedback.to_answer(request, me) if is_me and settings.service_url("feedback") else unconfigured(),
        rewards.feed(request, me, employee_id) if settings.service_url("recognition") else unconfigured(),
    )
    rendered = {"feedback-received", "recognition"} | ({"feedback-requests"} if is_me else set())
    return render(
        request,
        "employee.html",
        me,
        employee_id=employee_id,
        is_me=is_me,
        progress=progress,
        records=records,
        vision=vision,
        waiting_for_me=waiting_for_me,
        track_id=(choice or {}).get("track_id"),
        due=due_items(progress, day),
        chart=charts.progress_over_time("progress-over-time", series) if series else None,
        milestone_rows=range(1, MILESTONE_ROWS + 1),
        slots=[
            slot
            for slot in slots.pending(slots.EMPLOYEE_SLOTS, settings, frozenset(rendered))
            if is_me or slot.slot_id != "feedback-requests"  # answered on one's own page only
        ],
        has_feedback=settings.service_url("feedback") is not None,
        has_recognition=settings.service_url("recognition") is not None,
        today=day,
        received=received,
        to_answer=to_answer,
        recognised=recognised,
        kind_labels=feedback.KIND_LABELS,
        relationship_labels=feedback.RELATIONSHIP_LABELS,
        visibility_labels=feedback.VISIBILITY_LABELS,
        outcome_labels=rewards.OUTCOME_LABELS,
    )


def _proposal(employee_id: str, form: Any) -> dict[str, Any]:
    milestones = []
    for row in range(1, MILESTONE_ROWS + 1):
        title = str(form.get(f"milestone_title_{row}", "")).strip()
        due = str(form.get(f"milestone_due_{row}", "")).strip()
        if title or due:
            milestones.append(
                {
                    "milestone_id": f"ms_{row}",
                    "title": title,
                    "owner_id": employee_id,
                    "due_date": due or None,
                }
            )
    body: dict[str, Any] = {
        "goal_id": f"goal_{uuid.uuid4().hex[:12]}",
        "employee_id": employee_id,
        "title": str(form.get("title", "")).strip(),
        "description": str(form.get("description", "")).strip(),
        "due_date": str(form.get("due_date", "")).strip() or None,
        "milestones": milestones,
    }
    metric_name = str(form.get("metric_name", "")).strip()
    if metric_name:
        body["metric"] = {
            "name": metric_name,
            "unit": str(form.get("metric_unit", "")).strip(),
            "baseline": number(form.get("metric_baseline")),
            "target": number(form.get("metric_target")),
        }
    return body


@router.post("/people/{employee_id}/goals", dependencies=FORM_CHECKED)
async def propose_goal(request: Request, employee_id: str, me: Me) -> RedirectResponse:
    body = _proposal(employee_id, await request.form())
    return await command(
        request,
        goals(request, me).post("/goals", body),
        f"Goal “{body['title']}” proposed; it waits for agreement.",
        f"/people/{employee_id}#goals",
    )


def _items(text: object) -> list[str]:
    """One item a line, or separated by commas."""
    return [item.strip() for line in str(text or "").splitlines() for item in line.split(",") if item.strip()]


@router.post("/people/{employee_id}/vision", dependencies=FORM_CHECKED)
async def record_vision(request: Request, employee_id: str, me: Me) -> RedirectResponse:
    form = await request.form()
    body = {
        "long_term_aspirations": str(form.get("long_term_aspirations", "")).strip(),
        **{
            field: _items(form.get(field))
            for field in ("values", "passions", "strengths", "areas_to_grow", "interests")
        },
    }
    return await command(
        request,
        goals(request, me).post(f"/employees/{employee_id}/vision", body),
        "Vision and values recorded.",
        f"/people/{employee_id}#vision-title",
    )
