"""Events of the recognition service: recognition, rewards, pay changes, learning, policies.

Payroll and learning (LMS) systems act on these events. Each carries what such a system
needs without calling back: opaque employee ids, amounts as decimal strings with an
ISO 4217 currency, effective dates, and ``triggering_event_id`` (the CloudEvents ``id`` of
the event that led to it, e.g. a goals milestone being reached) for traceability.

Aggregates (the CloudEvents ``subject`` and Kafka key): ``recognition_id``, ``reward_id``,
``adjustment_id`` (all three compensation events), ``assignment_id`` and ``policy_id``.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import AwareDatetime, ConfigDict, Field, model_validator

from trellis_contracts.base import EventContract, personal_data
from trellis_contracts.fields import Money, OpaqueId

RecognitionKind = Literal["acknowledgement", "milestone_celebration", "badge"]
RecognitionVisibility = Literal["public", "team", "private"]
RewardKind = Literal[
    "cash_bonus",
    "spot_award",
    "gift_card",
    "extra_time_off",
    "expanded_responsibility",
    "lead_initiative",
]
MONETARY_REWARD_KINDS: frozenset[str] = frozenset({"cash_bonus", "spot_award", "gift_card"})
CompensationChangeKind = Literal["merit_increase", "promotion", "market_adjustment"]
PayPeriod = Literal["annual", "monthly", "hourly"]
LearningActivityKind = Literal[
    "course", "certification", "mentoring", "shadowing", "stretch_assignment", "project_rotation"
]
PolicyCategory = Literal["recognition", "reward", "compensation", "learning"]

_TRIGGER_DESCRIPTION = (
    "CloudEvents id of the event that led to this one (e.g. a goals MilestoneReached), "
    "for traceability; absent when it was a person's own initiative."
)


class RecognitionAwarded(EventContract):
    """Someone was recognised, typically for reaching a growth milestone."""

    service: ClassVar[str] = "recognition"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "recognition_id": "rec-51c2aa",
                    "recipient_id": "emp-20417",
                    "awarded_by_id": "emp-11873",
                    "kind": "milestone_celebration",
                    "goal_id": "9d2e4b7a-0c55-4a3e-8f6b-1f8e2d9c4a10",
                    "milestone_id": "m-3f9a2c",
                    "message": "Certification done two weeks early. Great work!",
                    "visibility": "team",
                    "triggering_event_id": "4c1f7e52-8a0b-4d3e-9c6f-2b7a1e0d9f34",
                    "awarded_at": "2026-04-02T09:00:00Z",
                }
            ]
        }
    )

    recognition_id: OpaqueId = Field(description="Id of the recognition (the aggregate).")
    recipient_id: OpaqueId = Field(description="Employee recognised.")
    awarded_by_id: OpaqueId = Field(description="Employee who gave the recognition.")
    kind: RecognitionKind = Field(description="Form the recognition takes.")
    goal_id: OpaqueId | None = Field(default=None, description="Goal it recognises, if any.")
    milestone_id: OpaqueId | None = Field(default=None, description="Milestone it recognises, if any.")
    message: str | None = personal_data("Words of recognition.", default=None, max_length=4000)
    visibility: RecognitionVisibility = Field(
        default="team", description="Who can see it: everyone, the team, or the recipient."
    )
    triggering_event_id: OpaqueId | None = Field(default=None, description=_TRIGGER_DESCRIPTION)
    awarded_at: AwareDatetime = Field(description="When it was awarded.")


class RewardGranted(EventContract):
    """A reward was granted; payroll pays the monetary ones on ``effective_on``."""

    service: ClassVar[str] = "recognition"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reward_id": "rwd-0a77f3",
                    "recipient_id": "emp-20417",
                    "granted_by_id": "emp-11873",
                    "kind": "spot_award",
                    "amount": {"amount": "500.00", "currency": "EUR"},
                    "effective_on": "2026-04-30",
                    "recognition_id": "rec-51c2aa",
                    "triggering_event_id": "4c1f7e52-8a0b-4d3e-9c6f-2b7a1e0d9f34",
                    "granted_at": "2026-04-02T09:05:00Z",
                },
                {
                    "reward_id": "rwd-0a77f4",
                    "recipient_id": "emp-20417",
                    "granted_by_id": "emp-11873",
                    "kind": "lead_initiative",
                    "effective_on": "2026-05-01",
                    "granted_at": "2026-04-02T09:06:00Z",
                },
            ]
        }
    )

    reward_id: OpaqueId = Field(
        description="Id of the reward (the aggregate); payroll should use it as its idempotency key."
    )
    recipient_id: OpaqueId = Field(description="Employee rewarded.")
    granted_by_id: OpaqueId = Field(description="Employee who granted it.")
    kind: RewardKind = Field(
        description="cash_bonus, spot_award and gift_card carry an amount; the others "
        "(extra_time_off, expanded_responsibility, lead_initiative) do not."
    )
    amount: Money | None = Field(
        default=None, description="Gross amount; present exactly for monetary kinds."
    )
    effective_on: date = Field(description="Date the reward takes effect (payroll date).")
    recognition_id: OpaqueId | None = Field(
        default=None, description="Recognition this reward accompanies, if any."
    )
    triggering_event_id: OpaqueId | None = Field(default=None, description=_TRIGGER_DESCRIPTION)
    granted_at: AwareDatetime = Field(description="When it was granted.")

    @model_validator(mode="after")
    def _amount_matches_kind(self) -> RewardGranted:
        monetary = self.kind in MONETARY_REWARD_KINDS
        if monetary and self.amount is None:
            raise ValueError(f"a {self.kind} reward needs an amount")
        if not monetary and self.amount is not None:
            raise ValueError(f"a {self.kind} reward carries no amount")
        return self


class CompensationAdjustmentProposed(EventContract):
    """A change of base pay was proposed and awaits approval."""

    service: ClassVar[str] = "recognition"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "adjustment_id": "adj-93e1b0",
                    "employee_id": "emp-20417",
                    "proposed_by_id": "emp-11873",
                    "kind": "promotion",
                    "change": {"amount": "4800.00", "currency": "EUR"},
                    "new_base": {"amount": "64800.00", "currency": "EUR"},
                    "pay_period": "annual",
                    "effective_on": "2026-07-01",
                    "milestone_id": "m-3f9a2c",
                    "justification": "Now leads the analytics guild, as agreed in Q1.",
                    "triggering_event_id": "4c1f7e52-8a0b-4d3e-9c6f-2b7a1e0d9f34",
                    "proposed_at": "2026-04-10T12:00:00Z",
                }
            ]
        }
    )

    adjustment_id: OpaqueId = Field(description="Id of the adjustment (the aggregate).")
    employee_id: OpaqueId = Field(description="Employee whose pay would change.")
    proposed_by_id: OpaqueId = Field(description="Employee who proposed it.")
    kind: CompensationChangeKind = Field(description="Reason category for the change.")
    change: Money = Field(description="Change of base pay per pay period (may be negative).")
    new_base: Money | None = Field(
        default=None, description="Resulting base pay per pay period, if known to Trellis."
    )
    pay_period: PayPeriod = Field(description="Period the amounts refer to.")
    effective_on: date = Field(description="Date the new pay would apply from.")
    goal_id: OpaqueId | None = Field(default=None, description="Goal behind it, if any.")
    milestone_id: OpaqueId | None = Field(default=None, description="Milestone behind it, if any.")
    justification: str | None = personal_data("Why the change is proposed.", default=None, max_length=4000)
    triggering_event_id: OpaqueId | None = Field(default=None, description=_TRIGGER_DESCRIPTION)
    proposed_at: AwareDatetime = Field(description="When it was proposed.")


class CompensationAdjustmentApproved(EventContract):
    """A proposed pay change was approved; payroll applies ``change`` from ``effective_on``."""

    service: ClassVar[str] = "recognition"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "adjustment_id": "adj-93e1b0",
                    "employee_id": "emp-20417",
                    "approved_by_id": "emp-00042",
                    "kind": "promotion",
                    "change": {"amount": "4800.00", "currency": "EUR"},
                    "new_base": {"amount": "64800.00", "currency": "EUR"},
                    "pay_period": "annual",
                    "effective_on": "2026-07-01",
                    "triggering_event_id": "b8f0e1d2-3c4a-4b5e-8f6a-7d9c0e1f2a3b",
                    "approved_at": "2026-04-20T15:30:00Z",
                }
            ]
        }
    )

    adjustment_id: OpaqueId = Field(description="The approved adjustment; payroll's idempotency key.")
    employee_id: OpaqueId = Field(description="Employee whose pay changes.")
    approved_by_id: OpaqueId = Field(description="Employee who approved it.")
    kind: CompensationChangeKind = Field(description="Reason category for the change.")
    change: Money = Field(
        description="Approved change of base pay per pay period (may differ from the proposal)."
    )
    new_base: Money | None = Field(
        default=None, description="Resulting base pay per pay period, if known to Trellis."
    )
    pay_period: PayPeriod = Field(description="Period the amounts refer to.")
    effective_on: date = Field(description="Date the new pay applies from.")
    triggering_event_id: OpaqueId | None = Field(
        default=None,
        description="CloudEvents id of the CompensationAdjustmentProposed event approved here.",
    )
    approved_at: AwareDatetime = Field(description="When it was approved.")


class CompensationAdjustmentRejected(EventContract):
    """A proposed pay change was rejected; nothing changes in payroll."""

    service: ClassVar[str] = "recognition"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "adjustment_id": "adj-93e1b1",
                    "employee_id": "emp-20417",
                    "rejected_by_id": "emp-00042",
                    "reason": "Outside this cycle's budget; revisit in October.",
                    "triggering_event_id": "b8f0e1d2-3c4a-4b5e-8f6a-7d9c0e1f2a3c",
                    "rejected_at": "2026-04-20T15:35:00Z",
                }
            ]
        }
    )

    adjustment_id: OpaqueId = Field(description="The rejected adjustment.")
    employee_id: OpaqueId = Field(description="Employee whose pay was to change.")
    rejected_by_id: OpaqueId = Field(description="Employee who rejected it.")
    reason: str | None = personal_data("Why it was rejected.", default=None, max_length=4000)
    triggering_event_id: OpaqueId | None = Field(
        default=None,
        description="CloudEvents id of the CompensationAdjustmentProposed event rejected here.",
    )
    rejected_at: AwareDatetime = Field(description="When it was rejected.")


class LearningAssignmentRequested(EventContract):
    """A learning activity should be assigned to an employee in the LMS."""

    service: ClassVar[str] = "recognition"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "assignment_id": "asg-6b2d90",
                    "learner_id": "emp-20417",
                    "requested_by_id": "emp-11873",
                    "activity_id": "https://lms.example.com/xapi/activities/photoshop-101",
                    "activity_kind": "course",
                    "due_on": "2026-02-28",
                    "goal_id": "9d2e4b7a-0c55-4a3e-8f6b-1f8e2d9c4a10",
                    "milestone_id": "m-3f9a2c",
                    "triggering_event_id": "4c1f7e52-8a0b-4d3e-9c6f-2b7a1e0d9f35",
                    "requested_at": "2026-01-10T08:00:00Z",
                }
            ]
        }
    )

    assignment_id: OpaqueId = Field(
        description="Id of the assignment (the aggregate); the LMS's idempotency key."
    )
    learner_id: OpaqueId = Field(description="Employee who should learn.")
    requested_by_id: OpaqueId = Field(description="Employee who asked for the assignment.")
    activity_id: str = Field(
        min_length=1,
        max_length=2048,
        description="The LMS's id of the activity: a course code or an xAPI activity IRI.",
    )
    activity_kind: LearningActivityKind = Field(description="Kind of development activity.")
    due_on: date | None = Field(default=None, description="Date it should be completed by.")
    goal_id: OpaqueId | None = Field(default=None, description="Goal it serves, if any.")
    milestone_id: OpaqueId | None = Field(default=None, description="Milestone it serves, if any.")
    triggering_event_id: OpaqueId | None = Field(default=None, description=_TRIGGER_DESCRIPTION)
    requested_at: AwareDatetime = Field(description="When it was requested.")


class PolicyPublished(EventContract):
    """A new version of a recognition, reward, pay or learning policy was published."""

    service: ClassVar[str] = "recognition"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "policy_id": "pol-milestone-rewards",
                    "policy_version": 3,
                    "category": "reward",
                    "title": "Milestone rewards 2026",
                    "document_url": "https://intranet.example.com/policies/milestone-rewards-v3",
                    "effective_on": "2026-01-01",
                    "published_by_id": "emp-00042",
                    "published_at": "2025-12-15T10:00:00Z",
                }
            ]
        }
    )

    policy_id: OpaqueId = Field(description="Id of the policy (the aggregate).")
    policy_version: int = Field(ge=1, description="Version number, increasing per policy.")
    category: PolicyCategory = Field(description="What the policy governs.")
    title: str = Field(min_length=1, max_length=200, description="Title of the policy.")
    document_url: str | None = Field(
        default=None, max_length=2048, description="Where the full text is published."
    )
    effective_on: date = Field(description="Date the policy version applies from.")
    published_by_id: OpaqueId = Field(description="Employee who published it.")
    published_at: AwareDatetime = Field(description="When it was published.")


RECOGNITION_EVENTS: tuple[type[EventContract], ...] = (
    RecognitionAwarded,
    RewardGranted,
    CompensationAdjustmentProposed,
    CompensationAdjustmentApproved,
    CompensationAdjustmentRejected,
    LearningAssignmentRequested,
    PolicyPublished,
)
"""Every event the recognition service publishes."""
