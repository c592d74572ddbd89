"""The organisation's anonymity threshold, feedback counts per goal and the milestones reached
that the goals topic told (moments to ask for feedback)."""

from __future__ import annotations

from fastapi import APIRouter

from trellis_feedback.api.context import App, Caller, Command, IdInPath
from trellis_feedback.api.schemas import (
    GoalCountsOut,
    MilestoneReachedOut,
    MilestonesReachedOut,
    RetentionIn,
    RetentionOut,
    ThresholdIn,
    ThresholdOut,
)
from trellis_kernel.http import COMMAND_RESPONSES, QUERY_RESPONSES, Accepted

router = APIRouter(tags=["organisation"])


@router.post(
    "/settings/anonymity-threshold",
    summary="Set k, how many answers an anonymous request needs before they are shown (HR admins)",
    responses=COMMAND_RESPONSES,
)
async def set_threshold(body: ThresholdIn, command: Command) -> Accepted:
    return await command.run(
        command.app.set_anonymity_threshold,
        body.threshold,
        body.expected_version,
        traceparent=command.traceparent,
    )


@router.get(
    "/settings/anonymity-threshold", summary="k for anonymous requests made now", responses=QUERY_RESPONSES
)
async def get_threshold(app: App, caller: Caller) -> ThresholdOut:
    threshold, version = await app.anonymity_threshold(caller)
    return ThresholdOut(threshold=threshold, version=version)


@router.post(
    "/settings/retention",
    summary="Set how many years feedback text is kept before it is erased (HR admins)",
    responses=COMMAND_RESPONSES,
)
async def set_retention(body: RetentionIn, command: Command) -> Accepted:
    return await command.run(
        command.app.set_retention, body.years, body.expected_version, traceparent=command.traceparent
    )


@router.get(
    "/settings/retention",
    summary="The retention of feedback text, and what the daily job erased (HR admins)",
    responses=QUERY_RESPONSES,
)
async def get_retention(app: App, caller: Caller) -> RetentionOut:
    return RetentionOut.model_validate(await app.retention_rule(caller))


@router.get(
    "/goals/{goal_id}/feedback-counts",
    summary="How much feedback a goal received (its owner sees all counts, the manager what was shared)",
    responses=QUERY_RESPONSES,
)
async def goal_counts(goal_id: IdInPath, app: App, caller: Caller) -> GoalCountsOut:
    return GoalCountsOut.model_validate(await app.goal_feedback_counts(caller, goal_id))


@router.get(
    "/employees/{employee_id}/milestones-reached",
    summary="The employee's milestones reached, from the goals service: moments to ask for feedback",
    responses=QUERY_RESPONSES,
)
async def milestones_reached(employee_id: IdInPath, app: App, caller: Caller) -> MilestonesReachedOut:
    rows = await app.milestones_reached(caller, employee_id)
    return MilestonesReachedOut(
        employee_id=employee_id, milestones=[MilestoneReachedOut.model_validate(r) for r in rows]
    )
