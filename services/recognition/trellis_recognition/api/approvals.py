"""What waits for an HR admin: rewards held beyond a budget and proposed pay changes. Only an
HR admin decides, never on their own; approving a held reward charges it to the team's budget."""

from __future__ import annotations

from fastapi import APIRouter

from trellis_kernel.http import COMMAND_RESPONSES, QUERY_RESPONSES, Accepted
from trellis_recognition.api.context import App, Caller, IdInPath, accepted
from trellis_recognition.api.schemas import DecisionIn, PendingApprovalOut, pending_out

router = APIRouter(prefix="/approvals", tags=["approvals"])


@router.get(
    "", summary="Held rewards and proposed pay changes awaiting a decision", responses=QUERY_RESPONSES
)
async def pending_approvals(app: App, caller: Caller) -> list[PendingApprovalOut]:
    return [pending_out(row) for row in await app.pending_approvals(caller)]


@router.post("/rewards/{reward_id}/approve", summary="Grant a held reward", responses=COMMAND_RESPONSES)
async def approve_reward(reward_id: IdInPath, body: DecisionIn, app: App, caller: Caller) -> Accepted:
    return accepted(
        await app.decide_reward(
            caller, reward_id, approve=True, reason=body.reason, expected_version=body.expected_version
        )
    )


@router.post("/rewards/{reward_id}/reject", summary="Reject a held reward", responses=COMMAND_RESPONSES)
async def reject_reward(reward_id: IdInPath, body: DecisionIn, app: App, caller: Caller) -> Accepted:
    return accepted(
        await app.decide_reward(
            caller, reward_id, approve=False, reason=body.reason, expected_version=body.expected_version
        )
    )


@router.post(
    "/compensation/{adjustment_id}/approve",
    summary="Approve a proposed pay change (final: payroll acts on it)",
    responses=COMMAND_RESPONSES,
)
async def approve_adjustment(adjustment_id: IdInPath, body: DecisionIn, app: App, caller: Caller) -> Accepted:
    return accepted(
        await app.decide_adjustment(
            caller, adjustment_id, approve=True, reason=body.reason, expected_version=body.expected_version
        )
    )


@router.post(
    "/compensation/{adjustment_id}/reject",
    summary="Reject a proposed pay change",
    responses=COMMAND_RESPONSES,
)
async def reject_adjustment(adjustment_id: IdInPath, body: DecisionIn, app: App, caller: Caller) -> Accepted:
    return accepted(
        await app.decide_adjustment(
            caller, adjustment_id, approve=False, reason=body.reason, expected_version=body.expected_version
        )
    )
