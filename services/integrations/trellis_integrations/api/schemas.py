"""Request and response bodies of the integrations API."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from trellis_contracts.fields import NO_NUL_PATTERN, OpaqueId
from trellis_integrations.domain.endpoints import (
    MAX_IN_FLIGHT,
    MAX_TIMEOUT_SECONDS,
    MAX_URL_LENGTH,
    XAPI_EVENT_TYPES,
)
from trellis_integrations.domain.subscription import Configuration

Url = Annotated[str, StringConstraints(min_length=1, max_length=MAX_URL_LENGTH, pattern=NO_NUL_PATTERN)]
EventTypes = Annotated[list[str], Field(min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(max_length=500, pattern=NO_NUL_PATTERN)]
MaxInFlight = Annotated[
    int, Field(ge=1, le=MAX_IN_FLIGHT, description="Deliveries in flight at once, at most.")
]
Timeout = Annotated[float, Field(gt=0, le=MAX_TIMEOUT_SECONDS, description="Seconds an attempt may take.")]
Secret = Annotated[str, StringConstraints(pattern=r"^whsec_[A-Za-z0-9+/=]{32,100}$")]
Password = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=NO_NUL_PATTERN)]


class WebhookIn(BaseModel):
    subscription_id: OpaqueId | None = Field(default=None, description="Chosen by the client; retryable.")
    endpoint: Url = Field(
        description="The receiver's HTTPS URL.", examples=["https://payroll.example.com/trellis"]
    )
    event_types: EventTypes = Field(
        description="CloudEvents types to deliver.",
        examples=[
            [
                "dev.trellis.recognition.CompensationAdjustmentApproved.v2",
                "dev.trellis.recognition.RewardGranted.v2",
            ]
        ],
    )
    secret: Secret | None = Field(
        default=None, description="A whsec_ signing secret; one is generated if absent."
    )
    max_in_flight: MaxInFlight = 4
    timeout_seconds: Timeout = 10.0
    description: Description | None = None

    def configuration(self) -> Configuration:
        return subscription_configuration(self)


class XapiIn(BaseModel):
    subscription_id: OpaqueId | None = None
    endpoint: Url = Field(description="The LRS's xAPI endpoint (statements go to <endpoint>/statements).")
    username: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL_PATTERN)]
    password: Password
    home_page: Url = Field(
        description="The organisation's home page: the actor of a statement is an account there.",
        examples=["https://people.example.com"],
    )
    event_types: EventTypes = Field(default_factory=lambda: sorted(XAPI_EVENT_TYPES))
    max_in_flight: MaxInFlight = 4
    timeout_seconds: Timeout = 10.0
    description: Description | None = None

    def configuration(self) -> Configuration:
        return subscription_configuration(self, lrs_username=self.username, home_page=self.home_page)


class ConfigurationIn(BaseModel):
    endpoint: Url
    event_types: EventTypes
    max_in_flight: MaxInFlight = 4
    timeout_seconds: Timeout = 10.0
    username: (
        Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL_PATTERN)] | None
    ) = None
    home_page: Url | None = None
    description: Description | None = None
    expected_version: int | None = Field(default=None, ge=0)

    def configuration(self) -> Configuration:
        return subscription_configuration(self, lrs_username=self.username, home_page=self.home_page)


def subscription_configuration(
    body: WebhookIn | XapiIn | ConfigurationIn,
    *,
    lrs_username: str | None = None,
    home_page: str | None = None,
) -> Configuration:
    """What ``body`` chooses of where deliveries go and which events (an LRS account for xAPI)."""
    return Configuration(
        endpoint=body.endpoint,
        event_types=tuple(body.event_types),
        max_in_flight=body.max_in_flight,
        timeout_seconds=body.timeout_seconds,
        lrs_username=lrs_username,
        home_page=home_page,
        description=body.description,
    )


class RotationIn(BaseModel):
    secret: Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=NO_NUL_PATTERN)] | None = (
        Field(
            default=None,
            description="Webhook: the new whsec_ secret (generated if absent). xAPI: the LRS's new password (required).",
        )
    )
    overlap_seconds: int = Field(
        default=86400,
        ge=0,
        le=7 * 86400,
        description="How long the previous secret keeps signing beside the new.",
    )


class DisableIn(BaseModel):
    reason: Description | None = None


class BackfillIn(BaseModel):
    backfill_id: uuid.UUID | None = None
    service: Literal["goals", "feedback", "recognition"]
    since: AwareDatetime | None = None
    event_types: EventTypes | None = None


class Health(BaseModel):
    consecutive_failures: int | None
    failing_since: datetime | None
    last_success_at: datetime | None
    last_failure_at: datetime | None


class SubscriptionOut(BaseModel):
    subscription_id: str
    kind: Literal["webhook", "xapi"]
    endpoint: str
    event_types: list[str]
    max_in_flight: int
    timeout_seconds: float
    username: str | None
    home_page: str | None
    description: str | None
    status: Literal["active", "disabled", "removed"]
    disabled_reason: str | None = Field(description="gone (410), failing (a run of failures) or admin")
    disabled_detail: str | None
    disabled_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int
    health: Health
    deliveries: dict[str, int] = Field(
        description="Deliveries by status: pending, delivered, failed, cancelled."
    )

    @classmethod
    def of(cls, row: Any) -> SubscriptionOut:
        counts = row["deliveries"]
        return cls(
            subscription_id=row["subscription_id"],
            kind=row["kind"],
            endpoint=row["endpoint"],
            event_types=list(row["event_types"]),
            max_in_flight=row["max_in_flight"],
            timeout_seconds=row["timeout_seconds"],
            username=row["lrs_username"],
            home_page=row["home_page"],
            description=row["description"],
            status=row["status"],
            disabled_reason=row["disabled_reason"],
            disabled_detail=row["disabled_detail"],
            disabled_at=row["disabled_at"],
            created_by=row["created_by"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            version=row["version"],
            health=Health(
                consecutive_failures=row["consecutive_failures"],
                failing_since=row["failing_since"],
                last_success_at=row["last_success_at"],
                last_failure_at=row["last_failure_at"],
            ),
            deliveries=json.loads(counts) if isinstance(counts, str) else dict(counts),
        )


class SecretOut(BaseModel):
    secret_id: str
    secret: str
    created_at: datetime
    valid_until: datetime | None = Field(
        description="When a rotated-out secret stops signing; null: in force."
    )


class AttemptOut(BaseModel):
    attempt: int
    started_at: datetime
    latency_ms: float
    status_code: int | None
    outcome: str = Field(description="delivered, retry, gone, rejected or given up")
    error: str | None
    next_attempt_at: datetime | None


class DeliveryOut(BaseModel):
    delivery_id: int
    webhook_id: str = Field(
        description="The CloudEvent id: webhook-id of every attempt, statement id source."
    )
    event_type: str
    aggregate: str
    sequence: int
    backfill_id: uuid.UUID | None
    status: Literal["pending", "delivered", "failed", "cancelled"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
    attempt_log: list[AttemptOut]

    @classmethod
    def of(cls, row: Any) -> DeliveryOut:
        log = row["attempt_log"]
        return cls(
            delivery_id=row["delivery_id"],
            webhook_id=str(row["event_id"]),
            event_type=row["event_type"],
            aggregate=row["aggregate"],
            sequence=row["sequence"],
            backfill_id=row["backfill_id"],
            status=row["status"],
            attempts=row["attempts"],
            next_attempt_at=row["next_attempt_at"] if row["status"] == "pending" else None,
            last_status_code=row["last_status_code"],
            last_error=row["last_error"],
            created_at=row["created_at"],
            finished_at=row["finished_at"],
            attempt_log=[
                AttemptOut.model_validate(a) for a in (json.loads(log) if isinstance(log, str) else log)
            ],
        )


class ReplayRequest(BaseModel):
    """The body to POST to the owning service's /admin/backfills (or the `trellis backfill` flags)."""

    backfill_id: uuid.UUID
    topic: str
    organisation_id: str
    event_types: list[str]
    since: datetime | None


