"""An organisation's feedback settings: k, the anonymity threshold (stream per organisation)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from trellis_contracts.feedback import (
    MAX_ANONYMITY_THRESHOLD,
    MIN_ANONYMITY_THRESHOLD,
    AnonymityThresholdSet,
)
from trellis_feedback.domain.anonymity import DEFAULT_ANONYMITY_THRESHOLD
from trellis_feedback.domain.rules import require_aware
from trellis_kernel.decider import Decider, DomainError


@dataclass(frozen=True, kw_only=True)
class SetAnonymityThreshold:
    organisation_id: str
    threshold: int
    set_by: str
    now: datetime


SettingsState = int | None
"""The threshold the organisation chose, if it chose one."""


def anonymity_threshold(state: SettingsState) -> int:
    """k for requests made now."""
    return DEFAULT_ANONYMITY_THRESHOLD if state is None else state


def decide_settings(command: SetAnonymityThreshold, state: SettingsState) -> Sequence[AnonymityThresholdSet]:
    require_aware(command.now)
    if not MIN_ANONYMITY_THRESHOLD <= command.threshold <= MAX_ANONYMITY_THRESHOLD:
        raise DomainError(
            f"The anonymity threshold is between {MIN_ANONYMITY_THRESHOLD} and "
            f"{MAX_ANONYMITY_THRESHOLD}: with fewer than {MIN_ANONYMITY_THRESHOLD} answers, "
            "each giver could tell the others' answers apart from their own",
            field="threshold",
        )
    current = anonymity_threshold(state)
    if command.threshold == current:
        return []
    return [
        AnonymityThresholdSet(
            organisation_id=command.organisation_id,
            threshold=command.threshold,
            previous_threshold=current,
            set_by=command.set_by,
            set_at=command.now,
        )
    ]


def evolve_settings(state: SettingsState, event: AnonymityThresholdSet) -> SettingsState:
    return event.threshold


def _not_set() -> SettingsState:
    return None


settings_decider: Decider[SetAnonymityThreshold, SettingsState, AnonymityThresholdSet] = Decider(
    decide=decide_settings, evolve=evolve_settings, initial_state=_not_set
)
