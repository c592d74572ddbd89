"""GET endpoints over goals: one goal now or as of a moment, its timeline, progress views."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from trellis_contracts.fields import OpaqueId
from trellis_goals.api.context import App, Caller, IdInPath
from trellis_goals.api.schemas import (
    CheckInOut,
    EmployeeProgressOut,
    GoalCountsOut,
    GoalPageOut,
    GoalRecordOut,
    GoalStatusName,
    ProgressPointOut,
    TeamOut,
    TimelineEntryOut,
)
from trellis_goals.application.views import GoalFilters, InvalidCursor
from trellis_goals.projections.check_ins import check_in_history
from trellis_goals.projections.goal_record import goal_record
from trellis_goals.projections.history import goal_as_of, goal_at_version, goal_timeline, progress_over_time
from trellis_goals.projections.progress import EmployeeProgress
from trellis_kernel.decider import DomainError
from trellis_kernel.http import QUERY_RESPONSES, NotFound

router = APIRouter(tags=["goal queries"], responses=QUERY_RESPONSES)

@router.get("/goals/{goal_id}", summary="A goal as it is now")
async def get_goal(goal_id: IdInPath, app: App, caller: Caller) -> GoalRecordOut:
    loaded = await app.goals.events(caller, goal_id)
    record = goal_record(loaded.events)
    assert record is not None
    return GoalRecordOut.model_validate(record)


@router.get("/goals/{goal_id}/history", summary="A goal as it was at a moment")
async def get_goal_as_of(
    goal_id: IdInPath,
    app: App,
    caller: Caller,
    as_of: Annotated[datetime, Query(description="A moment, e.g. 2026-02-01T00:00:00Z (UTC if no offset).")],
) -> GoalRecordOut:
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    loaded = await app.goals.events(caller, goal_id)
    record = goal_as_of(loaded.events, as_of)
    if record is None:
        raise NotFound(f"goal {goal_id!r} did not exist yet at {as_of.isoformat()}")
    return GoalRecordOut.model_validate(record)


@router.get("/goals/{goal_id}/versions/{version}", summary="A goal as one step of its timeline left it")
async def get_goal_at_version(
    goal_id: IdInPath,
    version: Annotated[
        int, Path(ge=1, description="The timeline entry's version: the goal after its first N events.")
    ],
    app: App,
    caller: Caller,
) -> GoalRecordOut:
    loaded = await app.goals.events(caller, goal_id)
    record = goal_at_version(loaded.events, version)
    if record is None:
        raise NotFound(f"goal {goal_id!r} has no version {version} (it is at {loaded.version})")
    return GoalRecordOut.model_validate(record)


@router.get("/goals/{goal_id}/timeline", summary="Everything that happened to a goal")
async def get_goal_timeline(goal_id: IdInPath, app: App, caller: Caller) -> list[TimelineEntryOut]:
    loaded = await app.goals.events(caller, goal_id)
    return [TimelineEntryOut.model_validate(entry) for entry in goal_timeline(loaded.events)]


@router.get("/goals/{goal_id}/progress-history", summary="The goal's % complete each time it changed")
async def get_goal_progress_history(goal_id: IdInPath, app: App, caller: Caller) -> list[ProgressPointOut]:
    loaded = await app.goals.events(caller, goal_id)
    return [ProgressPointOut.model_validate(point) for point in progress_over_time(loaded.events)]


@router.get("/goals/{goal_id}/check-ins", summary="Check-ins, each with what moved since the last")
async def get_goal_check_ins(goal_id: IdInPath, app: App, caller: Caller) -> list[CheckInOut]:
    loaded = await app.goals.events(caller, goal_id)
    return [CheckInOut.model_validate(entry) for entry in check_in_history(loaded.events)]


def _progress_out(progress: EmployeeProgress) -> EmployeeProgressOut:
    return EmployeeProgressOut.model_validate(progress)


Today = Annotated[date | None, Query(description="Defaults to today (UTC).")]


@router.get("/employees/{employee_id}/progress", summary="An employee's progress view")
async def get_employee_progress(
    employee_id: IdInPath, app: App, caller: Caller, today: Today = None
) -> EmployeeProgressOut:
    day = today or app.now().date()
    return _progress_out(await app.views.employee_progress(caller, employee_id, day))


@router.get(
    "/managers/{manager_id}/team", summary="A manager's view of their direct reports", response_model=TeamOut
)
async def get_team(manager_id: IdInPath, app: App, caller: Caller, today: Today = None) -> Response:
    day = today or app.now().date()
    return Response(await app.views.team(caller, manager_id, day), media_type="application/json")


def _filters(
    status: list[GoalStatusName] | None,
    career_track_id: str | None,
    manager_id: str | None,
    overdue: bool | None,
) -> GoalFilters:
    return GoalFilters(
        status=tuple(status or ()), career_track_id=career_track_id, manager_id=manager_id, overdue=overdue
    )


StatusFilter = Annotated[list[GoalStatusName] | None, Query(description="Only goals in these statuses.")]
TrackFilter = Annotated[OpaqueId | None, Query(description="Only goals on this career track.")]
TeamFilter = Annotated[
    OpaqueId | None, Query(description="Only goals of the people who report to this manager now.")
]
OverdueFilter = Annotated[
    bool | None, Query(description="true: only goals with something overdue today; false: only without.")
]


@router.get(
    "/organisation/goals",
    summary="The organisation's goals, filtered, a page at a time (HR admins)",
    response_model=GoalPageOut,
)
async def get_organisation_goals(
    app: App,
    caller: Caller,
    today: Today = None,
    status: StatusFilter = None,
    career_track_id: TrackFilter = None,
    manager_id: TeamFilter = None,
    overdue: OverdueFilter = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Goals per page.")] = 100,
    after: Annotated[
        str | None,
        Query(max_length=400, pattern=r"^[A-Za-z0-9_-]+$", description="next_cursor of the page before."),
    ] = None,
) -> Response:
    day = today or app.now().date()
    try:
        page = await app.views.organisation_goals(
            caller, _filters(status, career_track_id, manager_id, overdue), day, limit=limit, after=after
        )
    except InvalidCursor as error:
        raise DomainError(str(error), field="after") from error
    return Response(page.document, media_type="application/json")


@router.get("/organisation/goal-counts", summary="How many goals the organisation has, by status (HR admins)")
async def get_organisation_goal_counts(
    app: App,
    caller: Caller,
    today: Today = None,
    status: StatusFilter = None,
    career_track_id: TrackFilter = None,
    manager_id: TeamFilter = None,
    overdue: OverdueFilter = None,
) -> GoalCountsOut:
    day = today or app.now().date()
    counts = await app.views.organisation_counts(
        caller, _filters(status, career_track_id, manager_id, overdue), day
    )
    return GoalCountsOut.model_validate(counts)
