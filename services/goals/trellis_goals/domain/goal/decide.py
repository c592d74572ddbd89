"""What a command on a goal leads to: the events it causes, or a DomainError saying why not."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TypedDict

from trellis_contracts.goals import (
    CheckInRecorded,
    DevelopmentActivityCancelled,
    DevelopmentActivityCompleted,
    DevelopmentActivityPlanned,
    DevelopmentActivityStarted,
    GoalAbandoned,
    GoalAdjusted,
    GoalAgreed,
    GoalAligned,
    GoalChangesRequested,
    GoalCompleted,
    GoalCreated,
    GoalManagerChanged,
    GoalProposed,
    GoalReviewed,
    GoalTermName,
    GoalTerms,
    GoalUnaligned,
    MilestoneAdded,
    MilestoneMissed,
    MilestonePlan,
    MilestoneProgressUpdated,
    MilestoneReached,
    MilestoneRescheduled,
    ProposerRole,
)
from trellis_goals.domain.goal.commands import (
    AbandonGoal,
    AddMilestone,
    AdjustGoal,
    AgreeToGoal,
    AlignGoal,
    CancelDevelopmentActivity,
    CompleteDevelopmentActivity,
    CompleteGoal,
    GoalCommand,
    HandOverGoal,
    KeepGoal,
    MarkOverdueMilestones,
    PlanDevelopmentActivity,
    ProposeGoal,
    ReachMilestone,
    RecordCheckIn,
    RequestGoalChanges,
    RescheduleMilestone,
    ReviewGoal,
    ReviseGoal,
    StartDevelopmentActivity,
    TermChanges,
    UnalignGoal,
    UpdateMilestoneProgress,
)
from trellis_goals.domain.goal.smart import (
    check_metric,
    check_milestone_date,
    check_milestone_plan,
    check_milestone_plans,
    check_terms,
)
from trellis_goals.domain.goal.state import (
    Activity,
    Goal,
    GoalEvent,
    GoalState,
    Milestone,
    evolve_goal,
)
from trellis_goals.domain.rules import (
    require_aware,
    require_future,
    require_text,
    require_unique,
    today,
)
from trellis_kernel.decider import DomainError

MENTORED_KINDS = frozenset({"mentoring", "shadowing"})


class _GoalRef(TypedDict):
    goal_id: str
    organisation_id: str
    employee_id: str
    manager_id: str


def _ref(goal: Goal) -> _GoalRef:
    return {
        "goal_id": goal.goal_id,
        "organisation_id": goal.organisation_id,
        "employee_id": goal.employee_id,
        "manager_id": goal.manager_id,
    }


def decide_goal(command: GoalCommand, state: GoalState) -> Sequence[GoalEvent]:
    require_aware(command.now)
    if isinstance(command, ProposeGoal):
        return _propose(command, state)
    goal = _existing(state, command.goal_id)
    match command:
        case AgreeToGoal():
            return _agree(command, goal)
        case RequestGoalChanges():
            return _request_changes(command, goal)
        case HandOverGoal():
            return _hand_over(command, goal)
        case AlignGoal():
            return _align(command, goal)
        case UnalignGoal():
            return _unalign(command, goal)
        case AdjustGoal():
            _require_active(goal)
            return _adjust(goal, command.adjusted_by, command.reason, command.changes, command.now)
        case AddMilestone():
            return _add_milestone(goal, command.added_by, command.milestone, command.now)
        case RescheduleMilestone():
            return _reschedule(command, goal)
        case UpdateMilestoneProgress():
            return _update_progress(command, goal)
        case ReachMilestone():
            return _reach(command, goal)
        case MarkOverdueMilestones():
            return _mark_overdue(command, goal)
        case RecordCheckIn():
            return _check_in(command, goal)
        case ReviewGoal():
            return _review(command, goal)
        case PlanDevelopmentActivity():
            return _plan_activity(command, goal)
        case StartDevelopmentActivity():
            return _start_activity(command, goal)
        case CompleteDevelopmentActivity():
            return _complete_activity(command, goal)
        case CancelDevelopmentActivity():
            return _cancel_activity(command, goal)


# --- lifecycle guards -------------------------------------------------------------------------


def _existing(state: GoalState, goal_id: str) -> Goal:
    if state is None or state.goal_id != goal_id:
        raise DomainError(f"There is no goal {goal_id!r}", field="goal_id")
    return state


def _require_open(goal: Goal) -> None:
    if goal.closed:
        raise DomainError(f"The goal is {goal.status}; a closed goal cannot change", field="goal_id")


def _require_active(goal: Goal) -> None:
    _require_open(goal)
    if goal.awaiting_agreement:
        raise DomainError(
            "The goal is not agreed yet: the employee and the manager must both agree first",
            field="goal_id",
        )


# --- agreeing ----------------------------------------------------------------------------------


def _propose(command: ProposeGoal, state: GoalState) -> Sequence[GoalEvent]:
    if command.employee_id == command.manager_id:
        raise DomainError("An employee cannot be their own manager", field="manager_id")
    role: ProposerRole
    if command.proposed_by == command.employee_id:
        role = "employee"
    elif command.proposed_by == command.manager_id:
        role = "manager"
    else:
        raise DomainError(
            "Only the employee or their manager can propose the employee's goal",
            field="proposed_by",
        )
    check_terms(command.terms, len(command.milestones), command.now)
    check_milestone_plans(command.milestones, command.terms.due_date, command.now)
    revision = 1
    if state is not None:
        if not state.awaiting_agreement:
            raise DomainError(
                f"The goal is already {state.status}; change it through an adjustment or review",
                field="goal_id",
            )
        if state.employee_id != command.employee_id:
            raise DomainError("A new proposal cannot change the employee", field="employee_id")
        if state.manager_id != command.manager_id:
            raise DomainError("A new proposal cannot change the manager", field="manager_id")
        revision = state.proposal.revision + 1
    return [
        GoalProposed(
            goal_id=command.goal_id,
            organisation_id=command.organisation_id,
            employee_id=command.employee_id,
            manager_id=command.manager_id,
            proposed_by=command.proposed_by,
            proposer_role=role,
            proposal_revision=revision,
            terms=command.terms,
            milestones=command.milestones,
            career_track_id=command.career_track_id,
            template_id=command.template_id,
            occurred_at=command.now,
        )
    ]


def _the_other_side(goal: Goal) -> tuple[str, str]:
    """Who must answer the current proposal, and what to call them."""
    if goal.proposal.proposer_role == "employee":
        return goal.manager_id, "manager"
    return goal.employee_id, "employee"


def _require_answer_from_other_side(goal: Goal, actor_id: str, field: str, verb: str) -> None:
    if goal.status == "changes_requested":
        raise DomainError("Changes were asked for: the goal needs a new proposal first", field="goal_id")
    if goal.status != "proposed":
        raise DomainError(f"The goal is already {goal.status}", field="goal_id")
    if actor_id == goal.proposal.proposed_by:
        raise DomainError(f"The proposer cannot {verb} their own proposal", field=field)
    other_id, other_name = _the_other_side(goal)
    if actor_id != other_id:
        raise DomainError(f"Only the {other_name} can {verb} this proposal", field=field)


def _planned_milestones(goal: Goal) -> tuple[MilestonePlan, ...]:
    return tuple(
        MilestonePlan(milestone_id=m.milestone_id, title=m.title, owner_id=m.owner_id, due_date=m.due_date)
        for m in goal.milestones
    )


def _agree(command: AgreeToGoal, goal: Goal) -> Sequence[GoalEvent]:
    _require_answer_from_other_side(goal, command.agreed_by, "agreed_by", "agree to")
    plans = _planned_milestones(goal)
    # Time may have passed since the proposal: it must still be time-bound when agreed.
    check_terms(goal.terms, len(plans), command.now)
    check_milestone_plans(plans, goal.terms.due_date, command.now)
    return [
        GoalAgreed(
            **_ref(goal),
            proposed_by=goal.proposal.proposed_by,
            agreed_by=command.agreed_by,
            proposal_revision=goal.proposal.revision,
            occurred_at=command.now,
        ),
        GoalCreated(
            **_ref(goal),
            terms=goal.terms,
            milestones=plans,
            career_track_id=goal.career_track_id,
            template_id=goal.template_id,
            occurred_at=command.now,
        ),
    ]


def _request_changes(command: RequestGoalChanges, goal: Goal) -> Sequence[GoalEvent]:
    _require_answer_from_other_side(goal, command.requested_by, "requested_by", "ask for changes to")
    require_text(command.comment, "comment", "What should change")
    return [
        GoalChangesRequested(
            **_ref(goal),
            requested_by=command.requested_by,
            proposal_revision=goal.proposal.revision,
            comment=command.comment,
            occurred_at=command.now,
        )
    ]


def _hand_over(command: HandOverGoal, goal: Goal) -> Sequence[GoalEvent]:
    if goal.closed or command.manager_id == goal.manager_id:
        return []
    if command.manager_id == goal.employee_id:
        raise DomainError("An employee cannot be their own manager", field="manager_id")
    return [
        GoalManagerChanged(
            goal_id=goal.goal_id,
            organisation_id=goal.organisation_id,
            employee_id=goal.employee_id,
            manager_id=command.manager_id,
            previous_manager_id=goal.manager_id,
            occurred_at=command.now,
        )
    ]


# --- alignment ------------------------------------------------------------------------------------


def _align(command: AlignGoal, goal: Goal) -> Sequence[GoalEvent]:
    _require_open(goal)
    target = command.alignment
    if target.kind == "parent_goal" and target.target_id == goal.goal_id:
        raise DomainError("A goal cannot be its own parent", field="alignment.target_id")
    if goal.alignment == target:
        raise DomainError("The goal is already aligned to that", field="alignment")
    return [
        GoalAligned(
            **_ref(goal),
            aligned_by=command.aligned_by,
            alignment=target,
            previous_alignment=goal.alignment,
            occurred_at=command.now,
        )
    ]


def _unalign(command: UnalignGoal, goal: Goal) -> Sequence[GoalEvent]:
    _require_open(goal)
    if goal.alignment is None:
        raise DomainError("The goal is not aligned to anything", field="goal_id")
    return [
        GoalUnaligned(
            **_ref(goal),
            unaligned_by=command.unaligned_by,
            previous_alignment=goal.alignment,
            reason=command.reason,
            occurred_at=command.now,
        )
    ]


# --- adjusting --------------------------------------------------------------------------------------


def _changed_terms(terms: GoalTerms, changes: TermChanges) -> tuple[GoalTerms, tuple[GoalTermName, ...]]:
    proposed: dict[GoalTermName, object] = {
        "title": changes.title,
        "description": changes.description,
        "metric": changes.metric,
        "due_date": changes.due_date,
        "resources_needed": changes.resources_needed,
    }
    changed = tuple(
        name for name, value in proposed.items() if value is not None and value != getattr(terms, name)
    )
    update: dict[str, object] = {name: proposed[name] for name in changed}
    return terms.model_copy(update=update), changed


def _adjust(
    goal: Goal,
    actor_id: str,
    reason: str,
    changes: TermChanges,
    now: datetime,
    field: str = "changes",
) -> list[GoalEvent]:
    require_text(reason, "reason", "The reason for the adjustment")
    current, changed = _changed_terms(goal.terms, changes)
    if not changed:
        raise DomainError("Nothing to adjust: no term differs from the goal's", field=field)
    if "title" in changed:
        require_text(current.title, f"{field}.title", "Specific: the goal's title")
    if "description" in changed:
        require_text(current.description, f"{field}.description", "Specific: the description")
    if current.metric is not None and "metric" in changed:
        check_metric(current.metric, f"{field}.metric")
    for index, resource in enumerate(current.resources_needed if "resources_needed" in changed else ()):
        require_text(resource, f"{field}.resources_needed[{index}]", "A resource needed")
    if "due_date" in changed:
        require_future(current.due_date, now, f"{field}.due_date", "Time-bound: the goal's due date")
        later = [m for m in goal.milestones if not m.reached and m.due_date > current.due_date]
        if later:
            raise DomainError(
                f"Milestone {later[0].milestone_id!r} is due after the new due date; reschedule it first",
                field=f"{field}.due_date",
            )
    return [
        GoalAdjusted(
            **_ref(goal),
            adjusted_by=actor_id,
            reason=reason,
            changed=changed,
            previous=goal.terms,
            current=current,
            occurred_at=now,
        )
    ]


# --- milestones ----------------------------------------------------------------------------------------


def _milestone(goal: Goal, milestone_id: str, field: str = "milestone_id") -> Milestone:
    milestone = goal.milestone(milestone_id)
    if milestone is None:
        raise DomainError(f"The goal has no milestone {milestone_id!r}", field=field)
    return milestone


def _require_not_reached(milestone: Milestone, field: str = "milestone_id") -> None:
    if milestone.reached_on is not None:
        raise DomainError(
            f"Milestone {milestone.milestone_id!r} was already reached on {milestone.reached_on.isoformat()}",
            field=field,
        )


def _add_milestone(
    goal: Goal, actor_id: str, plan: MilestonePlan, now: datetime, field: str = "milestone"
) -> list[GoalEvent]:
    _require_active(goal)
    if goal.milestone(plan.milestone_id) is not None:
        raise DomainError(f"Milestone {plan.milestone_id!r} already exists", field=f"{field}.milestone_id")
    check_milestone_plan(plan, goal.terms.due_date, now, field)
    return [
        MilestoneAdded(
            **_ref(goal),
            milestone_id=plan.milestone_id,
            owner_id=plan.owner_id,
            due_date=plan.due_date,
            title=plan.title,
            added_by=actor_id,
            occurred_at=now,
        )
    ]


def _reschedule(command: RescheduleMilestone, goal: Goal) -> list[GoalEvent]:
    _require_active(goal)
    return _reschedule_milestone(
        goal,
        command.milestone_id,
        command.due_date,
        command.reason,
        command.rescheduled_by,
        command.now,
        field="due_date",
    )


def _reschedule_milestone(
    goal: Goal,
    milestone_id: str,
    due_date: date,
    reason: str,
    actor_id: str,
    now: datetime,
    field: str,
    id_field: str = "milestone_id",
) -> list[GoalEvent]:
    milestone = _milestone(goal, milestone_id, id_field)
    _require_not_reached(milestone, id_field)
    require_text(reason, "reason", "The reason for rescheduling")
    if due_date == milestone.due_date:
        raise DomainError("The milestone is already due on that date", field=field)
    check_milestone_date(due_date, goal.terms.due_date, now, field)
    return [
        MilestoneRescheduled(
            **_ref(goal),
            milestone_id=milestone.milestone_id,
            owner_id=milestone.owner_id,
            due_date=due_date,
            previous_due_date=milestone.due_date,
            reason=reason,
            rescheduled_by=actor_id,
            occurred_at=now,
        )
    ]


def _progress_event(
    goal: Goal,
    milestone: Milestone,
    progress: int,
    actor_id: str,
    now: datetime,
    check_in_id: str | None = None,
) -> MilestoneProgressUpdated:
    return MilestoneProgressUpdated(
        **_ref(goal),
        milestone_id=milestone.milestone_id,
        owner_id=milestone.owner_id,
        due_date=milestone.due_date,
        previous_progress_percent=milestone.progress_percent,
        progress_percent=progress,
        updated_by=actor_id,
        check_in_id=check_in_id,
        occurred_at=now,
    )


def _require_percent(value: int, field: str) -> None:
    if not 0 <= value <= 100:
        raise DomainError("Progress is a percentage from 0 to 100", field=field)


def _update_progress(command: UpdateMilestoneProgress, goal: Goal) -> list[GoalEvent]:
    _require_active(goal)
    milestone = _milestone(goal, command.milestone_id)
    _require_not_reached(milestone)
    _require_percent(command.progress_percent, "progress_percent")
    if command.progress_percent == milestone.progress_percent:
        return []
    return [_progress_event(goal, milestone, command.progress_percent, command.updated_by, command.now)]


def _reach(command: ReachMilestone, goal: Goal) -> list[GoalEvent]:
    _require_active(goal)
    milestone = _milestone(goal, command.milestone_id)
    _require_not_reached(milestone)
    reached_on = today(command.now)
    return [
        MilestoneReached(
            **_ref(goal),
            milestone_id=milestone.milestone_id,
            owner_id=milestone.owner_id,
            due_date=milestone.due_date,
            title=milestone.title,
            goal_title=goal.terms.title,
            reached_on=reached_on,
            on_time=reached_on <= milestone.due_date,
            career_track_id=goal.career_track_id,
            recorded_by=command.recorded_by,
            occurred_at=command.now,
        )
    ]


def _mark_overdue(command: MarkOverdueMilestones, goal: Goal) -> list[GoalEvent]:
    if goal.status != "active":
        return []
    day = today(command.now)
    return [
        MilestoneMissed(
            **_ref(goal),
            milestone_id=m.milestone_id,
            owner_id=m.owner_id,
            due_date=m.due_date,
            progress_percent=m.progress_percent,
            occurred_at=command.now,
        )
        for m in goal.milestones
        if m.overdue_on(day) and not m.missed
    ]


# --- conversations ---------------------------------------------------------------------------------------


def _check_in(command: RecordCheckIn, goal: Goal) -> list[GoalEvent]:
    _require_active(goal)
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
        milestone = _milestone(goal, said.milestone_id, field)
        _require_not_reached(milestone, field)
        if said.progress_percent != milestone.progress_percent:
            updates.append(
                _progress_event(
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
    recorded = CheckInRecorded(
        **_ref(goal),
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


def _review(command: ReviewGoal, goal: Goal) -> list[GoalEvent]:
    _require_active(goal)
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
    reviewed = GoalReviewed(
        **_ref(goal),
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
        take(_adjust(state, actor_id, revision.reason, revision.changes, now, "outcome.changes"))
    for index, new_date in enumerate(revision.reschedule_milestones):
        field = f"outcome.reschedule_milestones[{index}]"
        take(
            _reschedule_milestone(
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
        take(_add_milestone(state, actor_id, plan, now, f"outcome.add_milestones[{index}]"))
    if not events:
        raise DomainError("An adjustment must change a term, move a milestone or add one", field="outcome")
    return events


def _completed(goal: Goal, actor_id: str, outcome: CompleteGoal, now: datetime) -> GoalCompleted:
    completed_on = today(now)
    return GoalCompleted(
        **_ref(goal),
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
    return GoalAbandoned(
        **_ref(goal),
        abandoned_by=actor_id,
        reason=outcome.reason,
        lesson_learned=outcome.lesson_learned,
        revised_goal_id=outcome.revised_goal_id,
        occurred_at=now,
    )


# --- development activities -----------------------------------------------------------------------------


def _activity(goal: Goal, activity_id: str) -> Activity:
    activity = goal.activity(activity_id)
    if activity is None:
        raise DomainError(f"The goal has no activity {activity_id!r}", field="activity_id")
    return activity


def _plan_activity(command: PlanDevelopmentActivity, goal: Goal) -> list[GoalEvent]:
    _require_active(goal)
    if goal.activity(command.activity_id) is not None:
        raise DomainError(f"Activity {command.activity_id!r} already exists", field="activity_id")
    require_text(command.title, "title", "The activity's title")
    require_future(command.due_date, command.now, "due_date", "The activity's due date")
    if command.kind in MENTORED_KINDS and command.mentor_id is None:
        raise DomainError(
            f"A {command.kind} activity names the person who mentors or is shadowed",
            field="mentor_id",
        )
    if command.mentor_id == goal.employee_id:
        raise DomainError("An employee cannot mentor themselves", field="mentor_id")
    return [
        DevelopmentActivityPlanned(
            activity_id=command.activity_id,
            goal_id=goal.goal_id,
            organisation_id=goal.organisation_id,
            employee_id=goal.employee_id,
            kind=command.kind,
            title=command.title,
            description=command.description,
            mentor_id=command.mentor_id,
            due_date=command.due_date,
            planned_by=command.planned_by,
            occurred_at=command.now,
        )
    ]


def _require_activity_status(activity: Activity, allowed: frozenset[str], verb: str) -> None:
    if activity.status not in allowed:
        raise DomainError(
            f"Activity {activity.activity_id!r} is {activity.status.replace('_', ' ')} and cannot be {verb}",
            field="activity_id",
        )


def _start_activity(command: StartDevelopmentActivity, goal: Goal) -> list[GoalEvent]:
    _require_active(goal)
    activity = _activity(goal, command.activity_id)
    _require_activity_status(activity, frozenset({"planned"}), "started")
    return [
        DevelopmentActivityStarted(
            activity_id=activity.activity_id,
            goal_id=goal.goal_id,
            organisation_id=goal.organisation_id,
            employee_id=goal.employee_id,
            kind=activity.kind,
            started_by=command.started_by,
            occurred_at=command.now,
        )
    ]


def _complete_activity(command: CompleteDevelopmentActivity, goal: Goal) -> list[GoalEvent]:
    _require_active(goal)
    activity = _activity(goal, command.activity_id)
    _require_activity_status(activity, frozenset({"planned", "in_progress"}), "completed")
    return [
        DevelopmentActivityCompleted(
            activity_id=activity.activity_id,
            goal_id=goal.goal_id,
            organisation_id=goal.organisation_id,
            employee_id=goal.employee_id,
            kind=activity.kind,
            title=activity.title,
            completed_on=today(command.now),
            reflection=command.reflection,
            completed_by=command.completed_by,
            occurred_at=command.now,
        )
    ]


def _cancel_activity(command: CancelDevelopmentActivity, goal: Goal) -> list[GoalEvent]:
    _require_active(goal)
    activity = _activity(goal, command.activity_id)
    _require_activity_status(activity, frozenset({"planned", "in_progress"}), "cancelled")
    require_text(command.reason, "reason", "The reason for cancelling")
    return [
        DevelopmentActivityCancelled(
            activity_id=activity.activity_id,
            goal_id=goal.goal_id,
            organisation_id=goal.organisation_id,
            employee_id=goal.employee_id,
            kind=activity.kind,
            reason=command.reason,
            cancelled_by=command.cancelled_by,
            occurred_at=command.now,
        )
    ]
