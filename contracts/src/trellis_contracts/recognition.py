"""Events of the recognition service: recognition, rewards, pay changes, learning, policies.

Payroll and learning (LMS) systems act on these events. Each carries what such a system
needs without calling back: the organisation, opaque employee ids, amounts as decimal strings
with an ISO 4217 currency, and effective dates. An outcome of a reward policy also says what
decided it: ``triggering_event_id`` and ``triggering_event_type`` (the CloudEvent that led to
it, e.g. a goals MilestoneReached), and the ``policy_id``, ``policy_version`` and ``rule_id``
in effect. Its id derives from the triggering event and the rule, so one event never yields
the same outcome twice.

Aggregates (the CloudEvents subject and Kafka key, within the organisation):
``recognition_id``, ``reward_id`` (granted, held, rejected), ``adjustment_id`` (the three
compensation events), ``assignment_id``, ``proposal_id``, ``policy_id``, ``giver_id`` (the
peer recognitions one employee gives) and ``budget_id`` (a team's budget for a year).

Version 2 of the types that existed before adds ``organisation_id`` and the policy that
decided; the version 1 types were never published by a running service and are retired.

The events carrying personal text (a recognition's message, a rejection's reason, a pay
change's justification, the initiative proposed) protect it in their next major version, sealed
with the data key of the person it is about (``protects_personal_data``); the majors they
replaced were never published by a running service either and are retired. What payroll and the
LMS act on (``RewardGranted``, ``CompensationAdjustmentApproved``,
``LearningAssignmentRequested``) carries no personal text and is read without keys.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AwareDatetime, ConfigDict, Field, model_validator

from trellis_contracts.base import EventContract, personal_data
from trellis_contracts.fields import Money, OpaqueId, Text

SERVICE = "recognition"

RecognitionKind = Literal["acknowledgement", "milestone_celebration", "badge"]
RecognitionVisibility = Literal["public", "team", "private"]
RewardKind = Literal["points", "cash_bonus", "spot_award", "gift_card"]
MONETARY_REWARD_KINDS: frozenset[str] = frozenset({"cash_bonus", "spot_award", "gift_card"})
CompensationChangeKind = Literal["merit_increase", "promotion", "market_adjustment"]
PayPeriod = Literal["annual", "monthly", "hourly"]
LearningActivityKind = Literal[
    "course", "certification", "mentoring", "shadowing", "stretch_assignment", "project_rotation"
]
HoldReason = Literal["over_budget", "currency_differs"]

EventType = Annotated[
    str,
    Field(
        pattern=r"^dev\.trellis\.[a-z][a-z0-9_]*\.[A-Z][A-Za-z0-9]*\.v[1-9][0-9]*$",
        description="CloudEvents type of the event that led to this one.",
        examples=["dev.trellis.goals.MilestoneReached.v1"],
    ),
]
BudgetPeriod = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$",
        description="A calendar year (2026), quarter (2026-Q2) or month (2026-05).",
        examples=["2026-Q2"],
    ),
]


def _organisation_id() -> Any:
    return Field(description="The organisation (tenant) the record belongs to.", examples=["org_7f3a"])


def _triggering_event_id() -> Any:
    return Field(
        description="CloudEvents id of the event that led to this one (e.g. a goals MilestoneReached).",
        examples=["4c1f7e52-8a0b-4d3e-9c6f-2b7a1e0d9f34"],
    )


def _policy_id() -> Any:
    return Field(description="The reward policy that decided it.", examples=["pol-milestones"])


def _policy_version() -> Any:
    return Field(ge=1, description="The version of that policy in effect at the triggering event's time.")


def _rule_id() -> Any:
    return Field(description="The rule of the policy that decided it.", examples=["leadership-milestone"])


_CAUSE_EXAMPLE: dict[str, Any] = {
    "triggering_event_id": "4c1f7e52-8a0b-4d3e-9c6f-2b7a1e0d9f34",
    "triggering_event_type": "dev.trellis.goals.MilestoneReached.v1",
    "policy_id": "pol-milestones",
    "policy_version": 3,
    "rule_id": "leadership-milestone",
}


# --- outcomes of a reward policy -----------------------------------------------------------


class RecognitionAwardedV2(EventContract):
    """An employee was recognised because a reward policy's rule fired."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "awarded_at"
    major: ClassVar[int] = 2
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "recognition_id": "9b1d0c5e-3f7a-5b2c-8d4e-6a1f0b9c2d3e",
                    "organisation_id": "org_7f3a",
                    "recipient_id": "emp-20417",
                    "kind": "milestone_celebration",
                    "visibility": "public",
                    "goal_id": "goal_5b12",
                    "milestone_id": "ms_01",
                    "message": "A leadership milestone reached: congratulations!",
                    **_CAUSE_EXAMPLE,
                    "awarded_at": "2026-04-02T09:00:00Z",
                }
            ]
        }
    )

    recognition_id: OpaqueId = Field(description="Id of the recognition (the aggregate).")
    organisation_id: OpaqueId = _organisation_id()
    recipient_id: OpaqueId = Field(description="Employee recognised.")
    kind: RecognitionKind = Field(description="Form the recognition takes.")
    visibility: RecognitionVisibility = Field(
        description="Who can see it: the organisation, the recipient's team, or the recipient."
    )
    goal_id: OpaqueId | None = Field(default=None, description="Goal it recognises, if any.")
    milestone_id: OpaqueId | None = Field(default=None, description="Milestone it recognises, if any.")
    message: Text | None = personal_data(
        "Words of recognition.", default=None, max_length=4000, about="recipient_id"
    )
    triggering_event_id: OpaqueId = _triggering_event_id()
    triggering_event_type: EventType
    policy_id: OpaqueId = _policy_id()
    policy_version: int = _policy_version()
    rule_id: OpaqueId = _rule_id()
    awarded_at: AwareDatetime = Field(description="When it was awarded.")


