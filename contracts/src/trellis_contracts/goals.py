"""Events published by the goals service.

Visions and values, SMART goals set collaboratively, their milestones, check-ins, reviews,
career tracks and development activities. Every event names the ids a consumer needs without
reading any other event; people appear only as opaque ids, and free text that may describe a
person is marked with ``x-personal-data``.

Downstream payroll and learning systems react to ``MilestoneReached``, ``GoalCompleted`` and
``DevelopmentActivityCompleted``: these three carry everything such a system needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from trellis_contracts.base import EventContract, personal_data
from trellis_contracts.fields import NO_NUL_PATTERN, OpaqueId, Text

SERVICE = "goals"

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL_PATTERN)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=4000, pattern=NO_NUL_PATTERN)]
Percent = Annotated[int, Field(ge=0, le=100)]

ProposerRole = Literal["employee", "manager"]
AlignmentKind = Literal["organisational_objective", "parent_goal"]
DevelopmentActivityKind = Literal[
    "training", "mentoring", "shadowing", "stretch_assignment", "project_rotation"
]
ReviewOutcome = Literal["continue", "adjusted", "completed", "abandoned"]
GoalTermName = Literal["title", "description", "metric", "due_date", "resources_needed"]


def _organisation_id() -> Any:
    return Field(description="The organisation (tenant) the record belongs to.", examples=["org_7f3a"])


def _employee_id() -> Any:
    return Field(description="The employee whose career the record is about.", examples=["emp_2c91"])


def _manager_id() -> Any:
    return Field(description="The employee's manager at the time of the event.", examples=["emp_88d0"])


def _actor_id(what: str) -> Any:
    return Field(description=f"Who {what}: an employee, manager or HR admin id.", examples=["emp_2c91"])


def _goal_id() -> Any:
    return Field(description="The goal the event belongs to.", examples=["goal_5b12"])


def _milestone_id() -> Any:
    return Field(description="The milestone, unique within its goal.", examples=["ms_01"])


def _occurred_at() -> Any:
    return Field(
        description="When the event happened in the domain (UTC offset included).",
        examples=["2026-01-15T09:30:00Z"],
    )


class _Part(BaseModel):
    """A value nested inside an event."""

    model_config = ConfigDict(frozen=True, extra="ignore")


# --- values nested in events -------------------------------------------------------------


class GoalMetric(_Part):
    """What makes a goal measurable: a quantity, where it starts and where it should end."""

    name: ShortText = personal_data(
        "What is measured.", examples=["Tickets closed per week"], about="employee_id"
    )
    unit: Annotated[str, StringConstraints(max_length=40, pattern=NO_NUL_PATTERN)] = Field(
        default="", description="Unit of the quantity, empty when unitless.", examples=["%"]
    )
    baseline: float = Field(description="The value when the goal is set.", examples=[40])
    target: float = Field(description="The value that means the goal is met.", examples=[48])


class MilestonePlan(_Part):
    """A phased step of a goal as planned: who owns it and when it is due."""

    milestone_id: OpaqueId = _milestone_id()
    title: ShortText = personal_data(
        "The step in a few words.", examples=["Complete the online Photoshop course"], about="employee_id"
    )
    owner_id: OpaqueId = Field(description="Who is accountable for the step.", examples=["emp_2c91"])
    due_date: date = Field(description="When the step is due.", examples=["2026-02-14"])


class Alignment(_Part):
    """What a goal contributes to: an organisational objective or a parent goal."""

    kind: AlignmentKind = Field(description="What the goal is aligned to.")
    target_id: OpaqueId = Field(
        description="Id of the organisational objective or of the parent goal.",
        examples=["okr_2026_q1_growth"],
    )


class GoalTerms(_Part):
    """The adjustable terms of an active goal."""

    title: ShortText = personal_data(
        "The goal in a few words.", examples=["Master Photoshop"], about="employee_id"
    )
    description: LongText = personal_data(
        "The outcome that makes the goal specific.",
        examples=["Produce campaign visuals without design-team help by the end of February."],
        about="employee_id",
    )
    metric: GoalMetric | None = Field(default=None, description="How progress is measured, if by a metric.")
    due_date: date = Field(description="When the goal is due.", examples=["2026-02-28"])
    resources_needed: tuple[ShortText, ...] = personal_data(
        "Resources the goal needs to be achievable.",
        default=(),
        examples=[["Photoshop licence"]],
        about="employee_id",
    )


class MilestoneProgress(_Part):
    """Progress on one milestone as said at a check-in."""

    milestone_id: OpaqueId = _milestone_id()
    progress_percent: Percent = Field(description="How far along the step is, 0-100.", examples=[60])


class AgreedAction(_Part):
    """An action agreed in a conversation, with an owner and a date."""

    action: ShortText = personal_data(
        "What will be done.", examples=["Book a shadowing day with sales"], about="employee_id"
    )
    owner_id: OpaqueId = Field(description="Who will do it.", examples=["emp_2c91"])
    due_date: date = Field(description="By when.", examples=["2026-03-01"])


class Competency(_Part):
    """A competency a career track develops."""

    competency_id: OpaqueId = Field(
        description="The competency, unique within its track.", examples=["system-design"]
    )
    name: ShortText = Field(description="Name of the competency.", examples=["System design"])
    description: Text = Field(default="", max_length=2000, description="What mastery looks like.")


class TemplateStep(_Part):
    """A milestone suggested by a template, due a number of days after the goal starts."""

    title: ShortText = Field(
        description="The step in a few words.", examples=["Shadow a tech lead for a sprint"]
    )
    offset_days: int = Field(
        ge=1, le=3650, description="Days after the start when the step is due.", examples=[30]
    )


class MilestoneTemplate(_Part):
    """A growth milestone of a career track that goals can be created from."""

    template_id: OpaqueId = Field(
        description="The template, unique within its track.", examples=["lead-design-review"]
    )
    title: ShortText = Field(
        description="Title given to goals created from it.",
        examples=["Lead a cross-team design review"],
    )
    description: LongText = Field(
        description="The outcome expected.",
        examples=["Run a design review with two other teams and publish the decision."],
    )
    competency_ids: tuple[OpaqueId, ...] = Field(
        default=(), description="Competencies of the track it develops."
    )
    duration_days: int = Field(
        ge=1, le=3650, description="Typical days from start to due date.", examples=[90]
    )
    steps: tuple[TemplateStep, ...] = Field(default=(), description="Milestones suggested for the goal.")


# --- vision and values ------------------------------------------------------------------


class _VisionStatement(_Part):
    """Fields shared by several events (a mixin, not an event itself)."""

    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    revision: int = Field(ge=1, description="1 for the first statement, then one more per revision.")
    passions: tuple[ShortText, ...] = personal_data(
        "Aspects of work the employee is passionate about.", default=(), about="employee_id"
    )
    strengths: tuple[ShortText, ...] = personal_data(
        "Strengths that shape the employee's journey.", default=(), about="employee_id"
    )
    areas_to_grow: tuple[ShortText, ...] = personal_data(
        "Weaknesses or areas the employee wants to grow.", default=(), about="employee_id"
    )
    interests: tuple[ShortText, ...] = personal_data(
        "Interests and hobbies that add to job satisfaction.", default=(), about="employee_id"
    )
    values: tuple[ShortText, ...] = personal_data(
        "Core values and beliefs guiding decisions at work.", default=(), about="employee_id"
    )
    long_term_aspirations: LongText = personal_data(
        "Where the employee wants to be within the organisation in the long term.",
        examples=["Lead the data platform team within three years."],
        about="employee_id",
    )
    occurred_at: AwareDatetime = _occurred_at()


class VisionDefined(EventContract, _VisionStatement):
    """An employee wrote down their vision and values for the first time."""

    service: ClassVar[str] = SERVICE


class VisionRevised(EventContract, _VisionStatement):
    """An employee revised their vision and values; the full new statement is carried."""

    service: ClassVar[str] = SERVICE


# --- goal agreement -------------------------------------------------------------------------


class GoalProposed(EventContract):
    """The employee or the manager proposed a SMART goal (or a revision of a proposal)."""

    service: ClassVar[str] = SERVICE

    goal_id: OpaqueId = _goal_id()
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    proposed_by: OpaqueId = _actor_id("proposed it")
    proposer_role: ProposerRole = Field(description="Which side proposed; the other side agrees.")
    proposal_revision: int = Field(ge=1, description="1 for the first proposal, one more per re-proposal.")
    terms: GoalTerms = Field(description="What is proposed.")
    milestones: tuple[MilestonePlan, ...] = Field(default=(), description="Phased steps proposed.")
    career_track_id: OpaqueId | None = Field(
        default=None, description="Career track the goal follows, if any."
    )
    template_id: OpaqueId | None = Field(
        default=None, description="Track template the goal was created from, if any."
    )
    occurred_at: AwareDatetime = _occurred_at()


class GoalChangesRequested(EventContract):
    """The side asked to agree asked for changes instead; the proposer may propose again."""

    service: ClassVar[str] = SERVICE

    goal_id: OpaqueId = _goal_id()
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    requested_by: OpaqueId = _actor_id("asked for changes")
    proposal_revision: int = Field(ge=1, description="The proposal the request answers.")
    comment: LongText = personal_data("What should change and why.", about="employee_id")
    occurred_at: AwareDatetime = _occurred_at()


class GoalAgreed(EventContract):
    """The other side agreed to the proposal: both find it achievable and realistic."""

    service: ClassVar[str] = SERVICE

    goal_id: OpaqueId = _goal_id()
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    proposed_by: OpaqueId = _actor_id("proposed it")
    agreed_by: OpaqueId = _actor_id("agreed")
    proposal_revision: int = Field(ge=1, description="The proposal agreed to.")
    occurred_at: AwareDatetime = _occurred_at()


class GoalProposalWithdrawn(EventContract):
    """The proposer took the proposal back before the other side agreed: the goal is closed."""

    service: ClassVar[str] = SERVICE

    goal_id: OpaqueId = _goal_id()
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    withdrawn_by: OpaqueId = _actor_id("withdrew it")
    proposal_revision: int = Field(ge=1, description="The proposal withdrawn.")
    reason: Text = personal_data("Why, if said.", default="", max_length=4000, about="employee_id")
    occurred_at: AwareDatetime = _occurred_at()


class GoalCreated(EventContract):
    """An agreed goal became active; carries the whole goal as agreed."""

    service: ClassVar[str] = SERVICE

    goal_id: OpaqueId = _goal_id()
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    terms: GoalTerms = Field(description="The goal as agreed.")
    milestones: tuple[MilestonePlan, ...] = Field(default=(), description="Phased steps as agreed.")
    career_track_id: OpaqueId | None = Field(
        default=None, description="Career track the goal follows, if any."
    )
    template_id: OpaqueId | None = Field(
        default=None, description="Track template the goal was created from, if any."
    )
    occurred_at: AwareDatetime = _occurred_at()


class GoalManagerChanged(EventContract):
    """The employee's reporting line changed: from now on the new manager agrees to and reviews
    the goal, and later events name them as its manager."""

    service: ClassVar[str] = SERVICE

    goal_id: OpaqueId = _goal_id()
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = Field(description="The employee's new manager.", examples=["emp_41aa"])
    previous_manager_id: OpaqueId = Field(description="The manager the goal had before.")
    occurred_at: AwareDatetime = _occurred_at()


# --- changes to an active goal -------------------------------------------------------------


class GoalAdjusted(EventContract):
    """The goal's terms changed, with the reason and both the old and the new terms."""

    service: ClassVar[str] = SERVICE

    goal_id: OpaqueId = _goal_id()
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    adjusted_by: OpaqueId = _actor_id("adjusted it")
    reason: LongText = personal_data(
        "Why the goal changed.", examples=["Scope moved to the new product line."], about="employee_id"
    )
    changed: tuple[GoalTermName, ...] = Field(min_length=1, description="Which terms changed.")
    previous: GoalTerms = Field(description="The terms before the change.")
    current: GoalTerms = Field(description="The terms after the change.")
    occurred_at: AwareDatetime = _occurred_at()


