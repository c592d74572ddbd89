"""Vision and values, career track choice and reporting lines of one employee."""

from __future__ import annotations

from fastapi import APIRouter

from trellis_goals.api.context import App, Caller, IdInPath
from trellis_goals.api.responses import accepted
from trellis_goals.api.schemas import (
    CareerChoiceOut,
    ChooseTrackIn,
    ReportingLineIn,
    ReportingLineOut,
    VisionIn,
    VisionOut,
    VisionVersionOut,
)
from trellis_goals.domain.vision import VisionStatement
from trellis_kernel.http import COMMAND_RESPONSES, QUERY_RESPONSES, Accepted, IdempotentRoute

router = APIRouter(prefix="/employees/{employee_id}", tags=["people"], route_class=IdempotentRoute)


@router.post(
    "/vision",
    summary="Define or revise the employee's vision and values",
    responses=COMMAND_RESPONSES,
)
async def record_vision(employee_id: IdInPath, body: VisionIn, app: App, caller: Caller) -> Accepted:
    statement = VisionStatement(
        long_term_aspirations=body.long_term_aspirations,
        passions=tuple(body.passions),
        strengths=tuple(body.strengths),
        areas_to_grow=tuple(body.areas_to_grow),
        interests=tuple(body.interests),
        values=tuple(body.values),
    )
    outcome = await app.visions.record(caller, employee_id, statement, body.expected_version)
    return accepted(outcome)


@router.get("/vision", summary="The vision statement and its history", responses=QUERY_RESPONSES)
async def get_vision(employee_id: IdInPath, app: App, caller: Caller) -> VisionOut:
    loaded = await app.visions.get(caller, employee_id)
    vision = loaded.state
    assert vision is not None
    return VisionOut(
        employee_id=vision.employee_id,
        version=loaded.version,
        current=VisionVersionOut.model_validate(vision.current),
        history=[VisionVersionOut.model_validate(v) for v in vision.history],
    )


@router.post("/career-track", summary="Choose a career track", responses=COMMAND_RESPONSES)
async def choose_career_track(
    employee_id: IdInPath, body: ChooseTrackIn, app: App, caller: Caller
) -> Accepted:
    outcome = await app.career_choices.choose(caller, employee_id, body.track_id, body.expected_version)
    return accepted(outcome)


@router.get("/career-track", summary="The track the employee follows", responses=QUERY_RESPONSES)
async def get_career_track(employee_id: IdInPath, app: App, caller: Caller) -> CareerChoiceOut:
    loaded = await app.career_choices.get(caller, employee_id)
    track = loaded.state.track_id if loaded.state is not None else None
    return CareerChoiceOut(employee_id=employee_id, track_id=track, version=loaded.version)


@router.post(
    "/manager",
    summary="Set the employee's manager (HR admins)",
    responses=COMMAND_RESPONSES,
)
async def change_reporting_line(
    employee_id: IdInPath, body: ReportingLineIn, app: App, caller: Caller
) -> Accepted:
    outcome = await app.reporting_lines.change(caller, employee_id, body.manager_id, body.expected_version)
    return accepted(outcome)


@router.get("/manager", summary="The employee's manager", responses=QUERY_RESPONSES)
async def get_reporting_line(employee_id: IdInPath, app: App, caller: Caller) -> ReportingLineOut:
    loaded = await app.reporting_lines.get(caller, employee_id)
    manager = loaded.state.manager_id if loaded.state is not None else None
    return ReportingLineOut(employee_id=employee_id, manager_id=manager, version=loaded.version)
