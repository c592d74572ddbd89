"""Who is asking: the caller as the authorization rules see them, and refusing what they may not do."""

from __future__ import annotations

from trellis_kernel.http import Forbidden
from trellis_kernel.identity import Principal
from trellis_recognition.domain.authorization import Action, Actor, Subject, authorize

HR_ADMIN_ROLE = "hr_admin"


def actor_of(principal: Principal) -> Actor:
    if not principal.organisation_id:
        raise Forbidden("the token names no organisation")
    return Actor(principal.subject, principal.organisation_id, principal.has_role(HR_ADMIN_ROLE))


def require(actor: Actor, action: Action, subject: Subject) -> None:
    decision = authorize(actor, action, subject)
    if not decision.allowed:
        raise Forbidden(decision.reason)


def organisation(actor: Actor) -> Subject:
    return Subject(actor.organisation_id)


def team(actor: Actor, team_id: str) -> Subject:
    """A team, named by its manager's id."""
    return Subject(actor.organisation_id, manager_id=team_id)