class GoalAligned(EventContract):
    """The goal was aligned (or re-aligned) to an organisational objective or parent goal."""

    service: ClassVar[str] = SERVICE

    goal_id: OpaqueId = _goal_id()
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    aligned_by: OpaqueId = _actor_id("aligned it")
    alignment: Alignment = Field(description="What the goal now contributes to.")
    previous_alignment: Alignment | None = Field(
        default=None, description="What it contributed to before a re-alignment, if anything."
    )
    occurred_at: AwareDatetime = _occurred_at()


class GoalUnaligned(EventContract):
    """The goal no longer contributes to what it was aligned to."""

    service: ClassVar[str] = SERVICE

    goal_id: OpaqueId = _goal_id()
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    unaligned_by: OpaqueId = _actor_id("removed the alignment")
    previous_alignment: Alignment = Field(description="What the goal contributed to.")
    reason: Text = personal_data("Why, if said.", default="", max_length=4000, about="employee_id")
    occurred_at: AwareDatetime = _occurred_at()


# --- milestones -----------------------------------------------------------------------------


class _MilestoneEvent(_Part):
    """Fields shared by several events (a mixin, not an event itself)."""

    goal_id: OpaqueId = _goal_id()
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    milestone_id: OpaqueId = _milestone_id()
    owner_id: OpaqueId = Field(description="Who is accountable for the milestone.", examples=["emp_2c91"])
    due_date: date = Field(description="When the milestone is (now) due.", examples=["2026-02-14"])
    occurred_at: AwareDatetime = _occurred_at()


