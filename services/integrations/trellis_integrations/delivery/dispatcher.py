"""The dispatcher: works through the pending deliveries, every aggregate in order, every
subscription within its own limits.

A *lane* is one subscription's deliveries of one aggregate. Only a lane's head (lowest stream
version) is ever delivered, and a lane is worked by one task at a time: the task leases the head,
delivers it, and in the transaction that records the outcome leases the lane's next delivery,
so the lane passes from delivery to delivery without anyone else taking it. A later event of an
aggregate therefore waits until the earlier one is delivered or given up (or, after 410 Gone,
until the subscription is enabled again).

Limits keep a bad receiver from holding back the others: a subscription has at most
``max_in_flight`` lanes in flight and each attempt at most ``timeout_seconds``; the process has
at most ``max_concurrent`` attempts in flight in all, and other subscriptions' lanes are chosen
when one subscription is at its limit.

Leases (not open transactions: one open transaction would hold back every relay reading this
PostgreSQL cluster) say who works a lane: a delivery is leased for its timeout plus a margin;
a replica that dies leaves leases that expire, and the delivery is tried again (at least once;
the receiver deduplicates on ``webhook-id``).

While a backfill for a subscription is being replayed, its live deliveries wait (only the
replayed ones go out); once the replay is in, each lane goes out in stream order, old and new
alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import asyncpg

from trellis_integrations.delivery.metrics import DELIVERIES, DELIVERY_SECONDS
from trellis_integrations.delivery.tables import NOTIFY_CHANNEL
from trellis_integrations.delivery.transport import Attempt, PendingDelivery, Target, Transport
from trellis_integrations.domain.events import DisableReason
from trellis_integrations.domain.retries import RetryPolicy
from trellis_kernel.store import ConcurrencyConflict, Connection, Pool, StaleTransaction

logger = logging.getLogger(__name__)

Key = tuple[str, str]  # (organisation_id, subscription_id)
TARGET_TTL: Final = 1.0  # seconds a lane may act on a subscription's configuration as it read it
Disabler = Callable[[Connection, Target, DisableReason, str, datetime], Awaitable[bool]]
"""Disables the subscription in the caller's transaction; False when it already was."""

_NOT_HELD: Final = """(
    {d}.backfill_id IS NOT NULL OR NOT EXISTS (
        SELECT FROM backfill_jobs j
        WHERE j.organisation_id = {d}.organisation_id AND j.subscription_id = {d}.subscription_id
          AND j.state = 'replaying'
    )
)"""

_CANDIDATES: Final = f"""
WITH heads AS (
    SELECT DISTINCT ON (d.organisation_id, d.subscription_id, d.aggregate)
           d.delivery_id, d.organisation_id, d.subscription_id, d.aggregate, d.next_attempt_at,
           d.backfill_id, d.leased_until
    FROM deliveries d
    WHERE d.status = 'pending'
      AND NOT (d.organisation_id || '/' || d.subscription_id = ANY($3::text[]))  -- at their limit
    ORDER BY d.organisation_id, d.subscription_id, d.aggregate, d.sequence, d.delivery_id
)
SELECT h.delivery_id, h.organisation_id, h.subscription_id, s.max_in_flight
FROM heads h
JOIN subscriptions s USING (organisation_id, subscription_id)
WHERE s.status = 'active'
  AND h.next_attempt_at <= $1
  AND (h.leased_until IS NULL OR h.leased_until <= $1)
  AND NOT EXISTS (
      SELECT FROM deliveries busy
      WHERE busy.organisation_id = h.organisation_id AND busy.subscription_id = h.subscription_id
        AND busy.aggregate = h.aggregate AND busy.status = 'pending' AND busy.leased_until > $1
  )
  AND {_NOT_HELD.format(d="h")}
ORDER BY h.next_attempt_at, h.delivery_id
LIMIT $2
"""