class BackfillOut(BaseModel):
    backfill_id: uuid.UUID
    subscription_id: str
    service: str
    event_types: list[str]
    since: datetime | None
    state: Literal["replaying", "replayed", "cancelled"] = Field(
        description="replaying: live deliveries wait; replayed: every replayed event is in the log"
    )
    partitions_done: int
    partitions: int | None
    received: int = Field(description="Replayed events that became deliveries (not those it already had).")
    announced_events: int | None = Field(description="Events the service says it replayed (all of them).")
    deliveries: dict[str, int]
    replay_request: ReplayRequest

    @classmethod
    def of(cls, row: Any, topic: str) -> BackfillOut:
        counts = row["deliveries"]
        return cls(
            backfill_id=row["backfill_id"],
            subscription_id=row["subscription_id"],
            service=row["service"],
            event_types=list(row["event_types"]),
            since=row["since"],
            state=row["state"],
            partitions_done=len(row["partitions_done"]),
            partitions=row["partitions"],
            received=sum(json.loads(counts).values())
            if isinstance(counts, str)
            else sum(dict(counts).values()),
            announced_events=row["announced_events"],
            deliveries=json.loads(counts) if isinstance(counts, str) else dict(counts),
            replay_request=ReplayRequest(
                backfill_id=row["backfill_id"],
                topic=topic,
                organisation_id=row["organisation_id"],
                event_types=list(row["event_types"]),
                since=row["since"],
            ),
        )