class MilestoneAdded(EventContract, _MilestoneEvent):
    """A phased step was added to an active goal."""

    service: ClassVar[str] = SERVICE

    title: ShortText = personal_data("The step in a few words.", about="employee_id")
    added_by: OpaqueId = _actor_id("added it")


class MilestoneRescheduled(EventContract, _MilestoneEvent):
    """A milestone got a new due date, for a reason."""

    service: ClassVar[str] = SERVICE

    previous_due_date: date = Field(description="The due date before.")
    reason: LongText = personal_data("Why the date moved.", about="employee_id")
    rescheduled_by: OpaqueId = _actor_id("rescheduled it")


class MilestoneProgressUpdated(EventContract, _MilestoneEvent):
    """Progress on a milestone changed."""

    service: ClassVar[str] = SERVICE

    previous_progress_percent: Percent = Field(description="Progress before, 0-100.")
    progress_percent: Percent = Field(description="Progress now, 0-100.")
    updated_by: OpaqueId = _actor_id("reported it")
    check_in_id: OpaqueId | None = Field(default=None, description="The check-in it was said in, if any.")


class MilestoneReached(EventContract, _MilestoneEvent):
    """A milestone was reached. Self-contained for payroll, LMS and recognition."""

    service: ClassVar[str] = SERVICE

    title: ShortText = personal_data("The step in a few words.", about="employee_id")
    goal_title: ShortText = personal_data("The goal the step belongs to.", about="employee_id")
    reached_on: date = Field(description="The day it was reached.", examples=["2026-02-10"])
    on_time: bool = Field(description="True when reached on or before the due date.")
    career_track_id: OpaqueId | None = Field(default=None, description="Career track of the goal, if any.")
    recorded_by: OpaqueId = _actor_id("recorded it")


