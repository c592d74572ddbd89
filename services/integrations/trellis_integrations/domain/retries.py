"""When a failed delivery is tried again, when it is given up, and when a subscription is disabled.

Exponential back-off with jitter: the n-th retry waits ``first_delay * factor**(n-1)`` seconds,
at most ``max_delay``, each wait spread by +/- ``jitter`` so that receivers coming back from an
outage are not hit by every retry at once. A delivery is tried until ``window`` has passed since
its first attempt (by default 26 hours, about 17 attempts), then given up; a later event of its
aggregate is then delivered. A subscription is disabled after a run of failed attempts with no
success between them that is both ``disable_after_failures`` long and ``disable_after`` old, or
at once when its receiver answers 410 Gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Outcome = Literal["delivered", "retry", "gone", "rejected"]
"""What an attempt ended with: delivered (2xx; for xAPI also "already stored"); retry (5xx, 429,
a timeout, a refused connection, any other answer); gone (410: disable the subscription, keep the
delivery); rejected (the receiver can never take it, e.g. an LRS refusing the statement: give up)."""


@dataclass(frozen=True)
class RetryPolicy:
    first_delay: float = 5.0
    factor: float = 2.0
    max_delay: float = 4 * 3600.0
    jitter: float = 0.25
    window: float = 26 * 3600.0
    disable_after_failures: int = 15
    disable_after: float = 24 * 3600.0

    def __post_init__(self) -> None:
        if self.first_delay <= 0 or self.factor < 1 or self.max_delay < self.first_delay:
            raise ValueError("back-off delays must be positive and grow")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be a fraction below 1")

    def delay(self, retry: int, spread: float) -> float:
        """Seconds before retry number ``retry`` (1 = the first retry); ``spread`` in [-1, 1]
        picks where in the jitter band it falls (a random number, from the caller)."""
        if retry < 1:
            raise ValueError("retries count from 1")
        base = min(self.max_delay, self.first_delay * self.factor ** (retry - 1))
        return base * (1 + self.jitter * max(-1.0, min(1.0, spread)))

    def next_attempt(
        self, first_attempt: datetime, now: datetime, retry: int, spread: float
    ) -> datetime | None:
        """When to try again after a failed attempt, or None: give the delivery up."""
        if (now - first_attempt).total_seconds() >= self.window:
            return None
        return now + timedelta(seconds=self.delay(retry, spread))

    def should_disable(self, consecutive_failures: int, failing_since: datetime, now: datetime) -> bool:
        return (
            consecutive_failures >= self.disable_after_failures
            and (now - failing_since).total_seconds() >= self.disable_after
        )

    def schedule(self, spread: float = 0.0) -> list[float]:
        """The waits before each retry until the window closes (for documentation and tests)."""
        waits: list[float] = []
        elapsed = 0.0
        while elapsed < self.window:
            wait = self.delay(len(waits) + 1, spread)
            waits.append(wait)
            elapsed += wait
        return waits
