"""Backfill requests and their progress, kept in the owning service's own database.

A platform admin asks a service to replay its stored history (from a date or from the start,
optionally only some event types or one organisation) to a Kafka topic. The request is a row in
``backfills``; the service's BackfillRunner picks it up, replays in global order (which keeps
every stream's order) and moves the row's checkpoint after each batch the broker acknowledged,
so a replay that crashed resumes where it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal
from uuid import UUID

from trellis_kernel.store.connections import Connection, Pool
from trellis_kernel.store.event_store import HistoryFilter
from trellis_kernel.store.records import Position

NOTIFY_CHANNEL: Final = "trellis_backfills"
TOPIC_PATTERN: Final = r"^[A-Za-z0-9._-]{1,249}$"
_TOPIC = re.compile(TOPIC_PATTERN)
DEFAULT_RATE: Final = 2000
MAX_RATE: Final = 100_000

State = Literal["requested", "running", "completed", "failed", "cancelled"]
OPEN_STATES: Final = ("requested", "running")

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS backfills (
    backfill_id                 uuid PRIMARY KEY,
    topic                       text NOT NULL,
    since                       timestamptz,
    event_types                 text[],
    organisation_id             text,
    rate_per_second             integer NOT NULL CHECK (rate_per_second > 0),
    state                       text NOT NULL DEFAULT 'requested',
    requested_by                text NOT NULL,
    requested_at                timestamptz NOT NULL DEFAULT now(),
    started_at                  timestamptz,
    finished_at                 timestamptz,
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    upper_transaction_id        bigint,
    upper_global_position       bigint,
    checkpoint_transaction_id   bigint NOT NULL DEFAULT 0,
    checkpoint_global_position  bigint NOT NULL DEFAULT 0,
    total                       bigint,
    published                   bigint NOT NULL DEFAULT 0,
    running_seconds             double precision NOT NULL DEFAULT 0,
    error                       text
)
"""


class BackfillConflict(Exception):
    """The backfill id is taken by a request with other content."""


class UnknownBackfill(LookupError):
    pass


@dataclass(frozen=True)
class BackfillRequest:
    """What to replay and where to."""

    backfill_id: UUID
    topic: str
    since: datetime | None = None
    event_types: frozenset[str] | None = None
    organisation_id: str | None = None
    rate_per_second: int = DEFAULT_RATE

    def __post_init__(self) -> None:
        if not _TOPIC.match(self.topic):
            raise ValueError(f"{self.topic!r} is not a Kafka topic name (letters, digits, '.', '_', '-')")
        if not 0 < self.rate_per_second <= MAX_RATE:
            raise ValueError(f"rate_per_second must be between 1 and {MAX_RATE}")
        if self.since is not None and self.since.tzinfo is None:
            raise ValueError("since must carry a UTC offset")
        if self.event_types is not None and not self.event_types:
            raise ValueError("event_types, when given, must name at least one type")

    @property
    def history(self) -> HistoryFilter:
        return HistoryFilter(self.since, self.event_types, self.organisation_id)


@dataclass(frozen=True)
class Backfill:
    """A backfill as it stands: the request, its state and its progress."""

    request: BackfillRequest
    state: State
    requested_by: str
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    upper_bound: Position | None
    checkpoint: Position
    total: int | None
    published: int
    running_seconds: float
    error: str | None

    @property
    def backfill_id(self) -> UUID:
        return self.request.backfill_id

    @property
    def rate(self) -> float | None:
        """Events published per second of running (over every run, resumed ones included)."""
        return self.published / self.running_seconds if self.running_seconds > 0 else None

    @property
    def percent(self) -> float | None:
        if self.total is None:
            return None
        return 100.0 if self.total == 0 else min(100.0, 100.0 * self.published / self.total)

    def describe(self) -> str:
        progress = f"{self.published}/{self.total if self.total is not None else '?'}"
        if self.percent is not None:
            progress += f" ({self.percent:.1f}%)"
        rate = f", {self.rate:.0f} events/s" if self.rate else ""
        error = f": {self.error}" if self.error else ""
        return f"{self.backfill_id}  {self.state}  {progress}{rate}  -> {self.request.topic}{error}"


_SELECT: Final = "SELECT * FROM backfills"