class MilestoneMissed(EventContract, _MilestoneEvent):
    """The due date passed before the milestone was reached. Said once per milestone."""

    service: ClassVar[str] = SERVICE

    progress_percent: Percent = Field(description="Progress when the date passed, 0-100.")


# --- conversations ----------------------------------------------------------------------------


class CheckInRecorded(EventContract):
    """A check-in: what progress was made toward the milestones since the last one."""

    service: ClassVar[str] = SERVICE

    check_in_id: OpaqueId = Field(description="The check-in.", examples=["ci_0042"])
    goal_id: OpaqueId = _goal_id()
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    recorded_by: OpaqueId = _actor_id("recorded it")
    progress_summary: LongText = personal_data(
        "The answer to: what progress have you made toward your milestones since we last spoke?",
        about="employee_id",
    )
    milestone_progress: tuple[MilestoneProgress, ...] = Field(
        default=(), description="Progress per milestone."
    )
    blockers: tuple[ShortText, ...] = personal_data("Obstacles in the way.", default=(), about="employee_id")
    resources_needed: tuple[ShortText, ...] = personal_data(
        "Resources asked for.", default=(), about="employee_id"
    )
    agreed_actions: tuple[AgreedAction, ...] = Field(
        default=(), description="Actions agreed, with owners and dates."
    )
    occurred_at: AwareDatetime = _occurred_at()