class RewardGrantedV2(EventContract):
    """A reward was granted; payroll pays the monetary ones on ``effective_on``."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "granted_at"
    major: ClassVar[int] = 2
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reward_id": "0a77f3c1-4b2d-5e6f-8a9b-1c2d3e4f5a6b",
                    "organisation_id": "org_7f3a",
                    "recipient_id": "emp-20417",
                    "kind": "spot_award",
                    "amount": {"amount": "200.00", "currency": "EUR"},
                    "effective_on": "2026-04-30",
                    "team_id": "emp-11873",
                    **_CAUSE_EXAMPLE,
                    "granted_at": "2026-04-02T09:05:00Z",
                },
                {
                    "reward_id": "0a77f3c1-4b2d-5e6f-8a9b-1c2d3e4f5a6c",
                    "organisation_id": "org_7f3a",
                    "recipient_id": "emp-20417",
                    "kind": "points",
                    "points": 50,
                    "effective_on": "2026-04-02",
                    **_CAUSE_EXAMPLE,
                    "granted_at": "2026-04-02T09:06:00Z",
                },
            ]
        }
    )

    reward_id: OpaqueId = Field(
        description="Id of the reward (the aggregate); payroll should use it as its idempotency key."
    )
    organisation_id: OpaqueId = _organisation_id()
    recipient_id: OpaqueId = Field(description="Employee rewarded.")
    kind: RewardKind = Field(
        description="points carry `points`; cash_bonus, spot_award and gift_card carry `amount`."
    )
    amount: Money | None = Field(
        default=None, description="Gross amount; present exactly for monetary kinds."
    )
    points: int | None = Field(default=None, ge=1, description="Points; present exactly for kind points.")
    effective_on: date = Field(description="Date the reward takes effect (payroll date).")
    team_id: OpaqueId | None = Field(
        default=None,
        description="Team (named by its manager's id) whose budget a monetary reward is charged to.",
    )
    approved_by_id: OpaqueId | None = Field(
        default=None, description="HR admin who approved it after it was held (over budget), if so."
    )
    triggering_event_id: OpaqueId = _triggering_event_id()
    triggering_event_type: EventType
    policy_id: OpaqueId = _policy_id()
    policy_version: int = _policy_version()
    rule_id: OpaqueId = _rule_id()
    granted_at: AwareDatetime = Field(description="When it was granted.")

    @model_validator(mode="after")
    def _amount_matches_kind(self) -> RewardGrantedV2:
        monetary = self.kind in MONETARY_REWARD_KINDS
        if monetary != (self.amount is not None):
            raise ValueError(f"a {self.kind} reward {'needs' if monetary else 'carries no'} amount")
        if (self.kind == "points") != (self.points is not None):
            raise ValueError(
                f"a {self.kind} reward {'needs' if self.kind == 'points' else 'carries no'} points"
            )
        return self


class RewardHeldForApproval(EventContract):
    """A monetary reward would exceed its team's budget (or is in another currency than the
    budget): it waits for an HR admin to approve or reject it. Nothing is paid yet."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "held_at"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reward_id": "0a77f3c1-4b2d-5e6f-8a9b-1c2d3e4f5a6d",
                    "organisation_id": "org_7f3a",
                    "recipient_id": "emp-20417",
                    "kind": "spot_award",
                    "amount": {"amount": "200.00", "currency": "EUR"},
                    "effective_on": "2026-04-30",
                    "team_id": "emp-11873",
                    "reason": "over_budget",
                    "budget_period": "2026-Q2",
                    "budget": {"amount": "1000.00", "currency": "EUR"},
                    "budget_used": {"amount": "900.00", "currency": "EUR"},
                    **_CAUSE_EXAMPLE,
                    "held_at": "2026-04-02T09:05:00Z",
                }
            ]
        }
    )

    reward_id: OpaqueId = Field(description="Id of the reward (the aggregate).")
    organisation_id: OpaqueId = _organisation_id()
    recipient_id: OpaqueId = Field(description="Employee the reward is for.")
    kind: Literal["cash_bonus", "spot_award", "gift_card"] = Field(description="Kind of monetary reward.")
    amount: Money = Field(description="Gross amount.")
    effective_on: date = Field(description="Date it would take effect if approved.")
    team_id: OpaqueId = Field(description="Team whose budget it would be charged to.")
    reason: HoldReason = Field(
        description="over_budget: it would exceed the budget; currency_differs: the budget is "
        "kept in another currency, so it cannot be compared."
    )
    budget_period: BudgetPeriod
    budget: Money = Field(description="The budget of that period.")
    budget_used: Money = Field(description="What was granted from it before this reward.")
    triggering_event_id: OpaqueId = _triggering_event_id()
    triggering_event_type: EventType
    policy_id: OpaqueId = _policy_id()
    policy_version: int = _policy_version()
    rule_id: OpaqueId = _rule_id()
    held_at: AwareDatetime = Field(description="When it was held.")


