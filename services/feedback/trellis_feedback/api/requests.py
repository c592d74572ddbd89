"""Feedback requests: asking several people, answering, declining, narrowing an answer, and
reading a request and its results."""

from __future__ import annotations

from fastapi import APIRouter, status

from trellis_feedback.api.context import (
    CREATE_RESPONSES,
    App,
    Caller,
    Command,
    IdInPath,
    new_id,
)
from trellis_feedback.api.schemas import (
    AnswerIn,
    DeclineIn,
    NarrowIn,
    RequestFeedbackIn,
    RequestOut,
    ResultsOut,
)
from trellis_kernel.http import COMMAND_RESPONSES, QUERY_RESPONSES, Accepted

router = APIRouter(prefix="/feedback-requests", tags=["feedback requests"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Ask several people for feedback about yourself or your report",
    responses=CREATE_RESPONSES,
)
async def request_feedback(body: RequestFeedbackIn, command: Command) -> Accepted:
    return await command.run(
        command.app.request_feedback,
        request_id=body.request_id or new_id(),
        recipient_id=body.recipient_id,
        givers=[(g.giver_id, g.relationship) for g in body.givers],
        kind=body.kind,
        anonymous=body.anonymous,
        due_on=body.due_on,
        goal_id=body.goal_id,
        milestone_id=body.milestone_id,
        prompts=body.prompts,
        traceparent=command.traceparent,
    )


@router.post(
    "/{request_id}/answers",
    status_code=status.HTTP_201_CREATED,
    summary="Answer a request you were asked (anonymously if the request is anonymous)",
    responses=CREATE_RESPONSES,
)
async def answer_request(request_id: IdInPath, body: AnswerIn, command: Command) -> Accepted:
    return await command.run(
        command.app.answer_request,
        request_id,
        feedback_id=body.feedback_id or new_id(),
        content=body.content,
        visibility=body.visibility,
        kind=body.kind,
        traceparent=command.traceparent,
    )


@router.post(
    "/{request_id}/declines", summary="Decline a request you were asked", responses=COMMAND_RESPONSES
)
async def decline_request(request_id: IdInPath, body: DeclineIn, command: Command) -> Accepted:
    return await command.run(
        command.app.decline_request, request_id, reason=body.reason, traceparent=command.traceparent
    )


@router.post(
    "/{request_id}/answers/{feedback_id}/visibility",
    summary="Narrow who reads your answer (never wider)",
    responses=COMMAND_RESPONSES,
)
async def narrow_answer(
    request_id: IdInPath, feedback_id: IdInPath, body: NarrowIn, command: Command
) -> Accepted:
    return await command.run(
        command.app.narrow_answer_visibility,
        request_id,
        feedback_id,
        body.visibility,
        body.expected_version,
        traceparent=command.traceparent,
    )


@router.get(
    "/{request_id}", summary="A request: who asked, about whom, its status", responses=QUERY_RESPONSES
)
async def get_request(request_id: IdInPath, app: App, caller: Caller) -> RequestOut:
    return RequestOut.model_validate(await app.request(caller, request_id))


@router.get(
    "/{request_id}/results",
    summary="The answers (of an anonymous request: only once closed with at least k answers)",
    responses=QUERY_RESPONSES,
)
async def get_results(request_id: IdInPath, app: App, caller: Caller) -> ResultsOut:
    return ResultsOut.model_validate(await app.results(caller, request_id))