class GoalReviewed(EventContract):
    """A deeper review of the goal took place; its outcome follows as its own event."""

    service: ClassVar[str] = SERVICE

    review_id: OpaqueId = Field(description="The review.", examples=["rev_0007"])
    goal_id: OpaqueId = _goal_id()
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    reviewed_by: OpaqueId = _actor_id("held the review")
    outcome: ReviewOutcome = Field(description="What the review decided.")
    summary: LongText = personal_data("What was discussed and decided.", about="employee_id")
    occurred_at: AwareDatetime = _occurred_at()


class GoalCompleted(EventContract):
    """The goal was achieved. Self-contained for payroll, LMS and recognition."""

    service: ClassVar[str] = SERVICE

    goal_id: OpaqueId = _goal_id()
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    completed_by: OpaqueId = _actor_id("closed it")
    title: ShortText = personal_data("The goal in a few words.", about="employee_id")
    due_date: date = Field(description="When the goal was due.")
    completed_on: date = Field(description="The day it was completed.")
    on_time: bool = Field(description="True when completed on or before the due date.")
    metric: GoalMetric | None = Field(default=None, description="The goal's metric, if it had one.")
    achieved_value: float | None = Field(default=None, description="The metric's final value, if measured.")
    milestones_reached: tuple[OpaqueId, ...] = Field(default=(), description="Ids of milestones reached.")
    career_track_id: OpaqueId | None = Field(default=None, description="Career track of the goal, if any.")
    occurred_at: AwareDatetime = _occurred_at()


class GoalAbandoned(EventContract):
    """The goal was given up; the lesson learned turns it into a revised plan, not a verdict."""

    service: ClassVar[str] = SERVICE

    goal_id: OpaqueId = _goal_id()
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId = _manager_id()
    abandoned_by: OpaqueId = _actor_id("closed it")
    reason: LongText = personal_data("Why the goal was given up.", about="employee_id")
    lesson_learned: LongText = personal_data(
        "What was learned, to carry into the next plan.", about="employee_id"
    )
    revised_goal_id: OpaqueId | None = Field(
        default=None, description="The goal that follows this one, if any."
    )
    occurred_at: AwareDatetime = _occurred_at()


# --- career tracks ----------------------------------------------------------------------------


class _CareerTrackDefinition(_Part):
    """Fields shared by several events (a mixin, not an event itself)."""

    organisation_id: OpaqueId = _organisation_id()
    track_id: OpaqueId = Field(description="The track, unique within the organisation.", examples=["ic"])
    revision: int = Field(ge=1, description="1 when defined, one more per revision.")
    name: ShortText = Field(description="Name of the track.", examples=["Individual contributor"])
    description: Text = Field(default="", max_length=4000, description="What the track leads to.")
    competencies: tuple[Competency, ...] = Field(default=(), description="Competencies the track develops.")
    milestone_templates: tuple[MilestoneTemplate, ...] = Field(
        default=(), description="Growth milestones goals can be created from."
    )
    defined_by: OpaqueId = _actor_id("configured it")
    occurred_at: AwareDatetime = _occurred_at()


