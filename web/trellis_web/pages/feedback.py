"""Feedback as people meet it, from the feedback service's API: what an employee received
(what was shared with their manager, for the manager), the requests waiting for their answer
(answered or declined right here), and for a manager the conversations due and the upward
feedback on their coaching."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from trellis_web.pages.common import FORM_CHECKED, Me, Part, back_to, command, feedback, number, part
from trellis_web.session import SignedIn

router = APIRouter()

KIND_LABELS = {"praise": "Praise", "constructive": "Constructive", "upward": "Upward"}
RELATIONSHIP_LABELS = {
    "manager": "their manager",
    "peer": "a peer",
    "mentor": "a mentor",
    "direct_report": "a direct report",
}
VISIBILITY_LABELS = {
    "recipient_only": "Only them",
    "recipient_and_manager": "Them and their manager",
}


async def received(request: Request, me: SignedIn, employee_id: str) -> Part[list[dict[str, Any]]]:
    """The employee's feedback as the signed-in person may read it, newest first."""
    timeline = await part(feedback(request, me).get(f"/employees/{employee_id}/feedback"))
    if not timeline.shown or timeline.value is None:
        return Part(missing=timeline.missing)
    entries = sorted(timeline.value["feedback"], key=lambda e: e["given_at"], reverse=True)
    return Part(entries)


async def to_answer(request: Request, me: SignedIn) -> Part[list[dict[str, Any]]]:
    """The requests the signed-in person was asked and has not answered, soonest due first; each
    with a fresh answer id so that sending the form twice records one answer."""
    pending = await part(feedback(request, me).get("/me/pending-requests"))
    if not pending.shown or pending.value is None:
        return Part(missing=pending.missing)
    requests = sorted(pending.value["requests"], key=lambda r: (r["due_on"], r["requested_at"]))
    return Part([{**r, "answer_id": f"fb_{uuid.uuid4().hex[:16]}"} for r in requests])


def conversations_due(log: dict[str, Any], day: date) -> list[dict[str, Any]]:
    """What a manager has to talk about next: scheduled conversations and each pair's next
    conversation by its cadence, overdue ones first, then by day."""
    items = []
    for conversation in log["conversations"]:
        if conversation["status"] != "scheduled":
            continue
        on = conversation["scheduled_for"][:10]
        items.append(
            {
                "employee_id": conversation["employee_id"],
                "what": conversation["kind"].replace("_", " "),
                "on": on,
                "overdue": on < day.isoformat(),
                "agenda": conversation["agenda"],
                "scheduled": True,
            }
        )
    for cadence in log["cadences"]:
        if cadence["next_due_on"] is None:
            continue
        items.append(
            {
                "employee_id": cadence["employee_id"],
                "what": f"conversation every {cadence['every_days']} days",
                "on": cadence["next_due_on"],
                "overdue": bool(cadence["overdue"]),
                "agenda": None,
                "scheduled": False,
            }
        )
    return sorted(items, key=lambda item: (not item["overdue"], item["on"]))


async def manager_log(request: Request, me: SignedIn, manager_id: str) -> Part[dict[str, Any]]:
    return await part(feedback(request, me).get(f"/managers/{manager_id}/conversations"))


@router.post("/feedback-requests/{request_id}/answers", dependencies=FORM_CHECKED)
async def answer(
    request: Request,
    request_id: str,
    me: Me,
    feedback_id: Annotated[str, Form()] = "",
    content: Annotated[str, Form()] = "",
    visibility: Annotated[str, Form()] = "recipient_only",
    kind: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> RedirectResponse:
    body = {
        "feedback_id": feedback_id or None,
        "content": content.strip(),
        "visibility": visibility,
        "kind": kind or None,
    }
    return await command(
        request,
        feedback(request, me).post(f"/feedback-requests/{request_id}/answers", body),
        "Thank you: your feedback was sent.",
        back_to(next, f"/people/{me.person_id}#feedback-requests"),
    )


@router.post("/feedback-requests/{request_id}/declines", dependencies=FORM_CHECKED)
async def decline(
    request: Request, request_id: str, me: Me, next: Annotated[str, Form()] = ""
) -> RedirectResponse:
    return await command(
        request,
        feedback(request, me).post(f"/feedback-requests/{request_id}/declines", {}),
        "Request declined.",
        back_to(next, f"/people/{me.person_id}#feedback-requests"),
    )


@router.post("/managers/{manager_id}/cadences", dependencies=FORM_CHECKED)
async def set_cadence(
    request: Request,
    manager_id: str,
    me: Me,
    employee_id: Annotated[str, Form()],
    every_days: Annotated[str, Form()] = "",
) -> RedirectResponse:
    return await command(
        request,
        feedback(request, me).post(f"/employees/{employee_id}/cadence", {"every_days": number(every_days)}),
        f"You and {employee_id} now talk every {every_days} days.",
        f"/managers/{manager_id}/team#conversations-due",
    )