class RewardRejected(EventContract):
    """An HR admin rejected a reward held for approval; nothing is paid."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "rejected_at"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reward_id": "0a77f3c1-4b2d-5e6f-8a9b-1c2d3e4f5a6d",
                    "organisation_id": "org_7f3a",
                    "recipient_id": "emp-20417",
                    "rejected_by_id": "emp-00042",
                    "reason": "The team's spot awards are spent for this quarter.",
                    "rejected_at": "2026-04-03T10:00:00Z",
                }
            ]
        }
    )

    reward_id: OpaqueId = Field(description="The rejected reward.")
    organisation_id: OpaqueId = _organisation_id()
    recipient_id: OpaqueId = Field(description="Employee the reward was for.")
    rejected_by_id: OpaqueId = Field(description="HR admin who rejected it.")
    reason: Text | None = personal_data(
        "Why it was rejected.", default=None, max_length=4000, about="recipient_id"
    )
    rejected_at: AwareDatetime = Field(description="When it was rejected.")


class CompensationAdjustmentProposedV2(EventContract):
    """A reward policy proposed a change of base pay; it awaits an HR admin's decision."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "proposed_at"
    major: ClassVar[int] = 2
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "adjustment_id": "93e1b0d2-6c4a-5f8e-9b1d-2e3f4a5b6c7d",
                    "organisation_id": "org_7f3a",
                    "employee_id": "emp-20417",
                    "kind": "merit_increase",
                    "change": {"amount": "2400.00", "currency": "EUR"},
                    "pay_period": "annual",
                    "effective_on": "2026-07-01",
                    "goal_id": "goal_5b12",
                    "milestone_id": "ms_01",
                    "justification": "Leadership milestones reached, per the 2026 policy.",
                    **_CAUSE_EXAMPLE,
                    "proposed_at": "2026-04-10T12:00:00Z",
                }
            ]
        }
    )

    adjustment_id: OpaqueId = Field(description="Id of the adjustment (the aggregate).")
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = Field(description="Employee whose pay would change.")
    kind: CompensationChangeKind = Field(description="Reason category for the change.")
    change: Money = Field(description="Change of base pay per pay period.")
    pay_period: PayPeriod = Field(description="Period the amounts refer to.")
    effective_on: date = Field(description="Date the new pay would apply from.")
    goal_id: OpaqueId | None = Field(default=None, description="Goal behind it, if any.")
    milestone_id: OpaqueId | None = Field(default=None, description="Milestone behind it, if any.")
    justification: Text | None = personal_data(
        "Why the change is proposed.", default=None, max_length=4000, about="employee_id"
    )
    triggering_event_id: OpaqueId = _triggering_event_id()
    triggering_event_type: EventType
    policy_id: OpaqueId = _policy_id()
    policy_version: int = _policy_version()
    rule_id: OpaqueId = _rule_id()
    proposed_at: AwareDatetime = Field(description="When it was proposed.")


