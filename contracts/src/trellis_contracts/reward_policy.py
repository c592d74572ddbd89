"""The reward policy document: how an organisation turns growth into recognition and rewards.

HR writes a policy as YAML or JSON and publishes it to the recognition service, which
validates it against the JSON Schema generated from these models
(``contracts/policies/reward-policy.v1.json``, shipped inside the package) and records each
published version in a ``PolicyPublished`` event. A policy is a list of rules; each rule says
which event triggers it (``when``) and what follows (``then``):

.. code-block:: yaml

    format: trellis.reward-policy.v1
    policy_id: leadership-milestones
    title: Leadership milestones
    effective_on: 2026-01-01
    rules:
      - id: leadership-milestone
        when:
          event: goals.MilestoneReached
          career_track: [leadership]
        then:
          - recognition: {visibility: public}
          - lead_initiative: {initiative: Lead a cross-team initiative next quarter}

``when.event`` names an event as ``<service>.<EventName>`` (any major version) or
``<service>.<EventName>.v<major>`` (that version only); ``when.where`` tests the event's own
fields by dotted path, so a field a newer version of an event adds can be used without any
change to Trellis. Counts (``when.count``) are taken per employee over a calendar window in
UTC, include the triggering event, and a rule with a count fires at most once per employee
and window. Teams are named by their manager's employee id.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

from trellis_contracts.fields import CurrencyCode, DecimalAmount, Money, OpaqueId

FORMAT = "trellis.reward-policy.v1"
"""The document format this module describes; a breaking change gets a new format name."""

EVENT_NAME_PATTERN = r"^[a-z][a-z0-9_]*\.[A-Z][A-Za-z0-9]*(\.v[1-9][0-9]*)?$"
FIELD_PATH_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"

EventName = Annotated[
    str,
    Field(
        pattern=EVENT_NAME_PATTERN,
        description="An event as `<service>.<EventName>` (every major version) or "
        "`<service>.<EventName>.v<major>` (that version only).",
        examples=["goals.MilestoneReached", "feedback.FeedbackGiven.v2"],
    ),
]
FieldPath = Annotated[str, Field(pattern=FIELD_PATH_PATTERN)]
Scalar = StrictStr | StrictBool | StrictInt | StrictFloat
Window = Literal["week", "month", "quarter", "year"]
"""A calendar period in UTC: ISO week (Monday to Sunday), month, quarter or year."""
Visibility = Literal["public", "team", "private"]
RecognitionKind = Literal["acknowledgement", "milestone_celebration", "badge"]
BonusKind = Literal["cash_bonus", "spot_award", "gift_card"]
CompensationChangeKind = Literal["merit_increase", "promotion", "market_adjustment"]
PayPeriod = Literal["annual", "monthly", "hourly"]
LearningActivityKind = Literal[
    "course", "certification", "mentoring", "shadowing", "stretch_assignment", "project_rotation"
]
OUTCOME_KINDS: tuple[str, ...] = (
    "recognition",
    "points",
    "bonus",
    "compensation_adjustment",
    "learning_assignment",
    "lead_initiative",
)
"""The keys of an outcome, in the order the schema lists them."""


class _Part(BaseModel):
    """A part of the document: unknown keys are refused, so a typo never goes unnoticed."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


# --- conditions ---------------------------------------------------------------------------


