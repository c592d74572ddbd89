"""POST endpoints that change a goal; each answers the goal stream's new version."""

from __future__ import annotations

from fastapi import APIRouter, status

from trellis_goals.api.context import App, Caller, IdInPath
from trellis_goals.api.responses import accepted, new_id
from trellis_goals.api.schemas import (
    AbandonOutcomeIn,
    AddMilestoneIn,
    AdjustIn,
    AlignIn,
    CancelActivityIn,
    CheckInIn,
    CommentIn,
    CompleteActivityIn,
    CompleteOutcomeIn,
    GoalFromTemplateIn,
    KeepOutcomeIn,
    PlanActivityIn,
    ProgressIn,
    ProposeGoalIn,
    ReproposeGoalIn,
    RescheduleIn,
    ReviewIn,
    ReviseOutcomeIn,
    TermChangesIn,
    UnalignIn,
    Versioned,
    WithdrawIn,
)
from trellis_goals.domain.goal import commands as c
from trellis_kernel.http import COMMAND_RESPONSES, Accepted, IdempotentRoute

router = APIRouter(
    prefix="/goals", tags=["goal commands"], responses=COMMAND_RESPONSES, route_class=IdempotentRoute
)


def _changes(body: TermChangesIn) -> c.TermChanges:
    return c.TermChanges(
        title=body.title,
        description=body.description,
        metric=body.metric,
        due_date=body.due_date,
        resources_needed=None if body.resources_needed is None else tuple(body.resources_needed),
    )


@router.post("", status_code=status.HTTP_201_CREATED, summary="Propose a SMART goal")
async def propose_goal(body: ProposeGoalIn, app: App, caller: Caller) -> Accepted:
    outcome = await app.goals.propose(
        caller,
        goal_id=body.goal_id or new_id(),
        employee_id=body.employee_id,
        terms=body.terms(),
        milestones=tuple(body.milestones),
        career_track_id=body.career_track_id,
        template_id=body.template_id,
    )
    return accepted(outcome)


@router.post(
    "/from-template",
    status_code=status.HTTP_201_CREATED,
    summary="Propose a goal from a career track's milestone template",
)
async def propose_goal_from_template(body: GoalFromTemplateIn, app: App, caller: Caller) -> Accepted:
    outcome = await app.goals.propose_from_template(
        caller,
        goal_id=body.goal_id or new_id(),
        employee_id=body.employee_id,
        track_id=body.track_id,
        template_id=body.template_id,
        metric=body.metric,
    )
    return accepted(outcome)


@router.post("/{goal_id}/proposals", summary="Propose a new version after changes were asked for")
async def repropose_goal(goal_id: IdInPath, body: ReproposeGoalIn, app: App, caller: Caller) -> Accepted:
    command = c.ReproposeGoal(
        goal_id=goal_id,
        proposed_by=caller.user_id,
        terms=body.terms(),
        milestones=tuple(body.milestones),
        now=app.now(),
    )
    return accepted(await app.goals.act(caller, command, body.expected_version))


@router.post("/{goal_id}/withdrawal", summary="Withdraw one's own proposal before it is agreed")
async def withdraw_proposal(goal_id: IdInPath, body: WithdrawIn, app: App, caller: Caller) -> Accepted:
    command = c.WithdrawProposal(
        goal_id=goal_id, withdrawn_by=caller.user_id, reason=body.reason, now=app.now()
    )
    return accepted(await app.goals.act(caller, command, body.expected_version))


@router.post("/{goal_id}/agreement", summary="Agree to the other side's proposal")
async def agree_to_goal(goal_id: IdInPath, body: Versioned, app: App, caller: Caller) -> Accepted:
    command = c.AgreeToGoal(goal_id=goal_id, agreed_by=caller.user_id, now=app.now())
    return accepted(await app.goals.act(caller, command, body.expected_version))


@router.post("/{goal_id}/change-requests", summary="Ask for changes before agreeing")
async def request_goal_changes(goal_id: IdInPath, body: CommentIn, app: App, caller: Caller) -> Accepted:
    command = c.RequestGoalChanges(
        goal_id=goal_id, requested_by=caller.user_id, comment=body.comment, now=app.now()
    )
    return accepted(await app.goals.act(caller, command, body.expected_version))


