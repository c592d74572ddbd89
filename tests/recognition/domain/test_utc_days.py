"""Policies, windows and budgets are dated in UTC, whatever the offset an event was written with
and whatever zone the server runs in."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone, tzinfo

import pytest

from trellis_kernel.decider import DomainError
from trellis_recognition.domain.rules import utc_day


@pytest.fixture
def server_in_auckland(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("server_in_auckland")
def test_the_day_of_a_moment_is_its_day_in_utc_on_any_server() -> None:
    berlin_after_midnight = datetime(2026, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert utc_day(berlin_after_midnight) == date(2026, 2, 28)
    new_york_evening = datetime(2026, 2, 28, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert utc_day(new_york_evening) == date(2026, 3, 1)


class _NoOffset(tzinfo):
    def utcoffset(self, dt: datetime | None) -> None:
        return None


@pytest.mark.parametrize("zone", [None, _NoOffset()])
def test_a_moment_without_an_offset_has_no_day(zone: tzinfo | None) -> None:
    with pytest.raises(DomainError) as raised:
        utc_day(datetime(2026, 3, 1, 12, 0, tzinfo=zone))
    assert (raised.value.field, raised.value.message) == (
        "occurred_at",
        "occurred_at must carry a UTC offset",
    )
