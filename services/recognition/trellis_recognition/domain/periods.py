"""Calendar windows in UTC: the periods counts, limits and budgets are taken over."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from trellis_contracts.reward_policy import Window

_PERIOD: Final = re.compile(r"^(?P<year>[0-9]{4})(?:-Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period: the days from ``start`` up to, not including, ``end``."""

    start: date
    end: date
    label: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def window_of(window: Window, day: date) -> Period:
    """The calendar window of the given kind holding ``day``."""
    match window:
        case "week":
            start = day - timedelta(days=day.weekday())
            year, week, _ = day.isocalendar()
            return Period(start, start + timedelta(days=7), f"{year}-W{week:02d}")
        case "month":
            return Period(date(day.year, day.month, 1), _month_start(day.year, day.month + 1), f"{day:%Y-%m}")
        case "quarter":
            quarter = (day.month - 1) // 3 + 1
            first = 3 * quarter - 2
            return Period(
                date(day.year, first, 1), _month_start(day.year, first + 3), f"{day.year}-Q{quarter}"
            )
        case "year":
            return Period(date(day.year, 1, 1), date(day.year + 1, 1, 1), f"{day.year}")


def budget_period(label: str) -> Period:
    """A budget period from its label: ``2026``, ``2026-Q2`` or ``2026-05``."""
    match = _PERIOD.match(label)
    if match is None:
        raise ValueError(f"{label!r} is not a year (2026), quarter (2026-Q2) or month (2026-05)")
    year = int(match["year"])
    if match["quarter"]:
        return window_of("quarter", date(year, 3 * int(match["quarter"]) - 2, 1))
    if match["month"]:
        return window_of("month", date(year, int(match["month"]), 1))
    return window_of("year", date(year, 1, 1))