@router.post("/{goal_id}/alignment", summary="Align or re-align to an objective or parent goal")
async def align_goal(goal_id: IdInPath, body: AlignIn, app: App, caller: Caller) -> Accepted:
    command = c.AlignGoal(goal_id=goal_id, aligned_by=caller.user_id, alignment=body.alignment, now=app.now())
    return accepted(await app.goals.act(caller, command, body.expected_version))


@router.post("/{goal_id}/unalignment", summary="Remove the goal's alignment")
async def unalign_goal(goal_id: IdInPath, body: UnalignIn, app: App, caller: Caller) -> Accepted:
    command = c.UnalignGoal(goal_id=goal_id, unaligned_by=caller.user_id, reason=body.reason, now=app.now())
    return accepted(await app.goals.act(caller, command, body.expected_version))


@router.post("/{goal_id}/adjustments", summary="Adjust an active goal's terms, with a reason")
async def adjust_goal(goal_id: IdInPath, body: AdjustIn, app: App, caller: Caller) -> Accepted:
    command = c.AdjustGoal(
        goal_id=goal_id,
        adjusted_by=caller.user_id,
        reason=body.reason,
        changes=_changes(body.changes),
        now=app.now(),
    )
    return accepted(await app.goals.act(caller, command, body.expected_version))


@router.post("/{goal_id}/milestones", summary="Add a milestone")
async def add_milestone(goal_id: IdInPath, body: AddMilestoneIn, app: App, caller: Caller) -> Accepted:
    command = c.AddMilestone(
        goal_id=goal_id, added_by=caller.user_id, milestone=body.milestone, now=app.now()
    )
    return accepted(await app.goals.act(caller, command, body.expected_version))


@router.post("/{goal_id}/milestones/{milestone_id}/reschedule", summary="Move a milestone")
async def reschedule_milestone(
    goal_id: IdInPath, milestone_id: IdInPath, body: RescheduleIn, app: App, caller: Caller
) -> Accepted:
    command = c.RescheduleMilestone(
        goal_id=goal_id,
        milestone_id=milestone_id,
        due_date=body.due_date,
        reason=body.reason,
        rescheduled_by=caller.user_id,
        now=app.now(),
    )
    return accepted(await app.goals.act(caller, command, body.expected_version))


@router.post("/{goal_id}/milestones/{milestone_id}/progress", summary="Report progress (0-100)")
async def update_milestone_progress(
    goal_id: IdInPath, milestone_id: IdInPath, body: ProgressIn, app: App, caller: Caller
) -> Accepted:
    command = c.UpdateMilestoneProgress(
        goal_id=goal_id,
        milestone_id=milestone_id,
        progress_percent=body.progress_percent,
        updated_by=caller.user_id,
        now=app.now(),
    )
    return accepted(await app.goals.act(caller, command, body.expected_version))


@router.post("/{goal_id}/milestones/{milestone_id}/reached", summary="Record a milestone reached")
async def reach_milestone(
    goal_id: IdInPath, milestone_id: IdInPath, body: Versioned, app: App, caller: Caller
) -> Accepted:
    command = c.ReachMilestone(
        goal_id=goal_id, milestone_id=milestone_id, recorded_by=caller.user_id, now=app.now()
    )
    return accepted(await app.goals.act(caller, command, body.expected_version))


@router.post("/{goal_id}/overdue-check", summary="Mark milestones whose due date passed as missed")
async def mark_overdue_milestones(goal_id: IdInPath, body: Versioned, app: App, caller: Caller) -> Accepted:
    command = c.MarkOverdueMilestones(goal_id=goal_id, now=app.now())
    return accepted(await app.goals.act(caller, command, body.expected_version))


