"""What the dispatcher hands a transport (webhook or xAPI) and what it gets back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from trellis_integrations.domain.retries import Outcome

MAX_ERROR = 500
MAX_RESPONSE_EXCERPT = 300


@dataclass(frozen=True)
class Target:
    """A subscription as the dispatcher delivers to it."""

    organisation_id: str
    subscription_id: str
    kind: str
    endpoint: str
    timeout_seconds: float
    max_in_flight: int
    secrets: tuple[str, ...]
    """Newest first: during a rotation's overlap both secrets sign (the LRS password: the newest)."""
    lrs_username: str | None
    home_page: str | None


@dataclass(frozen=True)
class PendingDelivery:
    delivery_id: int
    event_id: UUID
    event_type: str
    body: str
    attempts: int
    first_attempt_at: datetime | None
    backfill_id: UUID | None
    aggregate: str
    sequence: int


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    started_at: datetime
    latency_ms: float
    status_code: int | None = None
    error: str | None = None


class Transport(Protocol):
    async def deliver(self, target: Target, delivery: PendingDelivery) -> Attempt: ...


def short(text: str, limit: int = MAX_ERROR) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