class CompensationAdjustmentApprovedV2(EventContract):
    """An HR admin (never the employee concerned) approved a proposed pay change; payroll
    applies ``change`` from ``effective_on``. Only an approved adjustment is final."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "approved_at"
    major: ClassVar[int] = 2
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "adjustment_id": "93e1b0d2-6c4a-5f8e-9b1d-2e3f4a5b6c7d",
                    "organisation_id": "org_7f3a",
                    "employee_id": "emp-20417",
                    "approved_by_id": "emp-00042",
                    "kind": "merit_increase",
                    "change": {"amount": "2400.00", "currency": "EUR"},
                    "pay_period": "annual",
                    "effective_on": "2026-07-01",
                    "triggering_event_id": "4c1f7e52-8a0b-4d3e-9c6f-2b7a1e0d9f34",
                    "policy_id": "pol-milestones",
                    "policy_version": 3,
                    "approved_at": "2026-04-20T15:30:00Z",
                }
            ]
        }
    )

    adjustment_id: OpaqueId = Field(description="The approved adjustment; payroll's idempotency key.")
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = Field(description="Employee whose pay changes.")
    approved_by_id: OpaqueId = Field(description="HR admin who approved it.")
    kind: CompensationChangeKind = Field(description="Reason category for the change.")
    change: Money = Field(description="Approved change of base pay per pay period.")
    pay_period: PayPeriod = Field(description="Period the amounts refer to.")
    effective_on: date = Field(description="Date the new pay applies from.")
    triggering_event_id: OpaqueId = _triggering_event_id()
    policy_id: OpaqueId = _policy_id()
    policy_version: int = _policy_version()
    approved_at: AwareDatetime = Field(description="When it was approved.")


class CompensationAdjustmentRejectedV2(EventContract):
    """An HR admin (never the employee concerned) rejected a proposed pay change; nothing
    changes in payroll."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "rejected_at"
    major: ClassVar[int] = 2
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "adjustment_id": "93e1b0d2-6c4a-5f8e-9b1d-2e3f4a5b6c7e",
                    "organisation_id": "org_7f3a",
                    "employee_id": "emp-20417",
                    "rejected_by_id": "emp-00042",
                    "reason": "Outside this cycle's budget; revisit in October.",
                    "rejected_at": "2026-04-20T15:35:00Z",
                }
            ]
        }
    )

    adjustment_id: OpaqueId = Field(description="The rejected adjustment.")
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = Field(description="Employee whose pay was to change.")
    rejected_by_id: OpaqueId = Field(description="HR admin who rejected it.")
    reason: Text | None = personal_data(
        "Why it was rejected.", default=None, max_length=4000, about="employee_id"
    )
    rejected_at: AwareDatetime = Field(description="When it was rejected.")