class CareerTrackDefined(EventContract, _CareerTrackDefinition):
    """An organisation configured a career track (e.g. individual contributor, leadership)."""

    service: ClassVar[str] = SERVICE


class CareerTrackRevised(EventContract, _CareerTrackDefinition):
    """A career track's definition changed; the full new definition is carried."""

    service: ClassVar[str] = SERVICE


class CareerTrackChosen(EventContract):
    """An employee chose (or switched to) a career track."""

    service: ClassVar[str] = SERVICE

    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    track_id: OpaqueId = Field(description="The track chosen.", examples=["leadership"])
    previous_track_id: OpaqueId | None = Field(default=None, description="The track followed before, if any.")
    chosen_by: OpaqueId = _actor_id("recorded the choice")
    occurred_at: AwareDatetime = _occurred_at()


class ReportingLineChanged(EventContract):
    """An employee's manager changed (or was set for the first time, or removed)."""

    service: ClassVar[str] = SERVICE

    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    manager_id: OpaqueId | None = Field(description="The new manager; null when the employee has none.")
    previous_manager_id: OpaqueId | None = Field(default=None, description="The manager before, if any.")
    changed_by: OpaqueId = _actor_id("changed it")
    occurred_at: AwareDatetime = _occurred_at()


# --- development activities ---------------------------------------------------------------------


class _DevelopmentActivityEvent(_Part):
    """Fields shared by several events (a mixin, not an event itself)."""

    activity_id: OpaqueId = Field(description="The activity, unique within its goal.", examples=["act_03"])
    goal_id: OpaqueId = _goal_id()
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = _employee_id()
    kind: DevelopmentActivityKind = Field(description="What sort of activity.")
    occurred_at: AwareDatetime = _occurred_at()


class DevelopmentActivityPlanned(EventContract, _DevelopmentActivityEvent):
    """A development activity was planned toward a goal."""

    service: ClassVar[str] = SERVICE

    title: ShortText = personal_data(
        "The activity in a few words.", examples=["Adobe Photoshop fundamentals"], about="employee_id"
    )
    description: Text = personal_data("Details, if any.", default="", max_length=4000, about="employee_id")
    mentor_id: OpaqueId | None = Field(default=None, description="Mentor or person shadowed, if any.")
    due_date: date = Field(description="When it should be done.")
    planned_by: OpaqueId = _actor_id("planned it")


class DevelopmentActivityStarted(EventContract, _DevelopmentActivityEvent):
    """A planned development activity began."""

    service: ClassVar[str] = SERVICE

    started_by: OpaqueId = _actor_id("started it")


class DevelopmentActivityCompleted(EventContract, _DevelopmentActivityEvent):
    """A development activity was completed. Self-contained for LMS systems."""

    service: ClassVar[str] = SERVICE

    title: ShortText = personal_data("The activity in a few words.", about="employee_id")
    completed_on: date = Field(description="The day it was completed.")
    reflection: Text = personal_data(
        "What was learned and how it leads to next steps.", default="", max_length=4000, about="employee_id"
    )
    completed_by: OpaqueId = _actor_id("recorded it")


class DevelopmentActivityCancelled(EventContract, _DevelopmentActivityEvent):
    """A development activity was dropped."""

    service: ClassVar[str] = SERVICE

    reason: LongText = personal_data("Why it was dropped.", about="employee_id")
    cancelled_by: OpaqueId = _actor_id("cancelled it")


