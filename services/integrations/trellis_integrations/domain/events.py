"""The events of a subscription's life, kept in the integrations service's own event store.

They are not published: no other service needs them, and a subscription's endpoint is the
organisation's business. Secrets never appear in them (only the id of the secret in force), so
that a rotated secret can be erased once its overlap ends; the event store keeps everything
forever.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from trellis_contracts.base import EventContract
from trellis_contracts.fields import OpaqueId, Text

SERVICE = "integrations"

Kind = Literal["webhook", "xapi"]
DisableReason = Literal["gone", "failing", "admin"]


class _SubscriptionEvent(EventContract):
    service: ClassVar[str] = SERVICE

    subscription_id: OpaqueId
    organisation_id: OpaqueId
    occurred_at: AwareDatetime


class SubscriptionCreated(_SubscriptionEvent):
    """An HR or platform admin subscribed an endpoint to event types of their organisation."""

    kind: Kind
    endpoint: Text = Field(description="The webhook URL, or the LRS's xAPI endpoint.")
    event_types: tuple[str, ...]
    max_in_flight: int = Field(ge=1)
    timeout_seconds: float = Field(gt=0)
    secret_id: OpaqueId = Field(description="The signing secret (webhook) or LRS password (xapi) in force.")
    lrs_username: Text | None = None
    home_page: Text | None = Field(
        default=None, description="The organisation's home page, for xAPI accounts."
    )
    description: Text | None = None
    created_by: OpaqueId


class SubscriptionReconfigured(_SubscriptionEvent):
    endpoint: Text
    event_types: tuple[str, ...]
    max_in_flight: int = Field(ge=1)
    timeout_seconds: float = Field(gt=0)
    lrs_username: Text | None = None
    home_page: Text | None = None
    description: Text | None = None
    changed_by: OpaqueId


class SecretRotated(_SubscriptionEvent):
    """A new secret signs (or authenticates) from now on; the previous one goes on signing
    beside it until ``previous_valid_until`` (no overlap: None)."""

    secret_id: OpaqueId
    previous_secret_id: OpaqueId
    previous_valid_until: AwareDatetime | None = None
    rotated_by: OpaqueId


class SubscriptionDisabled(_SubscriptionEvent):
    """Deliveries stop (and wait, none is dropped) until an admin enables it again: the receiver
    answered 410 Gone, its deliveries failed for too long, or an admin said so."""

    reason: DisableReason
    detail: Text
    disabled_by: OpaqueId


class SubscriptionEnabled(_SubscriptionEvent):
    enabled_by: OpaqueId


class SubscriptionRemoved(_SubscriptionEvent):
    removed_by: OpaqueId


SUBSCRIPTION_EVENTS: tuple[type[EventContract], ...] = (
    SubscriptionCreated,
    SubscriptionReconfigured,
    SecretRotated,
    SubscriptionDisabled,
    SubscriptionEnabled,
    SubscriptionRemoved,
)

SubscriptionEvent = (
    SubscriptionCreated
    | SubscriptionReconfigured
    | SecretRotated
    | SubscriptionDisabled
    | SubscriptionEnabled
    | SubscriptionRemoved
)