class LearningAssignmentRequestedV2(EventContract):
    """A learning activity should be assigned to an employee in the LMS."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "requested_at"
    major: ClassVar[int] = 2
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "assignment_id": "6b2d90e4-1a3c-5d7f-8e9a-0b1c2d3e4f5a",
                    "organisation_id": "org_7f3a",
                    "learner_id": "emp-20417",
                    "activity_id": "https://lms.example.com/xapi/activities/aws-professional",
                    "activity_kind": "course",
                    "due_on": "2026-07-01",
                    "goal_id": "goal_5b12",
                    **_CAUSE_EXAMPLE,
                    "requested_at": "2026-04-02T09:00:00Z",
                }
            ]
        }
    )

    assignment_id: OpaqueId = Field(
        description="Id of the assignment (the aggregate); the LMS's idempotency key."
    )
    organisation_id: OpaqueId = _organisation_id()
    learner_id: OpaqueId = Field(description="Employee who should learn.")
    activity_id: Text = Field(
        min_length=1,
        max_length=2048,
        description="The LMS's id of the activity: a course code or an xAPI activity IRI.",
    )
    activity_kind: LearningActivityKind = Field(description="Kind of development activity.")
    due_on: date | None = Field(default=None, description="Date it should be completed by.")
    goal_id: OpaqueId | None = Field(default=None, description="Goal it follows from, if any.")
    milestone_id: OpaqueId | None = Field(default=None, description="Milestone it follows from, if any.")
    triggering_event_id: OpaqueId = _triggering_event_id()
    triggering_event_type: EventType
    policy_id: OpaqueId = _policy_id()
    policy_version: int = _policy_version()
    rule_id: OpaqueId = _rule_id()
    requested_at: AwareDatetime = Field(description="When it was requested.")


class InitiativeLeadProposed(EventContract):
    """A reward policy proposed that the employee lead an initiative (an expanded
    responsibility); the manager and the employee take it from there."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "proposed_at"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "proposal_id": "5e6f7a8b-9c0d-5e1f-8a2b-3c4d5e6f7a8b",
                    "organisation_id": "org_7f3a",
                    "employee_id": "emp-20417",
                    "initiative": "Lead a cross-team initiative next quarter",
                    "goal_id": "goal_5b12",
                    "milestone_id": "ms_01",
                    **_CAUSE_EXAMPLE,
                    "proposed_at": "2026-04-02T09:00:00Z",
                }
            ]
        }
    )

    proposal_id: OpaqueId = Field(description="Id of the proposal (the aggregate).")
    organisation_id: OpaqueId = _organisation_id()
    employee_id: OpaqueId = Field(description="Employee proposed to lead it.")
    initiative: Text = personal_data(
        "The initiative, in the policy's words.", min_length=1, max_length=500, about="employee_id"
    )
    goal_id: OpaqueId | None = Field(default=None, description="Goal it follows from, if any.")
    milestone_id: OpaqueId | None = Field(default=None, description="Milestone it follows from, if any.")
    triggering_event_id: OpaqueId = _triggering_event_id()
    triggering_event_type: EventType
    policy_id: OpaqueId = _policy_id()
    policy_version: int = _policy_version()
    rule_id: OpaqueId = _rule_id()
    proposed_at: AwareDatetime = Field(description="When it was proposed.")


# --- people recognising each other ----------------------------------------------------------


