"""Who may do what in the goals service, decided from facts alone (no I/O).

Employees act on their own goals and vision. Their manager, as the service last learned it
from a reporting line, agrees, reviews and adjusts their goals and sees them. HR admins see
everything in their organisation and administer career tracks and reporting lines, but do not
act on an employee's goals for them. Everyone else, and everyone from another organisation,
is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Action = Literal[
    "view_goals",
    "propose_goal",
    "agree_to_goal",
    "request_goal_changes",
    "withdraw_proposal",
    "align_goal",
    "adjust_goal",
    "review_goal",
    "add_milestone",
    "reschedule_milestone",
    "update_milestone_progress",
    "reach_milestone",
    "record_check_in",
    "manage_development_activity",
    "mark_overdue_milestones",
    "view_vision",
    "edit_vision",
    "view_career_choice",
    "choose_career_track",
    "view_career_tracks",
    "define_career_track",
    "view_reporting_line",
    "change_reporting_line",
]

Relationship = Literal["self", "manager", "hr_admin", "colleague", "none"]

_EMPLOYEE_MAY: frozenset[Action] = frozenset(
    {
        "view_goals",
        "propose_goal",
        "agree_to_goal",
        "request_goal_changes",
        "withdraw_proposal",
        "align_goal",
        "add_milestone",
        "reschedule_milestone",
        "update_milestone_progress",
        "reach_milestone",
        "record_check_in",
        "manage_development_activity",
        "mark_overdue_milestones",
        "view_vision",
        "edit_vision",
        "view_career_choice",
        "choose_career_track",
        "view_career_tracks",
        "view_reporting_line",
    }
)
_MANAGER_MAY: frozenset[Action] = frozenset(
    {
        "view_goals",
        "propose_goal",
        "agree_to_goal",
        "request_goal_changes",
        "withdraw_proposal",
        "align_goal",
        "adjust_goal",
        "review_goal",
        "add_milestone",
        "reschedule_milestone",
        "update_milestone_progress",
        "reach_milestone",
        "record_check_in",
        "manage_development_activity",
        "mark_overdue_milestones",
        "view_vision",
        "view_career_choice",
        "view_career_tracks",
        "view_reporting_line",
    }
)
_HR_ADMIN_MAY: frozenset[Action] = frozenset(
    {
        "view_goals",
        "mark_overdue_milestones",
        "view_vision",
        "view_career_choice",
        "view_career_tracks",
        "define_career_track",
        "view_reporting_line",
        "change_reporting_line",
    }
)
# Any member of the organisation may see which career tracks it offers.
_COLLEAGUE_MAY: frozenset[Action] = frozenset({"view_career_tracks"})


@dataclass(frozen=True)
class Actor:
    """The authenticated caller."""

    user_id: str
    organisation_id: str
    hr_admin: bool = False


@dataclass(frozen=True)
class Subject:
    """Whose data the action is about. ``employee_id`` is None for organisation-wide actions
    (career tracks); ``manager_id`` is the employee's current manager, if any."""

    organisation_id: str
    employee_id: str | None = None
    manager_id: str | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    relationship: Relationship
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def relationship(actor: Actor, subject: Subject) -> Relationship:
    """How the actor stands to the subject; the first that holds wins."""
    if actor.organisation_id != subject.organisation_id:
        return "none"
    if subject.employee_id is not None and actor.user_id == subject.employee_id:
        return "self"
    if subject.employee_id is not None and actor.user_id == subject.manager_id:
        return "manager"
    if actor.hr_admin:
        return "hr_admin"
    return "colleague"


_ALLOWED: dict[Relationship, frozenset[Action]] = {
    "self": _EMPLOYEE_MAY,
    "manager": _MANAGER_MAY,
    "hr_admin": _HR_ADMIN_MAY,
    "colleague": _COLLEAGUE_MAY,
    "none": frozenset(),
}


def authorize(actor: Actor, action: Action, subject: Subject) -> Decision:
    related = relationship(actor, subject)
    # An HR admin who is also the employee or their manager keeps the admin's rights too.
    allowed = action in _ALLOWED[related] or (
        actor.hr_admin and related != "none" and action in _HR_ADMIN_MAY
    )
    if allowed:
        return Decision(True, related, f"{related} may {action.replace('_', ' ')}")
    if related == "none":
        reason = "the subject belongs to another organisation"
    else:
        reason = f"a {related.replace('_', ' ')} may not {action.replace('_', ' ')}"
    return Decision(False, related, reason)
