"""Contracts that protect their personal data, for the tests of the mechanism (the published
contracts switch in a later major version): a goal with nested milestones, and praise between
two colleagues (about the recipient, written by the giver)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from trellis_contracts import EventContract, personal_data
from trellis_contracts.fields import OpaqueId, Text

SERVICE = "privacytests"


class PlannedStep(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    step_id: OpaqueId = Field(description="The step.")
    title: Text = personal_data("The step in a few words.", min_length=1, max_length=200, about="employee_id")
    due_date: date = Field(description="When it is due.")


class GoalPlanned(EventContract):
    """v1 of the goal: personal fields in plain text."""

    service: ClassVar[str] = SERVICE

    goal_id: OpaqueId = Field(description="The goal.")
    organisation_id: OpaqueId = Field(description="The organisation.")
    employee_id: OpaqueId = Field(description="Whose goal it is.")
    title: Text = personal_data("The goal.", min_length=1, max_length=200, about="employee_id")
    steps: tuple[PlannedStep, ...] = Field(default=(), description="The steps.")
    occurred_at: AwareDatetime = Field(description="When.")


class GoalPlannedV2(EventContract):
    """v2 of the goal: the same facts, personal fields protected."""

    service: ClassVar[str] = SERVICE
    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "goal_id": "goal_5b12",
                    "organisation_id": "org_7f3a",
                    "employee_id": "emp_2c91",
                    "manager_id": "emp_88d0",
                    "title": "Master Photoshop",
                    "notes": None,
                    "resources": ["Photoshop licence", "A design mentor"],
                    "steps": [{"step_id": "ms_1", "title": "Online course", "due_date": "2026-02-14"}],
                    "occurred_at": "2026-01-15T09:30:00Z",
                }
            ]
        }
    )

    goal_id: OpaqueId = Field(description="The goal.")
    organisation_id: OpaqueId = Field(description="The organisation.")
    employee_id: OpaqueId = Field(description="Whose goal it is.")
    manager_id: OpaqueId = Field(description="Their manager.")
    title: Text = personal_data("The goal.", min_length=1, max_length=200, about="employee_id")
    notes: Text | None = personal_data("Notes, if any.", default=None, max_length=4000, about="employee_id")
    resources: tuple[Text, ...] = personal_data("What it needs.", default=(), about="employee_id")
    steps: tuple[PlannedStep, ...] = Field(default=(), description="The steps.")
    occurred_at: AwareDatetime = Field(description="When.")


class PraiseGiven(EventContract):
    """Praise one colleague gave another: about the recipient."""

    service: ClassVar[str] = SERVICE
    protects_personal_data: ClassVar[bool] = True

    praise_id: OpaqueId = Field(description="The praise.")
    organisation_id: OpaqueId = Field(description="The organisation.")
    giver_id: OpaqueId = Field(description="Who gave it.")
    recipient_id: OpaqueId = Field(description="Who it is about.")
    message: Text = personal_data("The praise.", min_length=1, max_length=4000, about="recipient_id")
    occurred_at: AwareDatetime = Field(description="When.")


PRIVACY_TEST_EVENTS: tuple[type[EventContract], ...] = (GoalPlanned, GoalPlannedV2, PraiseGiven)