class PeerRecognitionGiven(EventContract):
    """An employee recognised a colleague directly, within the limits of the reward policy
    in effect."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "given_at"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "giver_id": "emp-11873",
                    "organisation_id": "org_7f3a",
                    "recognition_id": "kudos-0193",
                    "recipient_id": "emp-20417",
                    "visibility": "public",
                    "goal_id": "goal_5b12",
                    "milestone_id": "ms_01",
                    "message": "Thanks for pairing on the launch checklist!",
                    "policy_id": "pol-peer",
                    "policy_version": 1,
                    "given_at": "2026-04-02T11:00:00Z",
                }
            ]
        }
    )

    giver_id: OpaqueId = Field(
        description="Employee who gave it; the aggregate is the recognitions one employee gives."
    )
    organisation_id: OpaqueId = _organisation_id()
    recognition_id: OpaqueId = Field(description="Id of the recognition, chosen by the giver's client.")
    recipient_id: OpaqueId = Field(description="Colleague recognised.")
    visibility: RecognitionVisibility = Field(
        description="Who can see it: the organisation, the recipient's team, or the recipient."
    )
    goal_id: OpaqueId | None = Field(default=None, description="Goal it recognises, if any.")
    milestone_id: OpaqueId | None = Field(default=None, description="Milestone it recognises, if any.")
    message: Text = personal_data(
        "Words of recognition.", min_length=1, max_length=4000, about="recipient_id"
    )
    policy_id: OpaqueId = Field(description="The policy whose peer recognition limits allowed it.")
    policy_version: int = _policy_version()
    given_at: AwareDatetime = Field(description="When it was given.")


# --- policies and budgets --------------------------------------------------------------------


class PolicyPublishedV2(EventContract):
    """An HR admin published a version of a reward policy; it decides from ``effective_on``."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "published_at"
    major: ClassVar[int] = 2
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "policy_id": "pol-praise",
                    "organisation_id": "org_7f3a",
                    "policy_version": 2,
                    "title": "Praise from peers",
                    "effective_on": "2026-04-01",
                    "document_schema": "https://trellis.dev/policies/reward-policy.v1.json",
                    "document": {
                        "format": "trellis.reward-policy.v1",
                        "policy_id": "pol-praise",
                        "title": "Praise from peers",
                        "effective_on": "2026-04-01",
                        "rules": [
                            {
                                "id": "three-praises-a-quarter",
                                "when": {
                                    "event": "feedback.FeedbackGiven",
                                    "where": {"kind": {"equals": "praise"}},
                                    "count": {"at_least": 3, "window": "quarter"},
                                },
                                "then": [{"recognition": {"visibility": "team"}}],
                            }
                        ],
                    },
                    "published_by_id": "emp-00042",
                    "published_at": "2026-03-15T10:00:00Z",
                }
            ]
        }
    )

    policy_id: OpaqueId = Field(description="Id of the policy (the aggregate).")
    organisation_id: OpaqueId = _organisation_id()
    policy_version: int = Field(ge=1, description="Version number, one more per publication.")
    title: Text = Field(min_length=1, max_length=200, description="Title of the policy.")
    effective_on: date = Field(description="First day (UTC) this version decides.")
    document_schema: Text = Field(
        min_length=1,
        max_length=2048,
        description="URI of the JSON Schema the document follows.",
        examples=["https://trellis.dev/policies/reward-policy.v1.json"],
    )
    document: dict[str, Any] = Field(description="The policy document as published (rules, limits).")
    published_by_id: OpaqueId = Field(description="HR admin who published it.")
    published_at: AwareDatetime = Field(description="When it was published.")


class BudgetSet(EventContract):
    """An HR admin set a team's budget for monetary rewards in a period."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "set_at"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "budget_id": "emp-11873.2026",
                    "organisation_id": "org_7f3a",
                    "team_id": "emp-11873",
                    "period": "2026-Q2",
                    "amount": {"amount": "1000.00", "currency": "EUR"},
                    "set_by_id": "emp-00042",
                    "set_at": "2026-03-20T08:00:00Z",
                }
            ]
        }
    )

    budget_id: OpaqueId = Field(
        description="The team's budgets for one calendar year (the aggregate): `<team_id>.<year>`."
    )
    organisation_id: OpaqueId = _organisation_id()
    team_id: OpaqueId = Field(description="The team, named by its manager's employee id.")
    period: BudgetPeriod
    amount: Money = Field(description="What the team may grant in the period.")
    set_by_id: OpaqueId = Field(description="HR admin who set it.")
    set_at: AwareDatetime = Field(description="When it was set.")


class BudgetCharged(EventContract):
    """A monetary reward was granted from a team's budgets for the year."""

    service: ClassVar[str] = SERVICE
    moment_field: ClassVar[str] = "charged_at"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "budget_id": "emp-11873.2026",
                    "organisation_id": "org_7f3a",
                    "team_id": "emp-11873",
                    "reward_id": "0a77f3c1-4b2d-5e6f-8a9b-1c2d3e4f5a6b",
                    "amount": {"amount": "200.00", "currency": "EUR"},
                    "charged_on": "2026-04-02",
                    "approved_over_budget": False,
                    "charged_at": "2026-04-02T09:05:00Z",
                }
            ]
        }
    )

    budget_id: OpaqueId = Field(description="The team's budgets for the year (the aggregate).")
    organisation_id: OpaqueId = _organisation_id()
    team_id: OpaqueId = Field(description="The team, named by its manager's employee id.")
    reward_id: OpaqueId = Field(description="The reward granted.")
    amount: Money = Field(description="Amount charged.")
    charged_on: date = Field(description="Day (UTC) the grant counts in: it falls in the periods holding it.")
    approved_over_budget: bool = Field(
        description="True when an HR admin approved it although it exceeded a budget."
    )
    charged_at: AwareDatetime = Field(description="When it was charged.")


