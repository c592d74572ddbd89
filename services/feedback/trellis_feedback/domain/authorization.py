"""Who may do what in the feedback service, decided from facts alone (no I/O).

Feedback is between people: its recipient reads it, its giver reads what they gave, and the
recipient's manager reads only what was shared with them (``Subject.manager_id`` is then that
manager; for private feedback it is None). HR admins set the anonymity threshold and oversee
performance conversations and cadences, but read no feedback and no request: anonymity holds
for them too, and an HR admin who is also someone's manager has exactly a manager's rights
over that person's feedback. Anyone else in the organisation may give feedback and see the
threshold; nobody from another organisation may do anything.

A caller can hold several roles at once (the recipient who asked, a manager who is an HR
admin): an action is allowed when one of them allows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Action = Literal[
    "request_feedback",
    "view_request",
    "respond_to_request",
    "give_feedback",
    "view_feedback",
    "narrow_feedback_visibility",
    "view_feedback_timeline",
    "view_pending_requests",
    "view_given_feedback",
    "view_goal_feedback_counts",
    "schedule_conversation",
    "view_conversations",
    "hold_conversation",
    "cancel_conversation",
    "link_conversation_to_goal",
    "complete_action",
    "set_cadence",
    "view_cadence",
    "view_anonymity_threshold",
    "set_anonymity_threshold",
    "set_retention",
    "view_retention",
]

Role = Literal["self", "manager", "requester", "invitee", "giver", "hr_admin", "colleague"]

_CONVERSING: frozenset[Action] = frozenset(
    {
        "schedule_conversation",
        "view_conversations",
        "hold_conversation",
        "cancel_conversation",
        "link_conversation_to_goal",
        "complete_action",
        "set_cadence",
        "view_cadence",
    }
)

_ALLOWED: dict[Role, frozenset[Action]] = {
    "self": _CONVERSING
    | {
        "request_feedback",
        "view_request",
        "view_feedback",
        "view_feedback_timeline",
        "view_pending_requests",
        "view_given_feedback",
        "view_goal_feedback_counts",
    },
    # What the manager reads of feedback, the queries narrow to what was shared with them.
    "manager": _CONVERSING
    | {"request_feedback", "view_feedback", "view_feedback_timeline", "view_goal_feedback_counts"},
    "requester": frozenset({"view_request"}),
    "invitee": frozenset({"view_request", "respond_to_request"}),
    "giver": frozenset({"view_feedback", "narrow_feedback_visibility"}),
    "hr_admin": frozenset(
        {
            "view_conversations",
            "set_cadence",
            "view_cadence",
            "set_anonymity_threshold",
            "set_retention",
            "view_retention",
        }
    ),
    "colleague": frozenset(),
}

_EVERYONE_BUT_SELF: frozenset[Action] = frozenset({"give_feedback"})
_EVERYONE: frozenset[Action] = frozenset({"view_anonymity_threshold"})


@dataclass(frozen=True)
class Actor:
    """The authenticated caller."""

    user_id: str
    organisation_id: str
    hr_admin: bool = False


@dataclass(frozen=True)
class Subject:
    """What the action is about, and the people that gives roles to.

    ``employee_id``: the person it is about (the feedback's recipient, the conversation's
    employee, the owner of a pending or given list); ``manager_id``: the manager entitled to
    it (the employee's current manager, the conversation's manager, or the manager a piece of
    feedback is shared with); ``giver_id``: who gave a piece of feedback, known for an
    anonymous answer only when the service itself matched the caller to it.
    """

    organisation_id: str
    employee_id: str | None = None
    manager_id: str | None = None
    requester_id: str | None = None
    invitee_ids: frozenset[str] = frozenset()
    giver_id: str | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    roles: frozenset[Role]
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def roles(actor: Actor, subject: Subject) -> frozenset[Role]:
    """Every role the actor holds toward the subject; none for another organisation."""
    if actor.organisation_id != subject.organisation_id:
        return frozenset()
    held: set[Role] = set()
    me = actor.user_id
    if subject.employee_id is not None and me == subject.employee_id:
        held.add("self")
    if subject.manager_id is not None and me == subject.manager_id:
        held.add("manager")
    if subject.requester_id is not None and me == subject.requester_id:
        held.add("requester")
    if me in subject.invitee_ids:
        held.add("invitee")
    if subject.giver_id is not None and me == subject.giver_id:
        held.add("giver")
    if actor.hr_admin:
        held.add("hr_admin")
    if not held:
        held.add("colleague")
    return frozenset(held)


def authorize(actor: Actor, action: Action, subject: Subject) -> Decision:
    held = roles(actor, subject)
    words = action.replace("_", " ")
    if not held:
        return Decision(False, held, "the subject belongs to another organisation")
    allowed = (
        action in _EVERYONE
        or (action in _EVERYONE_BUT_SELF and "self" not in held)
        or any(action in _ALLOWED[role] for role in held)
    )
    shown = " and ".join(sorted(role.replace("_", " ") for role in held))
    if allowed:
        return Decision(True, held, f"the {shown} may {words}")
    return Decision(False, held, f"the {shown} may not {words}")
