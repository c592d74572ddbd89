"""An organisation's retention of feedback text (stream per organisation), and which years of
text a rule lets go on a given day.

Feedback text is sealed with a key per person and calendar year (UTC) of the event, so text is
erased a whole year at a time: the years that ended before the horizon (``years`` before now).
A year's text therefore goes within a year after it passes the horizon.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from trellis_contracts.feedback import (
    MAX_RETENTION_YEARS,
    MIN_RETENTION_YEARS,
    FeedbackRetentionSet,
    FeedbackTextExpired,
)
from trellis_feedback.domain.rules import require_aware
from trellis_kernel.decider import Decider, DomainError


@dataclass(frozen=True, kw_only=True)
class SetRetention:
    organisation_id: str
    years: int
    set_by: str
    now: datetime


@dataclass(frozen=True, kw_only=True)
class ExpireText:
    """The daily run shredded the years before ``before``: said once per run that shredded any."""

    organisation_id: str
    before: datetime
    now: datetime


RetentionCommand = SetRetention | ExpireText
RetentionEvent = FeedbackRetentionSet | FeedbackTextExpired


RetentionState = int | None
"""How many years the organisation keeps feedback text, if it chose."""


def decide_retention(command: RetentionCommand, state: RetentionState) -> Sequence[RetentionEvent]:
    require_aware(command.now)
    if isinstance(command, ExpireText):
        if state is None:
            raise DomainError("The organisation keeps feedback text: it has no retention rule", field="years")
        return [
            FeedbackTextExpired(
                organisation_id=command.organisation_id,
                before=command.before,
                years=state,
                expired_at=command.now,
            )
        ]
    if not MIN_RETENTION_YEARS <= command.years <= MAX_RETENTION_YEARS:
        raise DomainError(
            f"Feedback text is kept between {MIN_RETENTION_YEARS} and {MAX_RETENTION_YEARS} years",
            field="years",
        )
    if command.years == state:
        return []
    return [
        FeedbackRetentionSet(
            organisation_id=command.organisation_id,
            years=command.years,
            previous_years=state,
            set_by=command.set_by,
            set_at=command.now,
        )
    ]


def evolve_retention(state: RetentionState, event: RetentionEvent) -> RetentionState:
    return event.years if isinstance(event, FeedbackRetentionSet) else state


def _kept_for_ever() -> RetentionState:
    return None


retention_decider: Decider[RetentionCommand, RetentionState, RetentionEvent] = Decider(
    decide=decide_retention, evolve=evolve_retention, initial_state=_kept_for_ever
)


@dataclass(frozen=True)
class Expiry:
    """What a rule lets go on a day: text dated before ``before`` (the start of a year, UTC),
    that is, the key scopes (years) in ``scopes``."""

    before: datetime
    scopes: tuple[str, ...]


def expiry(years: int, now: datetime, scopes: Iterable[str]) -> Expiry:
    """The years wholly older than ``years`` years before ``now``, among the key ``scopes`` in
    use (scopes that are not years are never touched)."""
    require_aware(now)
    horizon_year = now.astimezone(UTC).year - years
    # A year is wholly older than the horizon when it ended by then: every year before the
    # horizon's own year (the horizon falls inside its year, or on its first instant).
    before = datetime(horizon_year, 1, 1, tzinfo=UTC)
    expired = sorted(scope for scope in scopes if scope.isdigit() and int(scope) < horizon_year)
    return Expiry(before, tuple(expired))
