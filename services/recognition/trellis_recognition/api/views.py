"""What people see: an employee's recognition and rewards, a team's, the organisation's public
recognition, and (HR admins) the reward-trigger view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from trellis_contracts.fields import OPAQUE_ID_PATTERN
from trellis_kernel.http import QUERY_RESPONSES
from trellis_recognition.api.context import App, Caller, IdInPath, Limit
from trellis_recognition.api.schemas import FeedEntryOut, RewardTriggerOut, feed_out, trigger_out

router = APIRouter(tags=["recognition"], responses=QUERY_RESPONSES)

IdInQuery = Annotated[str | None, Query(pattern=OPAQUE_ID_PATTERN)]


@router.get(
    "/employees/{employee_id}/recognition",
    summary="An employee's recognition and rewards, as the caller may see them",
    description="Everyone sees public recognition; teammates also the team's; the employee, "
    "their manager and HR admins everything, rewards included.",
)
async def employee_recognition(
    employee_id: IdInPath, app: App, caller: Caller, limit: Limit = 100
) -> list[FeedEntryOut]:
    return [feed_out(row) for row in await app.employee_recognition(caller, employee_id, limit)]


@router.get(
    "/teams/{team_id}/recognition",
    summary="The recognition and rewards of a manager's team (the manager, HR admins)",
)
async def team_recognition(
    team_id: IdInPath, app: App, caller: Caller, limit: Limit = 100
) -> list[FeedEntryOut]:
    return [feed_out(row) for row in await app.team_recognition(caller, team_id, limit)]


@router.get("/recognition", summary="The organisation's public recognition")
async def public_recognition(app: App, caller: Caller, limit: Limit = 100) -> list[FeedEntryOut]:
    return [feed_out(row) for row in await app.public_recognition(caller, limit)]


@router.get(
    "/reward-triggers",
    summary="The reward-trigger view (HR admins)",
    description="Each outcome of a policy: the event that triggered it, the policy version and "
    "rule that decided, its approval state and its delivery downstream.",
)
async def reward_triggers(
    app: App,
    caller: Caller,
    triggering_event_id: IdInQuery = None,
    employee_id: IdInQuery = None,
    limit: Limit = 100,
) -> list[RewardTriggerOut]:
    rows = await app.reward_triggers(
        caller, triggering_event_id=triggering_event_id, employee_id=employee_id, limit=limit
    )
    return [trigger_out(row) for row in rows]
