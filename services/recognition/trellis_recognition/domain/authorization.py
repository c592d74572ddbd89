"""Who may do what in the recognition service, decided from facts alone (no I/O).

HR admins manage policies, budgets and approvals, and see everything in their organisation,
but never decide on their own reward or pay change. Employees see their own rewards and the
recognition meant for them; managers see their team's. Anyone may see public recognition and
the policies, and recognise a colleague (not themselves). Other organisations see nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Action = Literal[
    "view_policies",
    "publish_policy",
    "backtest_policy",
    "set_budget",
    "view_budget",
    "view_pending_approvals",
    "decide_approval",
    "view_reward_triggers",
    "recognise_colleague",
    "view_rewards",
    "view_public_recognition",
    "view_team_recognition",
    "view_private_recognition",
]

Relationship = Literal["self", "manager", "hr_admin", "teammate", "colleague", "none"]

_EVERYONE: frozenset[Action] = frozenset({"view_policies", "view_public_recognition"})
_ALLOWED: dict[Relationship, frozenset[Action]] = {
    "self": _EVERYONE | {"view_rewards", "view_team_recognition", "view_private_recognition"},
    "manager": _EVERYONE
    | {
        "view_budget",
        "recognise_colleague",
        "view_rewards",
        "view_team_recognition",
        "view_private_recognition",
    },
    "hr_admin": _EVERYONE
    | {
        "publish_policy",
        "backtest_policy",
        "set_budget",
        "view_budget",
        "view_pending_approvals",
        "decide_approval",
        "view_reward_triggers",
        "recognise_colleague",
        "view_rewards",
        "view_team_recognition",
        "view_private_recognition",
    },
    "teammate": _EVERYONE | {"recognise_colleague", "view_team_recognition"},
    "colleague": _EVERYONE | {"recognise_colleague"},
    "none": frozenset(),
}
# What an HR admin may not do about themselves, although an HR admin may do it for others.
_NOT_FOR_ONESELF: dict[Action, str] = {
    "decide_approval": "nobody decides on their own reward or pay change",
    "recognise_colleague": "nobody recognises themselves",
}


@dataclass(frozen=True)
class Actor:
    """The authenticated caller; ``manager_id`` is their own manager, if known."""

    user_id: str
    organisation_id: str
    hr_admin: bool = False
    manager_id: str | None = None


@dataclass(frozen=True)
class Subject:
    """Whom the action is about: an employee (with their current manager), a team (only
    ``manager_id``, the team's name) or the organisation (neither)."""

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
    if subject.manager_id is not None and actor.user_id == subject.manager_id:
        return "manager"
    if actor.hr_admin:
        return "hr_admin"
    if (
        subject.employee_id is not None
        and actor.manager_id is not None
        and actor.manager_id == subject.manager_id
    ):
        return "teammate"
    return "colleague"


def authorize(actor: Actor, action: Action, subject: Subject) -> Decision:
    related = relationship(actor, subject)
    allowed = action in _ALLOWED[related]
    if not allowed and actor.hr_admin and related != "none":
        # An HR admin who is also the employee or their manager keeps the admin's rights,
        # except deciding on what is their own.
        allowed = action in _ALLOWED["hr_admin"] and not (related == "self" and action in _NOT_FOR_ONESELF)
    if allowed:
        return Decision(True, related, f"{related.replace('_', ' ')} may {action.replace('_', ' ')}")
    if related == "none":
        reason = "the subject belongs to another organisation"
    elif related == "self" and action in _NOT_FOR_ONESELF:
        reason = _NOT_FOR_ONESELF[action]
    else:
        reason = f"a {related.replace('_', ' ')} may not {action.replace('_', ' ')}"
    return Decision(False, related, reason)