# --- version 2: the same events with their personal fields protected -------------------------
#
# From version 2 on, every personal field of these events is a protected value (see
# ``trellis_contracts.protected``): encrypted with the data key of the employee the goal, vision
# or activity belongs to, which the goals service deletes when HR erases the person. Each class
# is its version 1 with the same fields (code matching on version 1 keeps matching); version 1
# is retired (``RETIRED_GOALS_TYPES``): the service publishes only version 2 from the switch, as
# a side-by-side window would keep publishing the plain text that erasure must be able to reach.


class VisionDefinedV2(VisionDefined):
    """VisionDefined, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class VisionRevisedV2(VisionRevised):
    """VisionRevised, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class GoalProposedV2(GoalProposed):
    """GoalProposed, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class GoalChangesRequestedV2(GoalChangesRequested):
    """GoalChangesRequested, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class GoalProposalWithdrawnV2(GoalProposalWithdrawn):
    """GoalProposalWithdrawn, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class GoalCreatedV2(GoalCreated):
    """GoalCreated, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class GoalAdjustedV2(GoalAdjusted):
    """GoalAdjusted, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class GoalUnalignedV2(GoalUnaligned):
    """GoalUnaligned, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class MilestoneAddedV2(MilestoneAdded):
    """MilestoneAdded, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class MilestoneRescheduledV2(MilestoneRescheduled):
    """MilestoneRescheduled, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class MilestoneReachedV2(MilestoneReached):
    """MilestoneReached, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class CheckInRecordedV2(CheckInRecorded):
    """CheckInRecorded, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class GoalReviewedV2(GoalReviewed):
    """GoalReviewed, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class GoalCompletedV2(GoalCompleted):
    """GoalCompleted, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class GoalAbandonedV2(GoalAbandoned):
    """GoalAbandoned, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class DevelopmentActivityPlannedV2(DevelopmentActivityPlanned):
    """DevelopmentActivityPlanned, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class DevelopmentActivityCompletedV2(DevelopmentActivityCompleted):
    """DevelopmentActivityCompleted, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class DevelopmentActivityCancelledV2(DevelopmentActivityCancelled):
    """DevelopmentActivityCancelled, version 2: the same facts, with the personal fields protected (encrypted with
    the employee's data key; they read as "[erased]" once the employee is erased)."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


# --- personal data ---------------------------------------------------------------------------


class PersonErased(EventContract):
    """An HR admin erased a person's personal data from Trellis (right to erasure).

    The goals service deleted the data keys it held for them in the same transaction; on this
    event the feedback and recognition services delete theirs, and every service drops the
    plain text it derived from the person's protected fields. Every protected field about the
    person then reads as erased wherever it was copied (stores, backups, topics); ids, counts
    and dates remain. Integrators delete the person's keys they cached and the personal data
    they derived. Said once per person and organisation; the reason stays with the goals
    service's record of the erasure (free text is never published here).
    """

    service: ClassVar[str] = SERVICE
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "employee_id": "emp_2c91",
                    "organisation_id": "org_7f3a",
                    "erasure_id": "era_51c0",
                    "erased_by": "hr_0042",
                    "occurred_at": "2026-06-01T08:00:00Z",
                }
            ]
        }
    )

    employee_id: OpaqueId = Field(
        description="The person erased (whatever their role: employee, manager, HR admin).",
        examples=["emp_2c91"],
    )
    organisation_id: OpaqueId = _organisation_id()
    erasure_id: OpaqueId = Field(
        description="The erasure, chosen by the HR admin's client: a retried request is one erasure.",
        examples=["era_51c0"],
    )
    erased_by: OpaqueId = Field(description="The HR admin who erased the person.", examples=["hr_0042"])
    occurred_at: AwareDatetime = _occurred_at()


