"""Small checks shared by the goals deciders; each names the field it is about."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from trellis_kernel.decider import DomainError


def require_text(value: str, field: str, what: str) -> None:
    if not value.strip():
        raise DomainError(f"{what} must not be blank", field=field)


def require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise DomainError("now must carry a UTC offset", field="now")


def today(now: datetime) -> date:
    """The calendar day of ``now`` in the offset it was given with."""
    require_aware(now)
    return now.date()


def require_future(day: date, now: datetime, field: str, what: str) -> None:
    """Time-bound: ``day`` must come after the day of ``now``."""
    if day <= today(now):
        raise DomainError(
            f"{what} must be in the future (after {today(now).isoformat()}), got {day.isoformat()}",
            field=field,
        )


def require_unique(ids: Iterable[str], field: str, what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise DomainError(f"{what} {item!r} appears twice", field=field)
        seen.add(item)
