"""Reward policies: publish a version (HR admins), list them (everyone in the organisation),
backtest a draft over the stored history (HR admins; records nothing)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from trellis_kernel.http import COMMAND_RESPONSES, QUERY_RESPONSES, Accepted
from trellis_recognition.api.context import App, Caller, IdInPath, accepted
from trellis_recognition.api.documents import DOCUMENT_BODY, document_text, invalid_document
from trellis_recognition.api.schemas import BacktestOut, PolicyOut, backtest_out, policies_out
from trellis_recognition.policy_documents import InvalidPolicy

router = APIRouter(prefix="/policies", tags=["policies"])

ExpectedVersion = Annotated[
    int | None,
    Query(ge=0, description="The policy's version the caller decided on (0: a new policy); 409 if it moved."),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Publish a version of a reward policy (YAML or JSON)",
    description="The document's `policy_id` names the policy; publishing the latest version's "
    "document again answers that version. A version takes effect on its `effective_on` day "
    "(UTC), never before the day it is published.",
    responses=COMMAND_RESPONSES,
    openapi_extra=DOCUMENT_BODY,
)
async def publish_policy(
    request: Request, app: App, caller: Caller, expected_version: ExpectedVersion = None
) -> Accepted:
    text = await document_text(request)
    try:
        return accepted(await app.publish_policy(caller, text, expected_version))
    except InvalidPolicy as error:
        raise invalid_document(error) from None


@router.get("", summary="The organisation's reward policies, every version", responses=QUERY_RESPONSES)
async def list_policies(app: App, caller: Caller) -> list[PolicyOut]:
    return policies_out(await app.policies(caller))


@router.get("/{policy_id}", summary="One reward policy, every version", responses=QUERY_RESPONSES)
async def get_policy(policy_id: IdInPath, app: App, caller: Caller) -> PolicyOut:
    [policy] = policies_out(await app.policies(caller, policy_id))
    return policy


@router.post(
    "/backtest",
    summary="What a draft policy would have granted over a period (records nothing)",
    description="Runs the draft over the stored history of triggering events of "
    "`[from, to)` as if it had been in effect all along; counts reach back to the start of "
    "their window. Budgets are not applied; teams are as they are now.",
    responses=QUERY_RESPONSES,
    openapi_extra=DOCUMENT_BODY,
)
async def backtest_policy(
    request: Request,
    app: App,
    caller: Caller,
    start: Annotated[date, Query(alias="from", description="First day of the period (UTC).")],
    end: Annotated[date, Query(alias="to", description="First day after the period (UTC).")],
) -> BacktestOut:
    text = await document_text(request)
    try:
        report = await app.backtest(caller, text, start, end)
    except InvalidPolicy as error:
        raise invalid_document(error) from None
    return backtest_out(report)
