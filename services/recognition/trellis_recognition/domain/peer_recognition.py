"""Colleagues recognising each other directly, within the limits the reward policy in effect
sets. One stream per giver, holding every recognition they gave, so a limit holds even when
one person's requests race each other."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from trellis_contracts.recognition import PeerRecognitionGiven, PeerRecognitionGivenV2, RecognitionVisibility
from trellis_contracts.reward_policy import PeerRecognitionLimits, WindowLimit
from trellis_kernel.decider import Decider, DomainError
from trellis_recognition.domain.evaluation import GoalFacts
from trellis_recognition.domain.periods import window_of
from trellis_recognition.domain.policies import PolicyVersion, in_effect
from trellis_recognition.domain.rules import require_aware, require_text, utc_day


@dataclass(frozen=True)
class PeerLimits:
    """The limits in effect and the policy version that sets them."""

    policy_id: str
    policy_version: int
    limits: PeerRecognitionLimits


def peer_limits_in_effect(
    versions: Iterable[PolicyVersion], organisation_id: str, moment: datetime
) -> PeerLimits | None:
    """The limits of the latest effective policy version that sets any (by effective day, then
    publication), or None when no policy in effect allows peer recognition."""
    setting = [
        v for v in in_effect(versions, organisation_id, moment) if v.document.peer_recognition is not None
    ]
    if not setting:
        return None
    latest = max(setting, key=lambda v: (v.effective_on, v.published_at, v.policy_id))
    assert latest.document.peer_recognition is not None
    return PeerLimits(latest.policy_id, latest.version, latest.document.peer_recognition)


@dataclass(frozen=True, kw_only=True)
class RecogniseColleague:
    organisation_id: str
    recognition_id: str
    giver_id: str
    recipient_id: str
    visibility: RecognitionVisibility
    message: str
    goal_id: str | None = None
    milestone_id: str | None = None
    goal: GoalFacts | None = None
    """The goal named by ``goal_id``, as the service knows it (None: unknown)."""
    limits: PeerLimits | None
    now: datetime


@dataclass(frozen=True)
class GivenRecognitions:
    """What one employee gave, oldest first."""

    given: tuple[PeerRecognitionGiven, ...] = ()

    def within(self, limit: WindowLimit, moment: datetime, recipient_id: str | None = None) -> int:
        window = window_of(limit.window, utc_day(moment))
        return sum(
            1
            for given in self.given
            if utc_day(given.given_at) in window and recipient_id in (None, given.recipient_id)
        )


def _same_request(given: PeerRecognitionGiven, command: RecogniseColleague) -> bool:
    return (given.recipient_id, given.visibility, given.message, given.goal_id, given.milestone_id) == (
        command.recipient_id,
        command.visibility,
        command.message,
        command.goal_id,
        command.milestone_id,
    )


def _check_goal(command: RecogniseColleague) -> None:
    if command.milestone_id is not None and command.goal_id is None:
        raise DomainError("A milestone is named with its goal", field="goal_id")
    if command.goal_id is None:
        return
    goal = command.goal
    if goal is None or goal.goal_id != command.goal_id or goal.organisation_id != command.organisation_id:
        raise DomainError(f"There is no goal {command.goal_id!r}", field="goal_id")
    if goal.employee_id != command.recipient_id:
        raise DomainError("The goal is not the recipient's", field="goal_id")
    if command.milestone_id is not None and command.milestone_id not in goal.milestone_ids:
        raise DomainError(f"The goal has no milestone {command.milestone_id!r}", field="milestone_id")


def decide_peer_recognition(
    command: RecogniseColleague, state: GivenRecognitions
) -> Sequence[PeerRecognitionGiven]:
    require_aware(command.now)
    earlier = next((g for g in state.given if g.recognition_id == command.recognition_id), None)
    if earlier is not None:
        if _same_request(earlier, command):
            return []  # a retried request
        raise DomainError(
            f"Recognition {command.recognition_id!r} was already given with other content",
            field="recognition_id",
        )
    if command.recipient_id == command.giver_id:
        raise DomainError("Nobody recognises themselves", field="recipient_id")
    require_text(command.message, "message", "The message")
    _check_goal(command)
    if command.limits is None:
        raise DomainError("No reward policy in effect allows peer recognition", field=None)
    limits = command.limits.limits
    if command.visibility not in limits.visibility:
        allowed = ", ".join(limits.visibility)
        raise DomainError(f"The policy allows the visibilities {allowed}", field="visibility")
    if state.within(limits.per_giver, command.now) >= limits.per_giver.at_most:
        raise DomainError(
            f"The policy allows {limits.per_giver.at_most} recognitions per {limits.per_giver.window}, "
            "and they are given",
            field=None,
        )
    per_recipient = limits.per_recipient
    if (
        per_recipient is not None
        and state.within(per_recipient, command.now, command.recipient_id) >= per_recipient.at_most
    ):
        raise DomainError(
            f"The policy allows {per_recipient.at_most} recognitions of one colleague per "
            f"{per_recipient.window}, and they are given",
            field="recipient_id",
        )
    return [
        PeerRecognitionGivenV2(
            giver_id=command.giver_id,
            organisation_id=command.organisation_id,
            recognition_id=command.recognition_id,
            recipient_id=command.recipient_id,
            visibility=command.visibility,
            goal_id=command.goal_id,
            milestone_id=command.milestone_id,
            message=command.message,
            policy_id=command.limits.policy_id,
            policy_version=command.limits.policy_version,
            given_at=command.now,
        )
    ]


def evolve_peer_recognition(state: GivenRecognitions, event: PeerRecognitionGiven) -> GivenRecognitions:
    return replace(state, given=(*state.given, event))


peer_recognition_decider: Decider[RecogniseColleague, GivenRecognitions, PeerRecognitionGiven] = Decider(
    decide=decide_peer_recognition, evolve=evolve_peer_recognition, initial_state=GivenRecognitions
)