class FieldCondition(_Part):
    """Tests on one field of the event; every test given must hold. A field the event does
    not have fails every test except ``exists: false``."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    equals: Scalar | None = Field(default=None, description="The field equals this value.")
    not_equals: Scalar | None = Field(default=None, description="The field differs from this value.")
    in_: tuple[Scalar, ...] | None = Field(
        default=None, alias="in", min_length=1, description="The field equals one of these values."
    )
    not_in: tuple[Scalar, ...] | None = Field(
        default=None, min_length=1, description="The field equals none of these values."
    )
    exists: StrictBool | None = Field(
        default=None, description="true: the field is present and not null; false: it is not."
    )
    at_least: StrictInt | StrictFloat | None = Field(default=None, description="The number is >= this.")
    at_most: StrictInt | StrictFloat | None = Field(default=None, description="The number is <= this.")
    contains: Scalar | None = Field(default=None, description="The list field contains this value.")

    @model_validator(mode="after")
    def _some_test(self) -> FieldCondition:
        if not self.model_fields_set:
            raise ValueError("a condition needs at least one test")
        return self


class CountCondition(_Part):
    """The rule fires when the employee has at least ``at_least`` matching events in the
    calendar window of the triggering event (that event included), once per window."""

    at_least: int = Field(ge=1, le=1000, description="How many matching events the window must hold.")
    window: Window = Field(description="The calendar window the events are counted in (UTC).")
    event: EventName | None = Field(
        default=None, description="Which events to count; by default the rule's own event."
    )
    where: dict[FieldPath, FieldCondition] | None = Field(
        default=None,
        description="Conditions on the counted events; by default the rule's own `where` "
        "(when `event` is not given).",
    )


class Trigger(_Part):
    """Which event triggers the rule, and what must hold about it."""

    event: EventName
    where: dict[FieldPath, FieldCondition] = Field(
        default_factory=dict, description="Conditions on the event's fields, by dotted path."
    )
    career_track: tuple[OpaqueId, ...] | None = Field(
        default=None, min_length=1, description="The goal's career track is one of these."
    )
    goal_template: tuple[OpaqueId, ...] | None = Field(
        default=None,
        min_length=1,
        description="The goal was created from one of these career-track templates "
        "(e.g. the ones that lead to a certification).",
    )
    team: tuple[OpaqueId, ...] | None = Field(
        default=None,
        min_length=1,
        description="The employee's team is one of these (teams are named by their manager's id).",
    )
    count: CountCondition | None = Field(default=None, description="A count over a calendar window.")


# --- outcomes -----------------------------------------------------------------------------


def _positive(amount: str, what: str) -> None:
    if Decimal(amount) <= 0:
        raise ValueError(f"{what} must be more than zero")


class RecognitionOutcome(_Part):
    """Recognise the employee (RecognitionAwarded)."""

    visibility: Visibility = Field(
        default="public", description="public: the organisation; team: the team; private: the employee."
    )
    kind: RecognitionKind = Field(default="milestone_celebration", description="Form the recognition takes.")
    message: str | None = Field(
        default=None, min_length=1, max_length=4000, description="Words of recognition."
    )


class PointsOutcome(_Part):
    """Grant recognition points (RewardGranted of kind points)."""

    amount: int = Field(ge=1, le=1_000_000, description="Points granted.")


class BonusOutcome(_Part):
    """Grant money (RewardGranted); held for HR approval if it would exceed the team's budget."""

    kind: BonusKind = Field(default="spot_award", description="Kind of monetary reward.")
    amount: DecimalAmount = Field(description='Gross amount as a decimal string, e.g. "200.00".')
    currency: CurrencyCode
    pay_after_days: int = Field(
        default=0, ge=0, le=366, description="Days after the triggering event that payroll pays it."
    )

    @model_validator(mode="after")
    def _positive_amount(self) -> BonusOutcome:
        _positive(self.amount, "a bonus")
        return self

    def money(self) -> Money:
        return Money(amount=self.amount, currency=self.currency)


class CompensationOutcome(_Part):
    """Propose a change of base pay (CompensationAdjustmentProposed); only an HR admin's
    approval makes it final."""

    kind: CompensationChangeKind = Field(description="Reason category for the change.")
    change: Money = Field(description="Change of base pay per pay period.")
    pay_period: PayPeriod = Field(description="Period the change refers to.")
    effective_after_days: int = Field(
        default=0, ge=0, le=366, description="Days after the triggering event the new pay applies."
    )
    justification: str | None = Field(default=None, min_length=1, max_length=4000, description="Why.")

    @model_validator(mode="after")
    def _positive_change(self) -> CompensationOutcome:
        _positive(self.change.amount, "a pay change proposed by a policy")
        return self


