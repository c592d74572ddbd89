"""Colleagues recognising each other, within the limits of the policy in effect."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from trellis_kernel.http import COMMAND_RESPONSES, Accepted
from trellis_recognition.api.context import App, Caller, accepted
from trellis_recognition.api.schemas import RecogniseIn

router = APIRouter(tags=["recognition"])


@router.post(
    "/recognitions",
    status_code=status.HTTP_201_CREATED,
    summary="Recognise a colleague",
    description="Any member of the organisation may recognise a colleague (not themselves), "
    "optionally for a goal or milestone of theirs, as often as the policy in effect allows. "
    "The same `recognition_id` with the same content answers as the first time; with other "
    "content, 409.",
    responses=COMMAND_RESPONSES,
)
async def recognise_colleague(body: RecogniseIn, app: App, caller: Caller) -> Accepted:
    recorded = await app.recognise(
        caller,
        recognition_id=body.recognition_id or str(uuid.uuid4()),
        recipient_id=body.recipient_id,
        visibility=body.visibility,
        message=body.message,
        goal_id=body.goal_id,
        milestone_id=body.milestone_id,
    )
    return accepted(recorded)