@router.post("/{goal_id}/check-ins", summary="Record a check-in")
async def record_check_in(goal_id: IdInPath, body: CheckInIn, app: App, caller: Caller) -> Accepted:
    command = c.RecordCheckIn(
        goal_id=goal_id,
        check_in_id=body.check_in_id or new_id(),
        recorded_by=caller.user_id,
        progress_summary=body.progress_summary,
        milestone_progress=tuple(body.milestone_progress),
        blockers=tuple(body.blockers),
        resources_needed=tuple(body.resources_needed),
        agreed_actions=tuple(body.agreed_actions),
        now=app.now(),
    )
    return accepted(await app.goals.act(caller, command, body.expected_version))


def _outcome(body: ReviewIn) -> c.ReviewOutcomeDecision:
    outcome = body.outcome
    match outcome:
        case KeepOutcomeIn():
            return c.KeepGoal()
        case ReviseOutcomeIn():
            return c.ReviseGoal(
                reason=outcome.reason,
                changes=_changes(outcome.changes),
                add_milestones=tuple(outcome.add_milestones),
                reschedule_milestones=tuple(
                    c.NewMilestoneDate(milestone_id=m.milestone_id, due_date=m.due_date)
                    for m in outcome.reschedule_milestones
                ),
            )
        case CompleteOutcomeIn():
            return c.CompleteGoal(achieved_value=outcome.achieved_value)
        case AbandonOutcomeIn():
            return c.AbandonGoal(
                reason=outcome.reason,
                lesson_learned=outcome.lesson_learned,
                revised_goal_id=outcome.revised_goal_id,
            )


@router.post("/{goal_id}/reviews", summary="Review: keep, revise, complete or abandon the goal")
async def review_goal(goal_id: IdInPath, body: ReviewIn, app: App, caller: Caller) -> Accepted:
    command = c.ReviewGoal(
        goal_id=goal_id,
        review_id=body.review_id or new_id(),
        reviewed_by=caller.user_id,
        summary=body.summary,
        outcome=_outcome(body),
        now=app.now(),
    )
    return accepted(await app.goals.act(caller, command, body.expected_version))


@router.post("/{goal_id}/activities", summary="Plan a development activity")
async def plan_activity(goal_id: IdInPath, body: PlanActivityIn, app: App, caller: Caller) -> Accepted:
    command = c.PlanDevelopmentActivity(
        goal_id=goal_id,
        activity_id=body.activity_id or new_id(),
        kind=body.kind,
        title=body.title,
        description=body.description,
        due_date=body.due_date,
        mentor_id=body.mentor_id,
        planned_by=caller.user_id,
        now=app.now(),
    )
    return accepted(await app.goals.act(caller, command, body.expected_version))


@router.post("/{goal_id}/activities/{activity_id}/start", summary="Start an activity")
async def start_activity(
    goal_id: IdInPath, activity_id: IdInPath, body: Versioned, app: App, caller: Caller
) -> Accepted:
    command = c.StartDevelopmentActivity(
        goal_id=goal_id, activity_id=activity_id, started_by=caller.user_id, now=app.now()
    )
    return accepted(await app.goals.act(caller, command, body.expected_version))


@router.post("/{goal_id}/activities/{activity_id}/complete", summary="Complete an activity")
async def complete_activity(
    goal_id: IdInPath, activity_id: IdInPath, body: CompleteActivityIn, app: App, caller: Caller
) -> Accepted:
    command = c.CompleteDevelopmentActivity(
        goal_id=goal_id,
        activity_id=activity_id,
        completed_by=caller.user_id,
        reflection=body.reflection,
        now=app.now(),
    )
    return accepted(await app.goals.act(caller, command, body.expected_version))


@router.post("/{goal_id}/activities/{activity_id}/cancel", summary="Cancel an activity")
async def cancel_activity(
    goal_id: IdInPath, activity_id: IdInPath, body: CancelActivityIn, app: App, caller: Caller
) -> Accepted:
    command = c.CancelDevelopmentActivity(
        goal_id=goal_id,
        activity_id=activity_id,
        cancelled_by=caller.user_id,
        reason=body.reason,
        now=app.now(),
    )
    return accepted(await app.goals.act(caller, command, body.expected_version))