_LEASE: Final = """
WITH leased AS (
    UPDATE deliveries d
       SET leased_until = $2 + make_interval(secs => s.timeout_seconds + $3), leased_by = $4
      FROM subscriptions s
     WHERE d.delivery_id = ANY($1::bigint[]) AND d.status = 'pending'
       AND (d.leased_until IS NULL OR d.leased_until <= $2)
       AND s.organisation_id = d.organisation_id AND s.subscription_id = d.subscription_id
    RETURNING d.*
)
SELECT leased.*, e.body FROM leased JOIN delivery_events e USING (event_id)
"""

# Recording an attempt is one statement (a round trip, committed on its own): the delivery's new
# state, the attempt in the log, the subscription's run of failures, and, when the delivery is
# finished, the lease of its lane's next delivery (the same snapshot still sees this one pending,
# hence "delivery_id <> $1").
_SETTLE: Final = f"""
WITH done AS (
    UPDATE deliveries
       SET status = $3, attempts = $4, first_attempt_at = $5, next_attempt_at = $6,
           leased_until = NULL, leased_by = NULL, last_status_code = $7, last_error = $8,
           finished_at = CASE WHEN $3 IN ('delivered', 'failed') THEN $9::timestamptz END
     WHERE delivery_id = $1 AND leased_by = $2 AND status = 'pending'
    RETURNING delivery_id, organisation_id, subscription_id, aggregate
), attempt AS (
    INSERT INTO delivery_attempts (delivery_id, attempt, started_at, latency_ms, status_code, outcome,
                                   error, next_attempt_at)
    SELECT delivery_id, $4, $10, $11, $7, $12, $8, $13 FROM done
), health AS (
    INSERT INTO subscription_health AS h (organisation_id, subscription_id, consecutive_failures,
                                          failing_since, last_success_at, last_failure_at)
    SELECT organisation_id, subscription_id,
           CASE WHEN $14 = 'failure' THEN 1 ELSE 0 END,
           CASE WHEN $14 = 'failure' THEN $9::timestamptz END,
           CASE WHEN $14 = 'success' THEN $9::timestamptz END,
           CASE WHEN $14 = 'failure' THEN $9::timestamptz END
    FROM done
    ON CONFLICT (organisation_id, subscription_id) DO UPDATE SET
        consecutive_failures = CASE $14 WHEN 'success' THEN 0 WHEN 'failure' THEN h.consecutive_failures + 1
                                        ELSE h.consecutive_failures END,
        failing_since = CASE $14 WHEN 'success' THEN NULL WHEN 'failure' THEN coalesce(h.failing_since, $9)
                                 ELSE h.failing_since END,
        last_success_at = CASE WHEN $14 = 'success' THEN $9 ELSE h.last_success_at END,
        last_failure_at = CASE WHEN $14 = 'failure' THEN $9 ELSE h.last_failure_at END
    RETURNING consecutive_failures, failing_since
), head AS (
    SELECT d.delivery_id, d.next_attempt_at, d.leased_until FROM deliveries d, done
    WHERE $3 IN ('delivered', 'failed')
      AND d.organisation_id = done.organisation_id AND d.subscription_id = done.subscription_id
      AND d.aggregate = done.aggregate AND d.status = 'pending' AND d.delivery_id <> $1
      AND {_NOT_HELD.format(d="d")}
    ORDER BY d.sequence, d.delivery_id
    LIMIT 1
), leased AS (
    UPDATE deliveries d
       SET leased_until = $9 + make_interval(secs => s.timeout_seconds + $15), leased_by = $2
      FROM head, subscriptions s
     WHERE d.delivery_id = head.delivery_id AND head.next_attempt_at <= $9
       AND (head.leased_until IS NULL OR head.leased_until <= $9)
       AND s.organisation_id = d.organisation_id AND s.subscription_id = d.subscription_id
       AND s.status = 'active'
    RETURNING d.*
)
SELECT (SELECT count(*) FROM done) AS settled,
       (SELECT consecutive_failures FROM health) AS consecutive_failures,
       (SELECT failing_since FROM health) AS failing_since,
       leased.delivery_id AS next_id, leased.event_id AS next_event_id, leased.event_type AS next_event_type,
       leased.attempts AS next_attempts, leased.first_attempt_at AS next_first_attempt_at,
       leased.backfill_id AS next_backfill_id, leased.sequence AS next_sequence, e.body AS next_body
FROM (SELECT 1) AS one
LEFT JOIN leased ON true
LEFT JOIN delivery_events e ON e.event_id = leased.event_id
"""

