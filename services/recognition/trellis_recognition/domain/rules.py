"""Small checks and values shared by the recognition deciders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from trellis_kernel.decider import DomainError


def require_aware(now: datetime, field: str = "now") -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise DomainError(f"{field} must carry a UTC offset", field=field)


def utc_day(moment: datetime) -> date:
    """The calendar day of ``moment`` in UTC: policies and windows are dated in UTC."""
    require_aware(moment, "occurred_at")
    return moment.astimezone(UTC).date()


def require_text(value: str | None, field: str, what: str) -> None:
    if value is None or not value.strip():
        raise DomainError(f"{what} must not be blank", field=field)


@dataclass(frozen=True)
class Approver:
    """Who decides on a held reward or a proposed pay change."""

    user_id: str
    hr_admin: bool


def require_approver(approver: Approver, beneficiary_id: str, what: str) -> None:
    """Only an HR admin decides, and never on something of their own."""
    if not approver.hr_admin:
        raise DomainError(f"Only an HR admin decides on {what}", field="approver")
    if approver.user_id == beneficiary_id:
        raise DomainError(f"Nobody decides on {what} of their own", field="approver")
