"""Reward policies: versions published by HR, and which version decides at a given moment.

Each policy has its own stream of versions. A version applies from the later of its
``effective_on`` day (UTC) and the moment it was published, until a version with a later
effective day (or the same day and a higher number) applies; it can never take effect before
the day it is published. So the version that decided about an event is fixed the moment the
event happened: publishing a new version never changes what an earlier one decided.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from trellis_contracts.recognition import PolicyPublishedV2
from trellis_contracts.reward_policy import POLICY_SCHEMA_ID, RewardPolicy
from trellis_kernel.decider import Decider, DomainError
from trellis_recognition.domain.rules import require_aware, utc_day
from trellis_recognition.domain.triggers import is_known_trigger


@dataclass(frozen=True)
class PolicyVersion:
    policy_id: str
    organisation_id: str
    version: int
    document: RewardPolicy
    published_at: datetime

    @property
    def effective_on(self) -> date:
        return self.document.effective_on

    def in_effect_at(self, moment: datetime) -> bool:
        return self.published_at <= moment and self.effective_on <= utc_day(moment)

    @property
    def rank(self) -> tuple[date, int]:
        return (self.effective_on, self.version)


@dataclass(frozen=True, kw_only=True)
class PublishPolicy:
    organisation_id: str
    document: RewardPolicy
    published_by: str
    now: datetime


@dataclass(frozen=True)
class PolicyHistory:
    """Every published version of one policy, oldest first."""

    versions: tuple[PolicyVersion, ...] = ()

    @property
    def latest(self) -> PolicyVersion | None:
        return self.versions[-1] if self.versions else None


def check_triggers(document: RewardPolicy) -> None:
    """Every event a rule names is one the service reacts to."""
    for index, rule in enumerate(document.rules):
        named = [("when.event", rule.when.event)]
        if rule.when.count is not None and rule.when.count.event is not None:
            named.append(("when.count.event", rule.when.count.event))
        for where, event in named:
            if not is_known_trigger(event):
                raise DomainError(
                    f"{event} is not an event reward policies can react to",
                    field=f"rules[{index}].{where}",
                )


def decide_policy(command: PublishPolicy, state: PolicyHistory) -> Sequence[PolicyPublishedV2]:
    require_aware(command.now)
    document = command.document
    latest = state.latest
    if latest is not None and latest.organisation_id != command.organisation_id:
        raise DomainError("The policy belongs to another organisation", field="organisation_id")
    today = utc_day(command.now)
    if document.effective_on < today:
        raise DomainError(
            f"A version takes effect on or after the day it is published ({today.isoformat()}), "
            f"so that it never changes what an earlier version decided; got {document.effective_on.isoformat()}",
            field="effective_on",
        )
    check_triggers(document)
    if latest is not None and latest.document == document:
        return []  # the same document again: a retried upload
    return [
        PolicyPublishedV2(
            policy_id=document.policy_id,
            organisation_id=command.organisation_id,
            policy_version=latest.version + 1 if latest else 1,
            title=document.title,
            effective_on=document.effective_on,
            document_schema=POLICY_SCHEMA_ID,
            document=document.model_dump(mode="json", by_alias=True, exclude_none=True),
            published_by_id=command.published_by,
            published_at=command.now,
        )
    ]


def version_of(event: PolicyPublishedV2) -> PolicyVersion:
    return PolicyVersion(
        policy_id=event.policy_id,
        organisation_id=event.organisation_id,
        version=event.policy_version,
        document=RewardPolicy.model_validate(event.document),
        published_at=event.published_at,
    )


def evolve_policy(state: PolicyHistory, event: PolicyPublishedV2) -> PolicyHistory:
    return replace(state, versions=(*state.versions, version_of(event)))


policy_decider: Decider[PublishPolicy, PolicyHistory, PolicyPublishedV2] = Decider(
    decide=decide_policy, evolve=evolve_policy, initial_state=PolicyHistory
)


def in_effect(
    versions: Iterable[PolicyVersion], organisation_id: str, moment: datetime
) -> list[PolicyVersion]:
    """For each policy of the organisation, the version that decides at ``moment`` (if any),
    in policy id order."""
    deciding: dict[str, PolicyVersion] = {}
    for version in versions:
        if version.organisation_id != organisation_id or not version.in_effect_at(moment):
            continue
        current = deciding.get(version.policy_id)
        if current is None or version.rank > current.rank:
            deciding[version.policy_id] = version
    return [deciding[policy_id] for policy_id in sorted(deciding)]


def draft_version(document: RewardPolicy, organisation_id: str) -> PolicyVersion:
    """A draft as if published (version 0) long ago: for backtests, which ignore dates."""
    return PolicyVersion(
        policy_id=document.policy_id,
        organisation_id=organisation_id,
        version=0,
        document=document,
        published_at=datetime.min.replace(tzinfo=UTC),
    )