# --- protected majors: personal text sealed with the key of the person it is about --------------


class RecognitionAwardedV3(RecognitionAwardedV2):
    """An employee was recognised because a reward policy's rule fired. The ``message`` is
    protected with the recipient's data key (erasing them makes it unreadable)."""

    major: ClassVar[int] = 3
    protects_personal_data: ClassVar[bool] = True


class RewardRejectedV2(RewardRejected):
    """An HR admin rejected a reward held for approval; nothing is paid. The ``reason`` is
    protected with the recipient's data key."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class CompensationAdjustmentProposedV3(CompensationAdjustmentProposedV2):
    """A reward policy proposed a change of base pay; it awaits an HR admin's decision. The
    ``justification`` is protected with the employee's data key."""

    major: ClassVar[int] = 3
    protects_personal_data: ClassVar[bool] = True


class CompensationAdjustmentRejectedV3(CompensationAdjustmentRejectedV2):
    """An HR admin (never the employee concerned) rejected a proposed pay change; nothing
    changes in payroll. The ``reason`` is protected with the employee's data key."""

    major: ClassVar[int] = 3
    protects_personal_data: ClassVar[bool] = True


class InitiativeLeadProposedV2(InitiativeLeadProposed):
    """A reward policy proposed that the employee lead an initiative (an expanded
    responsibility); the manager and the employee take it from there. The ``initiative`` is
    protected with the employee's data key."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


class PeerRecognitionGivenV2(PeerRecognitionGiven):
    """An employee recognised a colleague directly, within the limits of the reward policy in
    effect. The ``message`` is protected with the recipient's data key."""

    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


RECOGNITION_EVENTS: tuple[type[EventContract], ...] = (
    RecognitionAwardedV3,
    RewardGrantedV2,
    RewardHeldForApproval,
    RewardRejectedV2,
    CompensationAdjustmentProposedV3,
    CompensationAdjustmentApprovedV2,
    CompensationAdjustmentRejectedV3,
    LearningAssignmentRequestedV2,
    InitiativeLeadProposedV2,
    PeerRecognitionGivenV2,
    PolicyPublishedV2,
    BudgetSet,
    BudgetCharged,
)
"""Every event the recognition service publishes."""

RecognitionEvent = (
    RecognitionAwardedV3
    | RewardGrantedV2
    | RewardHeldForApproval
    | RewardRejectedV2
    | CompensationAdjustmentProposedV3
    | CompensationAdjustmentApprovedV2
    | CompensationAdjustmentRejectedV3
    | LearningAssignmentRequestedV2
    | InitiativeLeadProposedV2
    | PeerRecognitionGivenV2
    | PolicyPublishedV2
    | BudgetSet
    | BudgetCharged
)


RETIRED_RECOGNITION_TYPES: frozenset[str] = frozenset(
    {
        # Superseded by version 2 (with organisation_id and the deciding policy) before any
        # running service published them.
        "dev.trellis.recognition.RecognitionAwarded.v1",
        "dev.trellis.recognition.RewardGranted.v1",
        "dev.trellis.recognition.CompensationAdjustmentProposed.v1",
        "dev.trellis.recognition.CompensationAdjustmentApproved.v1",
        "dev.trellis.recognition.CompensationAdjustmentRejected.v1",
        "dev.trellis.recognition.LearningAssignmentRequested.v1",
        "dev.trellis.recognition.PolicyPublished.v1",
        # Superseded by the majors that protect their personal text, before any running service
        # published them (their classes stay: they describe the same fields in the clear).
        "dev.trellis.recognition.RecognitionAwarded.v2",
        "dev.trellis.recognition.RewardRejected.v1",
        "dev.trellis.recognition.CompensationAdjustmentProposed.v2",
        "dev.trellis.recognition.CompensationAdjustmentRejected.v2",
        "dev.trellis.recognition.InitiativeLeadProposed.v1",
        "dev.trellis.recognition.PeerRecognitionGiven.v1",
    }
)
"""Recognition types no class publishes any more: their schemas stay as a record."""
