"""Back-off: exponential with jitter, over more than a day; when a subscription is disabled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from trellis_integrations.domain.retries import RetryPolicy

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def test_the_default_schedule_retries_with_growing_waits_for_more_than_a_day() -> None:
    policy = RetryPolicy()
    waits = policy.schedule()
    assert waits[:4] == [5.0, 10.0, 20.0, 40.0]
    assert max(waits) == policy.max_delay
    assert sum(waits) >= 24 * 3600
    assert 14 <= len(waits) <= 20


@pytest.mark.parametrize("spread", [-1.0, -0.3, 0.0, 0.7, 1.0])
def test_jitter_keeps_each_wait_within_its_band(spread: float) -> None:
    policy = RetryPolicy(jitter=0.25)
    for retry in range(1, 12):
        base = min(policy.max_delay, policy.first_delay * 2 ** (retry - 1))
        assert base * 0.75 <= policy.delay(retry, spread) <= base * 1.25


def test_a_delivery_is_given_up_once_its_window_has_passed() -> None:
    policy = RetryPolicy(window=26 * 3600)
    assert policy.next_attempt(T0, T0 + timedelta(hours=25), 15, 0.0) is not None
    assert policy.next_attempt(T0, T0 + timedelta(hours=26), 16, 0.0) is None


def test_a_run_of_failures_disables_only_when_long_enough_in_count_and_time() -> None:
    policy = RetryPolicy(disable_after_failures=15, disable_after=24 * 3600)
    assert not policy.should_disable(100, T0, T0 + timedelta(hours=2))  # a short outage
    assert not policy.should_disable(3, T0, T0 + timedelta(days=3))  # few attempts
    assert policy.should_disable(15, T0, T0 + timedelta(hours=24))
