"""Performance conversations, their actions, and each pair's cadence."""

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
    CadenceIn,
    CadenceOut,
    CancelIn,
    CompleteActionIn,
    ConversationDetailOut,
    EmployeeLogOut,
    HoldIn,
    LinkGoalIn,
    ManagerLogOut,
    ScheduleIn,
)
from trellis_kernel.http import COMMAND_RESPONSES, QUERY_RESPONSES, Accepted

router = APIRouter(tags=["conversations"])


@router.post(
    "/conversations",
    status_code=status.HTTP_201_CREATED,
    summary="Schedule a conversation between an employee and their manager",
    responses=CREATE_RESPONSES,
)
async def schedule(body: ScheduleIn, command: Command) -> Accepted:
    return await command.run(
        command.app.schedule_conversation,
        conversation_id=body.conversation_id or new_id(),
        employee_id=body.employee_id,
        kind=body.kind,
        scheduled_for=body.scheduled_for,
        goal_ids=body.goal_ids,
        agenda=body.agenda,
        traceparent=command.traceparent,
    )


@router.post(
    "/conversations/{conversation_id}/held",
    summary="Record that it took place: progress since last time, goals discussed, actions agreed",
    responses=COMMAND_RESPONSES,
)
async def hold(conversation_id: IdInPath, body: HoldIn, command: Command) -> Accepted:
    return await command.run(
        command.app.hold_conversation,
        conversation_id,
        progress_summary=body.progress_summary,
        goal_ids=body.goal_ids,
        milestone_ids=body.milestone_ids,
        notes=body.notes,
        agreed_actions=body.agreed_actions,
        expected_version=body.expected_version,
        traceparent=command.traceparent,
    )


@router.post(
    "/conversations/{conversation_id}/goals", summary="Link it to a goal", responses=COMMAND_RESPONSES
)
async def link_goal(conversation_id: IdInPath, body: LinkGoalIn, command: Command) -> Accepted:
    return await command.run(
        command.app.link_conversation_to_goal,
        conversation_id,
        body.goal_id,
        body.expected_version,
        traceparent=command.traceparent,
    )


@router.post(
    "/conversations/{conversation_id}/cancellation",
    summary="Cancel it before it takes place",
    responses=COMMAND_RESPONSES,
)
async def cancel(conversation_id: IdInPath, body: CancelIn, command: Command) -> Accepted:
    return await command.run(
        command.app.cancel_conversation,
        conversation_id,
        body.reason,
        body.expected_version,
        traceparent=command.traceparent,
    )


@router.post(
    "/conversations/{conversation_id}/actions/{action_id}/completion",
    summary="Mark an agreed action done",
    responses=COMMAND_RESPONSES,
)
async def complete_action(
    conversation_id: IdInPath,
    action_id: IdInPath,
    body: CompleteActionIn,
    command: Command,
) -> Accepted:
    return await command.run(
        command.app.complete_action,
        conversation_id,
        action_id,
        body.note,
        body.expected_version,
        traceparent=command.traceparent,
    )


@router.get(
    "/conversations/{conversation_id}", summary="One conversation and its actions", responses=QUERY_RESPONSES
)
async def get_conversation(conversation_id: IdInPath, app: App, caller: Caller) -> ConversationDetailOut:
    return ConversationDetailOut.model_validate(await app.conversation(caller, conversation_id))


@router.get(
    "/managers/{manager_id}/conversations",
    summary="A manager's conversation log, open actions and conversations due",
    responses=QUERY_RESPONSES,
)
async def manager_log(manager_id: IdInPath, app: App, caller: Caller, today: Today) -> ManagerLogOut:
    return ManagerLogOut.model_validate(await app.manager_conversations(caller, manager_id, today))


@router.get(
    "/employees/{employee_id}/conversations",
    summary="An employee's conversations, open actions and the next one due",
    responses=QUERY_RESPONSES,
)
async def employee_log(employee_id: IdInPath, app: App, caller: Caller, today: Today) -> EmployeeLogOut:
    return EmployeeLogOut.model_validate(await app.employee_conversations(caller, employee_id, today))


@router.post(
    "/employees/{employee_id}/cadence",
    summary="How often the employee and their manager talk",
    responses=COMMAND_RESPONSES,
)
async def set_cadence(employee_id: IdInPath, body: CadenceIn, command: Command) -> Accepted:
    return await command.run(
        command.app.set_cadence,
        employee_id,
        body.every_days,
        body.expected_version,
        traceparent=command.traceparent,
    )


@router.get(
    "/employees/{employee_id}/cadence",
    summary="The cadence and the next conversation due",
    responses=QUERY_RESPONSES,
)
async def get_cadence(employee_id: IdInPath, app: App, caller: Caller, today: Today) -> CadenceOut:
    return CadenceOut.model_validate(await app.cadence(caller, employee_id, today))