def _backfill(row: Any) -> Backfill:
    upper = None
    if row["upper_transaction_id"] is not None:
        upper = Position(row["upper_transaction_id"], row["upper_global_position"])
    return Backfill(
        request=BackfillRequest(
            backfill_id=row["backfill_id"],
            topic=row["topic"],
            since=row["since"],
            event_types=None if row["event_types"] is None else frozenset(row["event_types"]),
            organisation_id=row["organisation_id"],
            rate_per_second=row["rate_per_second"],
        ),
        state=row["state"],
        requested_by=row["requested_by"],
        requested_at=row["requested_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        upper_bound=upper,
        checkpoint=Position(row["checkpoint_transaction_id"], row["checkpoint_global_position"]),
        total=row["total"],
        published=row["published"],
        running_seconds=row["running_seconds"],
        error=row["error"],
    )


class Backfills:
    """Requests, progress and cancellation of a service's backfills (its database)."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    async def setup(self) -> None:
        async with self.pool.acquire() as connection:
            await setup(connection)

    async def request(self, request: BackfillRequest, *, requested_by: str) -> Backfill:
        """Record the request (the runner starts it); the same id with the same request answers the
        backfill as it stands, with another request BackfillConflict."""
        async with self.pool.acquire() as connection, connection.transaction():
            inserted = await connection.fetchrow(
                """
                INSERT INTO backfills (backfill_id, topic, since, event_types, organisation_id,
                                       rate_per_second, requested_by)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (backfill_id) DO NOTHING
                RETURNING *
                """,
                request.backfill_id,
                request.topic,
                request.since,
                None if request.event_types is None else sorted(request.event_types),
                request.organisation_id,
                request.rate_per_second,
                requested_by,
            )
            if inserted is not None:
                await connection.execute(
                    f"SELECT pg_notify('{NOTIFY_CHANNEL}', $1)", str(request.backfill_id)
                )
                return _backfill(inserted)
            existing = _backfill(
                await connection.fetchrow(f"{_SELECT} WHERE backfill_id = $1", request.backfill_id)
            )
        if existing.request != request:
            raise BackfillConflict(f"backfill {request.backfill_id} was requested with other content")
        return existing

    async def get(self, backfill_id: UUID) -> Backfill:
        row = await self.pool.fetchrow(f"{_SELECT} WHERE backfill_id = $1", backfill_id)
        if row is None:
            raise UnknownBackfill(f"there is no backfill {backfill_id}")
        return _backfill(row)

    async def listed(self) -> list[Backfill]:
        return [_backfill(row) for row in await self.pool.fetch(f"{_SELECT} ORDER BY requested_at DESC")]

    async def cancel(self, backfill_id: UUID) -> Backfill:
        """Stop a replay that has not finished (the runner stops after its current batch)."""
        row = await self.pool.fetchrow(
            """
            UPDATE backfills SET state = 'cancelled', finished_at = now(), updated_at = now()
            WHERE backfill_id = $1 AND state IN ('requested', 'running')
            RETURNING *
            """,
            backfill_id,
        )
        return _backfill(row) if row is not None else await self.get(backfill_id)


async def setup(connection: Connection) -> None:
    await connection.execute(SCHEMA)


async def open_backfills(connection: Connection) -> list[Backfill]:
    rows = await connection.fetch(f"{_SELECT} WHERE state IN ('requested', 'running') ORDER BY requested_at")
    return [_backfill(row) for row in rows]


async def current(connection: Connection, backfill_id: UUID) -> Backfill:
    return _backfill(await connection.fetchrow(f"{_SELECT} WHERE backfill_id = $1", backfill_id))


async def start(connection: Connection, backfill: Backfill, upper: Position, total: int) -> Backfill:
    """Fix the end of the history to replay (the horizon when it first starts) and its size."""
    row = await connection.fetchrow(
        """
        UPDATE backfills
           SET state = 'running', started_at = coalesce(started_at, now()), updated_at = now(),
               upper_transaction_id = coalesce(upper_transaction_id, $2),
               upper_global_position = coalesce(upper_global_position, $3),
               total = coalesce(total, $4)
         WHERE backfill_id = $1 AND state IN ('requested', 'running')
         RETURNING *
        """,
        backfill.backfill_id,
        upper.transaction_id,
        upper.global_position,
        total,
    )
    return _backfill(row) if row is not None else await current(connection, backfill.backfill_id)


async def advance(
    connection: Connection, backfill_id: UUID, checkpoint: Position, published: int, seconds: float
) -> State:
    """Move the checkpoint after an acknowledged batch; answers the state (cancelled: stop)."""
    state: State = await connection.fetchval(
        """
        UPDATE backfills
           SET checkpoint_transaction_id = $2, checkpoint_global_position = $3,
               published = published + $4, running_seconds = running_seconds + $5, updated_at = now()
         WHERE backfill_id = $1
         RETURNING state
        """,
        backfill_id,
        checkpoint.transaction_id,
        checkpoint.global_position,
        published,
        seconds,
    )
    return state


async def finish(connection: Connection, backfill_id: UUID, state: State, error: str | None = None) -> None:
    await connection.execute(
        """
        UPDATE backfills SET state = $2, error = $3, finished_at = now(), updated_at = now()
        WHERE backfill_id = $1 AND state IN ('requested', 'running')
        """,
        backfill_id,
        state,
        error,
    )


def utc_now() -> datetime:
    return datetime.now(UTC)