class LearningOutcome(_Part):
    """Ask the LMS to assign a learning activity (LearningAssignmentRequested)."""

    activity_id: str = Field(
        min_length=1, max_length=2048, description="The LMS's course code or xAPI activity IRI."
    )
    activity_kind: LearningActivityKind = Field(description="Kind of activity.")
    due_in_days: int | None = Field(
        default=None, ge=1, le=3660, description="Days after the triggering event it is due."
    )


class InitiativeOutcome(_Part):
    """Propose that the employee leads an initiative (InitiativeLeadProposed)."""

    initiative: str = Field(min_length=1, max_length=500, description="The initiative, in a few words.")


class Outcome(_Part):
    """Exactly one thing that follows from the rule."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1, "maxProperties": 1})

    recognition: RecognitionOutcome | None = None
    points: PointsOutcome | None = None
    bonus: BonusOutcome | None = None
    compensation_adjustment: CompensationOutcome | None = None
    learning_assignment: LearningOutcome | None = None
    lead_initiative: InitiativeOutcome | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Outcome:
        given = [kind for kind in OUTCOME_KINDS if getattr(self, kind) is not None]
        if len(given) != 1:
            raise ValueError(f"an outcome names exactly one of {', '.join(OUTCOME_KINDS)}")
        return self

    @property
    def kind(self) -> str:
        return next(kind for kind in OUTCOME_KINDS if getattr(self, kind) is not None)

    @property
    def detail(self) -> Any:
        return getattr(self, self.kind)


class Rule(_Part):
    """When an event happens and the conditions hold, the outcomes follow."""

    id: OpaqueId = Field(description="The rule, unique within the policy; outcome ids derive from it.")
    description: str | None = Field(default=None, max_length=1000, description="What the rule is for.")
    when: Trigger
    then: tuple[Outcome, ...] = Field(min_length=1, max_length=20, description="What follows, in order.")


class WindowLimit(_Part):
    at_most: int = Field(ge=1, le=1000, description="How many in one window.")
    window: Window


class PeerRecognitionLimits(_Part):
    """Employees may recognise colleagues directly, within these limits."""

    per_giver: WindowLimit = Field(description="How many recognitions one employee may give.")
    per_recipient: WindowLimit | None = Field(
        default=None, description="How many one employee may give the same colleague."
    )
    visibility: tuple[Visibility, ...] = Field(
        default=("public", "team", "private"), min_length=1, description="Visibilities allowed."
    )


class RewardPolicy(_Part):
    """A reward policy as HR writes it (one version of it)."""

    model_config = ConfigDict(title="Trellis reward policy")

    format: Literal["trellis.reward-policy.v1"] = Field(description="The document format.")
    policy_id: OpaqueId = Field(description="The policy, unique within the organisation.")
    title: str = Field(min_length=1, max_length=200, description="Title of the policy.")
    description: str | None = Field(default=None, max_length=4000, description="What the policy is for.")
    effective_on: date = Field(
        description="First day (UTC) the version applies; never before the day it is published."
    )
    rules: tuple[Rule, ...] = Field(default=(), max_length=200, description="The rules, in order.")
    peer_recognition: PeerRecognitionLimits | None = Field(
        default=None, description="Limits for recognising colleagues; absent: this policy sets none."
    )

    @model_validator(mode="after")
    def _unique_rule_ids(self) -> RewardPolicy:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} appears twice")
            seen.add(rule.id)
        return self


POLICY_SCHEMA_PATH = "policies/reward-policy.v1.json"
"""Where the schema is checked in, relative to ``contracts/`` (and inside the installed package)."""
POLICY_SCHEMA_ID = f"https://trellis.dev/{POLICY_SCHEMA_PATH}"


def policy_schema() -> dict[str, Any]:
    """The JSON Schema of the document, as published at ``POLICY_SCHEMA_PATH``."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": POLICY_SCHEMA_ID,
        **RewardPolicy.model_json_schema(),
    }
