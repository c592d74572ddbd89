"""Check-ins and reviews: what moved since the last conversation, and what a review decides."""

from __future__ import annotations

from datetime import datetime

from trellis_contracts.goals import (
    CheckInRecordedV2,
    GoalAbandoned,
    GoalAbandonedV2,
    GoalCompleted,
    GoalCompletedV2,
    GoalEvent,
    GoalReviewedV2,
)
from trellis_goals.domain.goal.commands import (
    AbandonGoal,
    CompleteGoal,
    KeepGoal,
    RecordCheckIn,
    ReviewGoal,
    ReviseGoal,
    TermChanges,
)
from trellis_goals.domain.goal.guards import goal_ref, require_active
from trellis_goals.domain.goal.milestones import (
    add_milestone,
    milestone_of,
    progress_event,
    require_not_reached,
    reschedule_milestone,
)
from trellis_goals.domain.goal.state import Goal, evolve_goal
from trellis_goals.domain.goal.terms import adjust_terms
from trellis_goals.domain.rules import require_text, require_unique, today
from trellis_kernel.decider import DomainError


def check_in(command: RecordCheckIn, goal: Goal) -> list[GoalEvent]:
    require_active(goal)
    if command.check_in_id in goal.check_in_ids:
        raise DomainError(f"Check-in {command.check_in_id!r} is already recorded", field="check_in_id")
    require_text(command.progress_summary, "progress_summary", "The progress made since last time")
    require_unique(
        (p.milestone_id for p in command.milestone_progress),
        "milestone_progress",
        "Milestone",
    )
    updates: list[GoalEvent] = []
    for index, said in enumerate(command.milestone_progress):
        field = f"milestone_progress[{index}].milestone_id"
        milestone = milestone_of(goal, said.milestone_id, field)
        require_not_reached(milestone, field)
        if said.progress_percent != milestone.progress_percent:
            updates.append(
                progress_event(
                    goal,
                    milestone,
                    said.progress_percent,
                    command.recorded_by,
                    command.now,
                    check_in_id=command.check_in_id,
                )
            )
    for index, blocker in enumerate(command.blockers):
        require_text(blocker, f"blockers[{index}]", "A blocker")
    for index, resource in enumerate(command.resources_needed):
        require_text(resource, f"resources_needed[{index}]", "A resource needed")
    day = today(command.now)
    for index, action in enumerate(command.agreed_actions):
        require_text(action.action, f"agreed_actions[{index}].action", "An agreed action")
        if action.due_date < day:
            raise DomainError(
                "An agreed action cannot be due in the past", field=f"agreed_actions[{index}].due_date"
            )
    recorded = CheckInRecordedV2(
        **goal_ref(goal),
        check_in_id=command.check_in_id,
        recorded_by=command.recorded_by,
        progress_summary=command.progress_summary,
        milestone_progress=command.milestone_progress,
        blockers=command.blockers,
        resources_needed=command.resources_needed,
        agreed_actions=command.agreed_actions,
        occurred_at=command.now,
    )
    return [recorded, *updates]


def review(command: ReviewGoal, goal: Goal) -> list[GoalEvent]:
    require_active(goal)
    if command.review_id in goal.review_ids:
        raise DomainError(f"Review {command.review_id!r} is already recorded", field="review_id")
    require_text(command.summary, "summary", "The review's summary")
    outcome = command.outcome
    follow_up: list[GoalEvent]
    match outcome:
        case KeepGoal():
            follow_up = []
            name = "continue"
        case ReviseGoal():
            follow_up = _revise(goal, command.reviewed_by, outcome, command.now)
            name = "adjusted"
        case CompleteGoal():
            follow_up = [_completed(goal, command.reviewed_by, outcome, command.now)]
            name = "completed"
        case AbandonGoal():
            follow_up = [_abandoned(goal, command.reviewed_by, outcome, command.now)]
            name = "abandoned"
    reviewed = GoalReviewedV2(
        **goal_ref(goal),
        review_id=command.review_id,
        reviewed_by=command.reviewed_by,
        outcome=name,
        summary=command.summary,
        occurred_at=command.now,
    )
    return [reviewed, *follow_up]


def _revise(goal: Goal, actor_id: str, revision: ReviseGoal, now: datetime) -> list[GoalEvent]:
    require_text(revision.reason, "outcome.reason", "The reason for the adjustment")
    events: list[GoalEvent] = []
    state = goal

    def take(new: list[GoalEvent]) -> None:
        nonlocal state
        events.extend(new)
        for event in new:
            evolved = evolve_goal(state, event)
            assert evolved is not None
            state = evolved

    if revision.changes != TermChanges():
        take(adjust_terms(state, actor_id, revision.reason, revision.changes, now, "outcome.changes"))
    for index, new_date in enumerate(revision.reschedule_milestones):
        field = f"outcome.reschedule_milestones[{index}]"
        take(
            reschedule_milestone(
                state,
                new_date.milestone_id,
                new_date.due_date,
                revision.reason,
                actor_id,
                now,
                field=f"{field}.due_date",
                id_field=f"{field}.milestone_id",
            )
        )
    for index, plan in enumerate(revision.add_milestones):
        take(add_milestone(state, actor_id, plan, now, f"outcome.add_milestones[{index}]"))
    if not events:
        raise DomainError("An adjustment must change a term, move a milestone or add one", field="outcome")
    return events


def _completed(goal: Goal, actor_id: str, outcome: CompleteGoal, now: datetime) -> GoalCompleted:
    completed_on = today(now)
    return GoalCompletedV2(
        **goal_ref(goal),
        completed_by=actor_id,
        title=goal.terms.title,
        due_date=goal.terms.due_date,
        completed_on=completed_on,
        on_time=completed_on <= goal.terms.due_date,
        metric=goal.terms.metric,
        achieved_value=outcome.achieved_value,
        milestones_reached=tuple(m.milestone_id for m in goal.milestones if m.reached),
        career_track_id=goal.career_track_id,
        occurred_at=now,
    )


def _abandoned(goal: Goal, actor_id: str, outcome: AbandonGoal, now: datetime) -> GoalAbandoned:
    require_text(outcome.reason, "outcome.reason", "The reason for abandoning the goal")
    require_text(outcome.lesson_learned, "outcome.lesson_learned", "The lesson learned")
    if outcome.revised_goal_id == goal.goal_id:
        raise DomainError("The revised goal must be another goal", field="outcome.revised_goal_id")
    return GoalAbandonedV2(
        **goal_ref(goal),
        abandoned_by=actor_id,
        reason=outcome.reason,
        lesson_learned=outcome.lesson_learned,
        revised_goal_id=outcome.revised_goal_id,
        occurred_at=now,
    )
