"""Request and response bodies of the HTTP API (published in its OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from trellis_contracts.fields import NO_NUL_PATTERN, OpaqueId
from trellis_contracts.goals import (
    AgreedAction,
    Alignment,
    Competency,
    DevelopmentActivityKind,
    GoalMetric,
    GoalTerms,
    MilestonePlan,
    MilestoneProgress,
    MilestoneTemplate,
)

# Text refuses NUL, like the contracts' text (PostgreSQL cannot store it): a 422, not a 500.
Title = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000, pattern=NO_NUL_PATTERN)]
OptionalText = Annotated[str, StringConstraints(max_length=4000, pattern=NO_NUL_PATTERN)]
OptionalTitle = Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL_PATTERN)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Versioned(Body):
    expected_version: int | None = Field(
        default=None,
        ge=0,
        description="The stream version the caller decided on; a different current version "
        "answers 409 with that version. Omit to act on whatever is current (a race with "
        "another writer is then decided again on the newer version).",
    )


# --- goal commands ------------------------------------------------------------------------------


class GoalTermsIn(Body):
    title: Title = Field(description="Specific: the goal in a few words.")
    description: Text = Field(description="Specific: the outcome that means success.")
    metric: GoalMetric | None = Field(default=None, description="Measurable: baseline and target.")
    due_date: date = Field(description="Time-bound: when the goal is due (after today).")
    resources_needed: list[Title] = Field(default_factory=list)
    milestones: list[MilestonePlan] = Field(
        default_factory=list, description="Measurable: phased steps, each with owner and date."
    )

    def terms(self) -> GoalTerms:
        return GoalTerms(
            title=self.title,
            description=self.description,
            metric=self.metric,
            due_date=self.due_date,
            resources_needed=tuple(self.resources_needed),
        )


class ProposeGoalIn(GoalTermsIn):
    goal_id: OpaqueId | None = Field(default=None, description="Chosen by the caller, or generated.")
    employee_id: OpaqueId = Field(description="Whose goal it is; the manager is theirs.")
    career_track_id: OpaqueId | None = None
    template_id: OpaqueId | None = None


class ReproposeGoalIn(GoalTermsIn, Versioned):
    pass


class GoalFromTemplateIn(Body):
    goal_id: OpaqueId | None = None
    employee_id: OpaqueId
    track_id: OpaqueId
    template_id: OpaqueId
    metric: GoalMetric | None = None


class WithdrawIn(Versioned):
    reason: OptionalText = ""


class CommentIn(Versioned):
    comment: Text


class AlignIn(Versioned):
    alignment: Alignment


class UnalignIn(Versioned):
    reason: OptionalText = ""


class TermChangesIn(Body):
    title: OptionalTitle | None = None
    description: OptionalText | None = None
    metric: GoalMetric | None = None
    due_date: date | None = None
    resources_needed: list[Title] | None = None


class AdjustIn(Versioned):
    reason: Text
    changes: TermChangesIn


class AddMilestoneIn(Versioned):
    milestone: MilestonePlan


class RescheduleIn(Versioned):
    due_date: date
    reason: Text


class ProgressIn(Versioned):
    progress_percent: int = Field(ge=0, le=100)


class CheckInIn(Versioned):
    check_in_id: OpaqueId | None = None
    progress_summary: Text = Field(
        description="What progress have you made toward your milestones since we last spoke?"
    )
    milestone_progress: list[MilestoneProgress] = Field(default_factory=list)
    blockers: list[Title] = Field(default_factory=list)
    resources_needed: list[Title] = Field(default_factory=list)
    agreed_actions: list[AgreedAction] = Field(default_factory=list)


class KeepOutcomeIn(Body):
    kind: Literal["keep"]


class NewMilestoneDateIn(Body):
    milestone_id: OpaqueId
    due_date: date


class ReviseOutcomeIn(Body):
    kind: Literal["revise"]
    reason: Text
    changes: TermChangesIn = Field(default_factory=TermChangesIn)
    add_milestones: list[MilestonePlan] = Field(default_factory=list)
    reschedule_milestones: list[NewMilestoneDateIn] = Field(default_factory=list)


class CompleteOutcomeIn(Body):
    kind: Literal["complete"]
    achieved_value: float | None = None


class AbandonOutcomeIn(Body):
    kind: Literal["abandon"]
    reason: Text
    lesson_learned: Text
    revised_goal_id: OpaqueId | None = None


ReviewOutcomeIn = Annotated[
    KeepOutcomeIn | ReviseOutcomeIn | CompleteOutcomeIn | AbandonOutcomeIn,
    Field(discriminator="kind"),
]


class ReviewIn(Versioned):
    review_id: OpaqueId | None = None
    summary: Text
    outcome: ReviewOutcomeIn


class PlanActivityIn(Versioned):
    activity_id: OpaqueId | None = None
    kind: DevelopmentActivityKind
    title: Title
    description: OptionalText = ""
    due_date: date
    mentor_id: OpaqueId | None = None


class CompleteActivityIn(Versioned):
    reflection: OptionalText = ""


class CancelActivityIn(Versioned):
    reason: Text


# --- people and tracks -----------------------------------------------------------------------------


class VisionIn(Versioned):
    long_term_aspirations: Text
    passions: list[Title] = Field(default_factory=list)
    strengths: list[Title] = Field(default_factory=list)
    areas_to_grow: list[Title] = Field(default_factory=list)
    interests: list[Title] = Field(default_factory=list)
    values: list[Title] = Field(default_factory=list)


class ChooseTrackIn(Versioned):
    track_id: OpaqueId


class CareerTrackIn(Versioned):
    track_id: OpaqueId
    name: Title
    description: OptionalText = ""
    competencies: list[Competency] = Field(default_factory=list)
    milestone_templates: list[MilestoneTemplate] = Field(default_factory=list)


class ReportingLineIn(Versioned):
    manager_id: OpaqueId | None = Field(description="The new manager; null for none.")


# --- responses ----------------------------------------------------------------------------------------


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ProposalOut(Read):
    proposed_by: str
    proposer_role: str
    revision: int


class MilestoneOut(Read):
    milestone_id: str
    title: str
    owner_id: str
    due_date: date
    progress_percent: int
    reached_on: date | None
    missed: bool


class ActivityOut(Read):
    activity_id: str
    kind: str
    title: str
    due_date: date
    mentor_id: str | None
    status: str


class GoalOut(Read):
    goal_id: str
    organisation_id: str
    employee_id: str
    manager_id: str
    status: str
    proposal: ProposalOut
    terms: GoalTerms
    milestones: list[MilestoneOut]
    alignment: Alignment | None
    career_track_id: str | None
    template_id: str | None
    activities: list[ActivityOut]


class GoalRecordOut(Read):
    goal: GoalOut
    version: int
    proposed_at: datetime
    updated_at: datetime


class MilestoneLineOut(Read):
    milestone_id: str
    title: str
    owner_id: str
    due_date: date
    progress_percent: int
    status: str
    reached_on: date | None


class GoalProgressOut(Read):
    goal_id: str
    employee_id: str
    manager_id: str
    title: str
    status: str
    due_date: date
    percent_complete: int
    goal_overdue: bool
    next_milestone: MilestoneLineOut | None
    overdue_milestones: list[MilestoneLineOut]
    overdue_activity_ids: list[str]
    overdue_items: int
    last_check_in_at: datetime | None
    career_track_id: str | None
    aligned_to: str | None
    version: int


class EmployeeProgressOut(Read):
    employee_id: str
    active_goals: int
    completed_goals: int
    overdue_items: int
    last_check_in_at: datetime | None
    goals: list[GoalProgressOut]


class AwaitingGoalOut(Read):
    goal_id: str
    title: str
    due_date: date
    version: int = Field(description="The goal's version, to agree with expected_version.")


class OverdueItemOut(Read):
    goal_id: str
    goal_title: str
    kind: Literal["goal", "milestone", "activity"]
    item_id: str
    title: str
    due_date: date


class TeamMemberOut(Read):
    employee_id: str
    active_goals: int
    completed_goals: int
    average_percent_complete: int = Field(description="Mean % complete of the active goals.")
    overdue_items: int
    last_check_in_at: datetime | None
    awaiting_manager: list[AwaitingGoalOut] = Field(
        description="Goals the employee proposed that wait for the manager to answer."
    )
    overdue: list[OverdueItemOut] = Field(description="What is overdue, soonest due first.")


class TeamOut(Read):
    manager_id: str
    awaiting_manager: int
    members: list[TeamMemberOut]


GoalStatusName = Literal["proposed", "changes_requested", "active", "completed", "abandoned", "withdrawn"]


class GoalPageOut(BaseModel):
    goals: list[GoalProgressOut]
    next_cursor: str | None = Field(description="Pass as `after` for the next page; null on the last.")


class GoalCountsOut(Read):
    total: int
    by_status: dict[str, int]
    overdue: int = Field(description="Goals with something overdue today.")


class TimelineEntryOut(Read):
    version: int
    occurred_at: datetime
    event_type: str
    actor_id: str | None
    summary: str


class ProgressPointOut(Read):
    version: int
    occurred_at: datetime
    status: str
    percent_complete: int


class ProgressChangeOut(Read):
    milestone_id: str
    before: int
    after: int


class CheckInOut(Read):
    check_in_id: str
    recorded_at: datetime
    recorded_by: str
    progress_summary: str
    blockers: list[str]
    resources_needed: list[str]
    agreed_actions: list[AgreedAction]
    progress_since_last: list[ProgressChangeOut]
    reached_since_last: list[str]
    days_since_last: int | None


class VisionStatementOut(Read):
    long_term_aspirations: str
    passions: list[str]
    strengths: list[str]
    areas_to_grow: list[str]
    interests: list[str]
    values: list[str]


class VisionVersionOut(Read):
    revision: int
    recorded_at: datetime
    statement: VisionStatementOut


class VisionOut(BaseModel):
    employee_id: str
    version: int
    current: VisionVersionOut
    history: list[VisionVersionOut]


class CareerTrackOut(BaseModel):
    track_id: str
    revision: int
    name: str
    description: str
    competencies: list[Competency]
    milestone_templates: list[MilestoneTemplate]


class CareerTracksOut(BaseModel):
    organisation_id: str
    version: int
    tracks: list[CareerTrackOut]


class CareerChoiceOut(BaseModel):
    employee_id: str
    track_id: str | None
    version: int


class ReportingLineOut(BaseModel):
    employee_id: str
    manager_id: str | None
    version: int
