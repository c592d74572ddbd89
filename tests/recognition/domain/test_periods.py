"""The calendar windows counts, limits and budgets are taken over: each starts on its first day,
ends before the first day of the next, and is named the way budgets are labelled."""

from __future__ import annotations

from datetime import date

import pytest

from trellis_recognition.domain.periods import Period, budget_period, window_of


@pytest.mark.parametrize(
    ("window", "day", "expected"),
    [
        ("week", date(2026, 1, 1), Period(date(2025, 12, 29), date(2026, 1, 5), "2026-W01")),
        ("week", date(2026, 3, 8), Period(date(2026, 3, 2), date(2026, 3, 9), "2026-W10")),
        ("month", date(2026, 2, 28), Period(date(2026, 2, 1), date(2026, 3, 1), "2026-02")),
        ("month", date(2026, 12, 31), Period(date(2026, 12, 1), date(2027, 1, 1), "2026-12")),
        ("quarter", date(2026, 6, 30), Period(date(2026, 4, 1), date(2026, 7, 1), "2026-Q2")),
        ("quarter", date(2026, 11, 15), Period(date(2026, 10, 1), date(2027, 1, 1), "2026-Q4")),
        ("year", date(2026, 7, 4), Period(date(2026, 1, 1), date(2027, 1, 1), "2026")),
    ],
)
def test_a_window_runs_from_its_first_day_to_the_first_day_of_the_next(
    window: str, day: date, expected: Period
) -> None:
    period = window_of(window, day)  # type: ignore[arg-type]
    assert period == expected
    assert period.start in period and day in period and period.end not in period


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2026", date(2026, 1, 1), date(2027, 1, 1)),
        ("2026-Q1", date(2026, 1, 1), date(2026, 4, 1)),
        ("2026-Q2", date(2026, 4, 1), date(2026, 7, 1)),
        ("2026-Q4", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026-01", date(2026, 1, 1), date(2026, 2, 1)),
        ("2026-11", date(2026, 11, 1), date(2026, 12, 1)),
        ("2026-12", date(2026, 12, 1), date(2027, 1, 1)),
    ],
)
def test_a_budget_period_is_the_window_its_label_names(label: str, start: date, end: date) -> None:
    assert budget_period(label) == Period(start, end, label)


@pytest.mark.parametrize("label", ["26", "2026-Q5", "2026-13", "2026-1", "2026-W10"])
def test_a_budget_period_is_a_year_a_quarter_or_a_month(label: str) -> None:
    with pytest.raises(ValueError, match="is not a year"):
        budget_period(label)