GoalEvent = (
    GoalProposed
    | GoalChangesRequested
    | GoalAgreed
    | GoalCreated
    | GoalAdjusted
    | GoalAligned
    | GoalUnaligned
    | MilestoneAdded
    | MilestoneRescheduled
    | MilestoneProgressUpdated
    | MilestoneReached
    | MilestoneMissed
    | CheckInRecorded
    | GoalReviewed
    | GoalCompleted
    | GoalAbandoned
    | DevelopmentActivityPlanned
    | DevelopmentActivityStarted
    | DevelopmentActivityCompleted
    | DevelopmentActivityCancelled
    | GoalManagerChanged
    | GoalProposalWithdrawn
    | GoalProposedV2
    | GoalChangesRequestedV2
    | GoalProposalWithdrawnV2
    | GoalCreatedV2
    | GoalAdjustedV2
    | GoalUnalignedV2
    | MilestoneAddedV2
    | MilestoneRescheduledV2
    | MilestoneReachedV2
    | CheckInRecordedV2
    | GoalReviewedV2
    | GoalCompletedV2
    | GoalAbandonedV2
    | DevelopmentActivityPlannedV2
    | DevelopmentActivityCompletedV2
    | DevelopmentActivityCancelledV2
)
"""The events of one goal's stream (``goal-<organisation_id>/<goal_id>``): version 1 of the
protected ones in history, version 2 from the switch."""

VisionEvent = VisionDefined | VisionRevised | VisionDefinedV2 | VisionRevisedV2
CareerTrackEvent = CareerTrackDefined | CareerTrackRevised
PersonEvent = PersonErased
"""The events of a person's stream (``person-<organisation_id>/<person_id>``)."""

GoalsEvent = (
    VisionEvent | GoalEvent | CareerTrackEvent | CareerTrackChosen | ReportingLineChanged | PersonEvent
)
"""Every event the goals service publishes or has published: the one list the others are derived
from."""

GOALS_EVENTS: tuple[type[EventContract], ...] = get_args(GoalsEvent)
"""Every event of the goals service, for catalogues, codecs and schema generation (version 1 of
the protected events included: the store and the topic still hold them)."""

PROTECTED_MAJORS: Mapping[type[EventContract], type[EventContract]] = MappingProxyType(
    {
        VisionDefined: VisionDefinedV2,
        VisionRevised: VisionRevisedV2,
        GoalProposed: GoalProposedV2,
        GoalChangesRequested: GoalChangesRequestedV2,
        GoalProposalWithdrawn: GoalProposalWithdrawnV2,
        GoalCreated: GoalCreatedV2,
        GoalAdjusted: GoalAdjustedV2,
        GoalUnaligned: GoalUnalignedV2,
        MilestoneAdded: MilestoneAddedV2,
        MilestoneRescheduled: MilestoneRescheduledV2,
        MilestoneReached: MilestoneReachedV2,
        CheckInRecorded: CheckInRecordedV2,
        GoalReviewed: GoalReviewedV2,
        GoalCompleted: GoalCompletedV2,
        GoalAbandoned: GoalAbandonedV2,
        DevelopmentActivityPlanned: DevelopmentActivityPlannedV2,
        DevelopmentActivityCompleted: DevelopmentActivityCompletedV2,
        DevelopmentActivityCancelled: DevelopmentActivityCancelledV2,
    }
)
"""Version 1 of each event that carried personal data in plain text, and the version 2 that
replaced it (the same fields, protected)."""

RETIRED_GOALS_TYPES: frozenset[str] = frozenset(plain.event_type() for plain in PROTECTED_MAJORS)
"""Version 1 of the events that now protect their personal fields: replaced at once by their
version 2, without a window in which both are published (that window would keep publishing the
plain text erasure must reach). The classes stay, so that history in the store and on the topic
decodes."""


def with_protecting_majors(*contracts: type[EventContract]) -> tuple[type[EventContract], ...]:
    """The contracts given and, after each that a protecting major replaced, that major: what a
    consumer of the goals topic handles through the switch (records of both are on the topic).
    A consumer without the goals service's keys reads the new major's personal fields as erased:
    ``contract.model_validate(reveal(contract, data))``."""
    found: list[type[EventContract]] = []
    for contract in contracts:
        found.append(contract)
        protecting = PROTECTED_MAJORS.get(contract)
        if protecting is not None:
            found.append(protecting)
    return tuple(found)
