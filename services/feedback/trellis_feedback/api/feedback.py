"""Feedback given unasked, narrowing it, and what a person received and gave."""

from __future__ import annotations

from fastapi import APIRouter, status

from trellis_feedback.api.context import (
    CREATE_RESPONSES,
    App,
    Caller,
    Command,
    IdInPath,
    Today,
    new_id,
)
from trellis_feedback.api.schemas import (
    FeedbackEntryOut,
    GiveFeedbackIn,
    GivenOut,
    NarrowIn,
    PendingOut,
    PendingRequestOut,
    SealedAnswerOut,
    TimelineOut,
)
from trellis_kernel.http import COMMAND_RESPONSES, QUERY_RESPONSES, Accepted

router = APIRouter(tags=["feedback"])


@router.post(
    "/feedback",
    status_code=status.HTTP_201_CREATED,
    summary="Give feedback unasked: praise, constructive, or upward on your manager's coaching",
    responses=CREATE_RESPONSES,
)
async def give_feedback(body: GiveFeedbackIn, command: Command) -> Accepted:
    return await command.run(
        command.app.give_feedback,
        feedback_id=body.feedback_id or new_id(),
        recipient_id=body.recipient_id,
        relationship=body.relationship,
        kind=body.kind,
        content=body.content,
        visibility=body.visibility,
        goal_id=body.goal_id,
        milestone_id=body.milestone_id,
        traceparent=command.traceparent,
    )


@router.post(
    "/feedback/{feedback_id}/visibility",
    summary="Narrow who reads feedback you gave (never wider)",
    responses=COMMAND_RESPONSES,
)
async def narrow_feedback(feedback_id: IdInPath, body: NarrowIn, command: Command) -> Accepted:
    return await command.run(
        command.app.narrow_feedback_visibility,
        feedback_id,
        body.visibility,
        body.expected_version,
        traceparent=command.traceparent,
    )


@router.get(
    "/employees/{employee_id}/feedback",
    summary="Feedback the employee received: all of it for them, what was shared for their manager",
    responses=QUERY_RESPONSES,
)
async def timeline(employee_id: IdInPath, app: App, caller: Caller) -> TimelineOut:
    rows = await app.timeline(caller, employee_id)
    return TimelineOut(employee_id=employee_id, feedback=[FeedbackEntryOut.model_validate(r) for r in rows])


@router.get(
    "/me/pending-requests", summary="Requests you were asked and have not answered", responses=QUERY_RESPONSES
)
async def pending_requests(app: App, caller: Caller, today: Today) -> PendingOut:
    rows = await app.pending_requests(caller, today)
    return PendingOut(requests=[PendingRequestOut.model_validate(r) for r in rows])


@router.get(
    "/me/given-feedback",
    summary="Feedback you gave, your anonymous answers included (only you see them)",
    responses=QUERY_RESPONSES,
)
async def given_feedback(app: App, caller: Caller) -> GivenOut:
    rows = await app.given_feedback(caller)
    return GivenOut(
        named=[FeedbackEntryOut.model_validate(r) for r in rows if "entry_id" in r],
        anonymous=[SealedAnswerOut.model_validate(r) for r in rows if "entry_id" not in r],
    )
