"""Small checks shared by the feedback deciders; each names the field it is about."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from trellis_kernel.decider import DomainError


def require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise DomainError("now must carry a UTC offset", field="now")


def today(now: datetime) -> date:
    """The calendar day of ``now`` in the offset it was given with."""
    require_aware(now)
    return now.date()


def require_text(value: str, field: str, what: str) -> None:
    if not value.strip():
        raise DomainError(f"{what} must not be blank", field=field)


def require_optional_text(value: str | None, field: str, what: str) -> None:
    if value is not None:
        require_text(value, field, what)


def first_repeated(items: Iterable[str]) -> int | None:
    """The index of the first item that appeared before, if any."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item in seen:
            return index
        seen.add(item)
    return None
