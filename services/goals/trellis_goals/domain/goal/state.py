"""A goal as its events leave it, and how each event changes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from trellis_contracts.goals import (
    Alignment,
    CheckInRecorded,
    DevelopmentActivityCancelled,
    DevelopmentActivityCompleted,
    DevelopmentActivityKind,
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
    GoalProposalWithdrawn,
    GoalProposed,
    GoalReviewed,
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
from trellis_contracts.goals import (
    GoalEvent as GoalEvent,  # re-exported: the contracts keep the one list of the goal's events
)

GoalStatus = Literal["proposed", "changes_requested", "active", "completed", "abandoned", "withdrawn"]
ActivityStatus = Literal["planned", "in_progress", "completed", "cancelled"]


@dataclass(frozen=True)
class Proposal:
    proposed_by: str
    proposer_role: ProposerRole
    revision: int


@dataclass(frozen=True)
class Milestone:
    milestone_id: str
    title: str
    owner_id: str
    due_date: date
    progress_percent: int = 0
    reached_on: date | None = None
    # Stays true after a reschedule, so that a milestone is missed at most once.
    missed: bool = False

    @property
    def reached(self) -> bool:
        return self.reached_on is not None

    def overdue_on(self, day: date) -> bool:
        return not self.reached and self.due_date < day

    @staticmethod
    def planned(plan: MilestonePlan) -> Milestone:
        return Milestone(plan.milestone_id, plan.title, plan.owner_id, plan.due_date)


@dataclass(frozen=True)
class Activity:
    activity_id: str
    kind: DevelopmentActivityKind
    title: str
    due_date: date
    mentor_id: str | None
    status: ActivityStatus = "planned"


@dataclass(frozen=True)
class Goal:
    goal_id: str
    organisation_id: str
    employee_id: str
    manager_id: str
    status: GoalStatus
    proposal: Proposal
    terms: GoalTerms
    milestones: tuple[Milestone, ...] = ()
    alignment: Alignment | None = None
    career_track_id: str | None = None
    template_id: str | None = None
    check_in_ids: frozenset[str] = frozenset()
    review_ids: frozenset[str] = frozenset()
    activities: tuple[Activity, ...] = ()

    @property
    def closed(self) -> bool:
        return self.status in ("completed", "abandoned", "withdrawn")

    @property
    def awaiting_agreement(self) -> bool:
        return self.status in ("proposed", "changes_requested")

    def milestone(self, milestone_id: str) -> Milestone | None:
        return next((m for m in self.milestones if m.milestone_id == milestone_id), None)

    def activity(self, activity_id: str) -> Activity | None:
        return next((a for a in self.activities if a.activity_id == activity_id), None)

    def with_milestone(self, milestone_id: str, change: Callable[[Milestone], Milestone]) -> Goal:
        milestones = tuple(change(m) if m.milestone_id == milestone_id else m for m in self.milestones)
        return replace(self, milestones=milestones)

    def with_activity_status(self, activity_id: str, status: ActivityStatus) -> Goal:
        activities = tuple(
            replace(a, status=status) if a.activity_id == activity_id else a for a in self.activities
        )
        return replace(self, activities=activities)


GoalState = Goal | None


def initial_goal_state() -> GoalState:
    return None


def evolve_goal(state: GoalState, event: GoalEvent) -> GoalState:
    if isinstance(event, GoalProposed):
        return _proposed(state, event)
    if state is None:
        # Every goal stream starts with GoalProposed; anything else first is not ours to judge.
        return None
    match event:
        case GoalChangesRequested():
            return replace(state, status="changes_requested")
        case GoalAgreed():
            return state
        case GoalCreated():
            return replace(
                state,
                status="active",
                terms=event.terms,
                milestones=tuple(Milestone.planned(m) for m in event.milestones),
                career_track_id=event.career_track_id,
                template_id=event.template_id,
            )
        case GoalManagerChanged():
            return replace(state, manager_id=event.manager_id)
        case GoalAdjusted():
            return replace(state, terms=event.current)
        case GoalAligned():
            return replace(state, alignment=event.alignment)
        case GoalUnaligned():
            return replace(state, alignment=None)
        case MilestoneAdded():
            added = Milestone(event.milestone_id, event.title, event.owner_id, event.due_date)
            return replace(state, milestones=(*state.milestones, added))
        case MilestoneRescheduled():
            due_date = event.due_date
            return state.with_milestone(event.milestone_id, lambda m: replace(m, due_date=due_date))
        case MilestoneProgressUpdated():
            progress = event.progress_percent
            return state.with_milestone(event.milestone_id, lambda m: replace(m, progress_percent=progress))
        case MilestoneReached():
            reached_on = event.reached_on
            return state.with_milestone(
                event.milestone_id,
                lambda m: replace(m, reached_on=reached_on, progress_percent=100),
            )
        case MilestoneMissed():
            return state.with_milestone(event.milestone_id, lambda m: replace(m, missed=True))
        case CheckInRecorded():
            return replace(state, check_in_ids=state.check_in_ids | {event.check_in_id})
        case GoalReviewed():
            return replace(state, review_ids=state.review_ids | {event.review_id})
        case GoalCompleted():
            return replace(state, status="completed")
        case GoalAbandoned():
            return replace(state, status="abandoned")
        case GoalProposalWithdrawn():
            return replace(state, status="withdrawn")
        case DevelopmentActivityPlanned():
            planned = Activity(event.activity_id, event.kind, event.title, event.due_date, event.mentor_id)
            return replace(state, activities=(*state.activities, planned))
        case DevelopmentActivityStarted():
            return state.with_activity_status(event.activity_id, "in_progress")
        case DevelopmentActivityCompleted():
            return state.with_activity_status(event.activity_id, "completed")
        case DevelopmentActivityCancelled():
            return state.with_activity_status(event.activity_id, "cancelled")
    return state


def _proposed(state: GoalState, event: GoalProposed) -> Goal:
    proposal = Proposal(event.proposed_by, event.proposer_role, event.proposal_revision)
    milestones = tuple(Milestone.planned(m) for m in event.milestones)
    if state is None:
        return Goal(
            goal_id=event.goal_id,
            organisation_id=event.organisation_id,
            employee_id=event.employee_id,
            manager_id=event.manager_id,
            status="proposed",
            proposal=proposal,
            terms=event.terms,
            milestones=milestones,
            career_track_id=event.career_track_id,
            template_id=event.template_id,
        )
    return replace(
        state,
        status="proposed",
        proposal=proposal,
        terms=event.terms,
        milestones=milestones,
        career_track_id=event.career_track_id,
        template_id=event.template_id,
    )