_TARGET: Final = """
SELECT s.organisation_id, s.subscription_id, s.kind, s.endpoint, s.timeout_seconds, s.max_in_flight,
       s.lrs_username, s.home_page, s.status,
       ARRAY(SELECT secret FROM subscription_secrets k
             WHERE k.organisation_id = s.organisation_id AND k.subscription_id = s.subscription_id
               AND (k.valid_until IS NULL OR k.valid_until > $3)
             ORDER BY k.created_at DESC) AS secrets
FROM subscriptions s WHERE s.organisation_id = $1 AND s.subscription_id = $2
"""


class Throttle:
    """At most ``rate`` takes a second, shared by every task of the process that takes."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = time.monotonic()

    async def take(self) -> None:
        now = time.monotonic()
        wait = self._next - now
        self._next = max(now, self._next) + self._interval
        if wait > 0:
            await asyncio.sleep(wait)


@dataclass(frozen=True)
class DispatcherSettings:
    max_concurrent: int = 64
    backfill_per_second: float = 100.0
    """Deliveries of replayed events a second, at most: a backfill leaves the process room for
    live deliveries."""
    lease_margin: float = 30.0
    poll_interval: float = 1.0
    maintenance_interval: float = 60.0
    retention: timedelta = timedelta(days=30)
    stop_grace: float = 10.0


def _pending(row: Any) -> PendingDelivery:
    return PendingDelivery(
        delivery_id=row["delivery_id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        body=row["body"],
        attempts=row["attempts"],
        first_attempt_at=row["first_attempt_at"],
        backfill_id=row["backfill_id"],
        aggregate=row["aggregate"],
        sequence=row["sequence"],
    )


class Dispatcher:
    def __init__(
        self,
        *,
        pool: Pool,
        dsn: str,
        transports: Mapping[str, Transport],
        policy: RetryPolicy,
        disable: Disabler,
        clock: Callable[[], datetime],
        settings: DispatcherSettings = DispatcherSettings(),
        spread: Callable[[], float] = lambda: random.uniform(-1.0, 1.0),
    ) -> None:
        self._pool = pool
        self._dsn = dsn
        self._transports = transports
        self._policy = policy
        self._disable = disable
        self._clock = clock
        self.settings = settings
        self._spread = spread
        self.worker = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"
        self._in_flight: Counter[Key] = Counter()
        self._caps: dict[Key, int] = {}
        self._targets: dict[Key, tuple[Target | None, float]] = {}
        self._backfill_throttle = Throttle(settings.backfill_per_second)
        self._lanes: set[asyncio.Task[None]] = set()
        self._woken = asyncio.Event()
        self._stopping = asyncio.Event()
        self._maintained = 0.0
        self.attempts = 0  # attempts made since start

    def wake(self) -> None:
        self._woken.set()

    async def run(self) -> None:
        listener = await asyncpg.connect(self._dsn)
        try:
            await listener.add_listener(NOTIFY_CHANNEL, lambda *_: self._woken.set())
            while not self._stopping.is_set():
                self._woken.clear()
                claimed = 0
                try:
                    claimed = await self._schedule()
                    await self._maintain()
                    wait = 0.0 if claimed else await self._until_next_due()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("dispatcher: a round failed; trying again")
                    wait = self.settings.poll_interval
                if wait > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._woken.wait(), wait)
        finally:
            await self._finish_lanes()
            await listener.close()

    async def stop(self, task: asyncio.Task[None]) -> None:
        self._stopping.set()
        self._woken.set()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, self.settings.stop_grace + 1)

    async def _finish_lanes(self) -> None:
        """Let attempts in flight end (their outcome is recorded), within the grace period."""
        if self._lanes:
            _, late = await asyncio.wait(set(self._lanes), timeout=self.settings.stop_grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    # --- choosing lanes -------------------------------------------------------------------------

    async def _schedule(self) -> int:
        free = self.settings.max_concurrent - len(self._lanes)
        if free <= 0:
            return 0
        now = self._clock()
        full = [
            f"{org}/{sub}"
            for (org, sub), n in self._in_flight.items()
            if n > 0 and n >= self._caps.get((org, sub), 1)
        ]
        rows = await self._pool.fetch(_CANDIDATES, now, free * 4, full)
        chosen: list[int] = []
        taking: Counter[Key] = Counter()
        for row in rows:
            key = (row["organisation_id"], row["subscription_id"])
            self._caps[key] = row["max_in_flight"]
            if self._in_flight[key] + taking[key] >= row["max_in_flight"] or len(chosen) >= free:
                continue
            taking[key] += 1
            chosen.append(row["delivery_id"])
        if not chosen:
            return 0
        leased = await self._pool.fetch(_LEASE, chosen, now, self.settings.lease_margin, self.worker)
        for row in leased:
            self._start_lane((row["organisation_id"], row["subscription_id"]), _pending(row))
        return len(leased)

    def _start_lane(self, key: Key, delivery: PendingDelivery) -> None:
        self._in_flight[key] += 1
        task = asyncio.get_running_loop().create_task(self._lane(key, delivery), name=f"lane {key}")
        self._lanes.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._lanes.discard(finished)
            self._in_flight[key] -= 1
            self._woken.set()

        task.add_done_callback(done)

    async def _until_next_due(self) -> float:
        now = self._clock()
        due: datetime | None = await self._pool.fetchval(
            "SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending' AND next_attempt_at > $1",
            now,
        )
        if due is None:
            return self.settings.poll_interval
        return max(0.001, min(self.settings.poll_interval, (due - now).total_seconds()))

    # --- a lane -----------------------------------------------------------------------------------

    async def _lane(self, key: Key, first: PendingDelivery) -> None:
        delivery: PendingDelivery | None = first
        try:
            while delivery is not None:
                target = await self._cached_target(key)
                if target is None or self._stopping.is_set():
                    await self._release(delivery)
                    return
                if delivery.backfill_id is not None:
                    await self._backfill_throttle.take()
                attempt = await self._transports[target.kind].deliver(target, delivery)
                self.attempts += 1
                DELIVERIES.labels(target.kind, attempt.outcome).inc()
                DELIVERY_SECONDS.labels(target.kind).observe(attempt.latency_ms / 1000)
                delivery = await self._settle(target, delivery, attempt)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The lease runs out and the delivery is tried again: nothing is lost.
            logger.exception("dispatcher: a delivery of %s failed unexpectedly", key)

    async def _cached_target(self, key: Key) -> Target | None:
        """The subscription as it was at most a second ago (a change reaches lanes within it)."""
        cached = self._targets.get(key)
        if cached is not None and time.monotonic() - cached[1] < TARGET_TTL:
            return cached[0]
        target = await self._target(key)
        self._targets[key] = (target, time.monotonic())
        return target

    async def _target(self, key: Key) -> Target | None:
        row = await self._pool.fetchrow(_TARGET, *key, self._clock())
        if row is None or row["status"] != "active" or not row["secrets"]:
            return None
        return Target(
            organisation_id=row["organisation_id"],
            subscription_id=row["subscription_id"],
            kind=row["kind"],
            endpoint=row["endpoint"],
            timeout_seconds=row["timeout_seconds"],
            max_in_flight=row["max_in_flight"],
            secrets=tuple(row["secrets"]),
            lrs_username=row["lrs_username"],
            home_page=row["home_page"],
        )

    async def _release(self, delivery: PendingDelivery) -> None:
        await self._pool.execute(
            "UPDATE deliveries SET leased_until = NULL, leased_by = NULL WHERE delivery_id = $1 AND leased_by = $2",
            delivery.delivery_id,
            self.worker,
        )

    async def _settle(
        self, target: Target, delivery: PendingDelivery, attempt: Attempt
    ) -> PendingDelivery | None:
        """Record the attempt and what follows from it in one statement; return the lane's next
        delivery, leased, when this one is finished and the next is due; disable the subscription
        after 410 Gone or a long enough run of failures."""
        now = self._clock()
        number = delivery.attempts + 1
        first = delivery.first_attempt_at or attempt.started_at
        status, next_at = "pending", now
        if attempt.outcome == "delivered":
            status = "delivered"
        elif attempt.outcome == "rejected":
            status = "failed"
        elif attempt.outcome == "retry":
            retry_at = self._policy.next_attempt(first, now, number, self._spread())
            if retry_at is None:
                status = "failed"
            else:
                next_at = retry_at
        row = await self._pool.fetchrow(
            _SETTLE,
            delivery.delivery_id,
            self.worker,
            status,
            number,
            first,
            next_at,
            attempt.status_code,
            attempt.error,
            now,
            attempt.started_at,
            attempt.latency_ms,
            "given up" if status == "failed" else attempt.outcome,
            next_at if status == "pending" and attempt.outcome == "retry" else None,
            {"delivered": "success", "rejected": "neither"}.get(attempt.outcome, "failure"),
            self.settings.lease_margin,
        )
        assert row is not None
        if not row["settled"]:
            return None  # our lease ran out and another replica took the delivery over
        disable: tuple[DisableReason, str] | None = None
        if attempt.outcome == "gone":
            disable = ("gone", f"the receiver answered {attempt.status_code} Gone")
        elif attempt.outcome == "retry" and self._policy.should_disable(
            row["consecutive_failures"], row["failing_since"], now
        ):
            hours = (now - row["failing_since"]).total_seconds() / 3600
            disable = (
                "failing",
                f"{row['consecutive_failures']} attempts in a row failed over {hours:.1f} hours, "
                f"the last: {attempt.error or attempt.status_code}",
            )
        if disable is not None:
            await self._disable_subscription(target, *disable, now)
            return None
        if row["next_id"] is None:
            return None
        return PendingDelivery(
            delivery_id=row["next_id"],
            event_id=row["next_event_id"],
            event_type=row["next_event_type"],
            body=row["next_body"],
            attempts=row["next_attempts"],
            first_attempt_at=row["next_first_attempt_at"],
            backfill_id=row["next_backfill_id"],
            aggregate=delivery.aggregate,
            sequence=row["next_sequence"],
        )

    async def _disable_subscription(
        self, target: Target, reason: DisableReason, detail: str, now: datetime
    ) -> None:
        """In a transaction of its own, after the attempt was recorded: should it fail, the
        delivery is still pending, and its next attempt comes to the same verdict."""
        for _ in range(10):
            try:
                async with self._pool.acquire() as connection, connection.transaction():
                    if await self._disable(connection, target, reason, detail, now):
                        logger.warning(
                            "subscription %s/%s disabled: %s",
                            target.organisation_id,
                            target.subscription_id,
                            detail,
                        )
                return
            except (ConcurrencyConflict, StaleTransaction):
                continue

    # --- housekeeping -----------------------------------------------------------------------------

    async def _maintain(self) -> None:
        """Erase secrets whose overlap ended, and finished deliveries older than the retention."""
        if time.monotonic() - self._maintained < self.settings.maintenance_interval:
            return
        self._maintained = time.monotonic()
        now = self._clock()
        cutoff = now - self.settings.retention
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute("DELETE FROM subscription_secrets WHERE valid_until <= $1", now)
            await connection.execute(
                """
                WITH old AS (DELETE FROM deliveries WHERE finished_at < $1 RETURNING delivery_id)
                DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT delivery_id FROM old)
                """,
                cutoff,
            )
            await connection.execute(
                """
                DELETE FROM delivery_events e WHERE e.received_at < $1
                   AND NOT EXISTS (SELECT FROM deliveries d WHERE d.event_id = e.event_id)
                """,
                cutoff,
            )
