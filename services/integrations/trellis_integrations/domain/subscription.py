"""A subscription's life: created, reconfigured, its secret rotated, disabled, enabled, removed.

Pure: decide(command, state) -> events, evolve(state, event) -> state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from trellis_integrations.domain.endpoints import (
    HTTPS_ONLY,
    EndpointRules,
    check_event_types,
    check_limits,
    check_url,
)
from trellis_integrations.domain.events import (
    DisableReason,
    Kind,
    SecretRotated,
    SubscriptionCreated,
    SubscriptionDisabled,
    SubscriptionEnabled,
    SubscriptionEvent,
    SubscriptionReconfigured,
    SubscriptionRemoved,
)
from trellis_kernel.decider import Decider, DomainError

Status = Literal["active", "disabled", "removed"]


@dataclass(frozen=True)
class Configuration:
    """Where deliveries go and which events: what an admin chooses."""

    endpoint: str
    event_types: tuple[str, ...]
    max_in_flight: int = 4
    timeout_seconds: float = 10.0
    lrs_username: str | None = None
    home_page: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    organisation_id: str
    kind: Kind
    configuration: Configuration
    secret_id: str
    status: Status = "active"
    disabled_reason: DisableReason | None = None
    disabled_detail: str | None = None


SubscriptionState = Subscription | None


@dataclass(frozen=True)
class CreateSubscription:
    subscription_id: str
    organisation_id: str
    kind: Kind
    configuration: Configuration
    secret_id: str
    by: str
    now: datetime
    rules: EndpointRules = HTTPS_ONLY


@dataclass(frozen=True)
class Reconfigure:
    configuration: Configuration
    by: str
    now: datetime
    rules: EndpointRules = HTTPS_ONLY


@dataclass(frozen=True)
class RotateSecret:
    secret_id: str
    previous_valid_until: datetime | None
    by: str
    now: datetime


@dataclass(frozen=True)
class Disable:
    reason: DisableReason
    detail: str
    by: str
    now: datetime


@dataclass(frozen=True)
class Enable:
    by: str
    now: datetime


@dataclass(frozen=True)
class Remove:
    by: str
    now: datetime


SubscriptionCommand = CreateSubscription | Reconfigure | RotateSecret | Disable | Enable | Remove


class SubscriptionExists(DomainError):
    """The id is taken by a subscription configured otherwise (an HTTP API answers 409)."""


def checked(kind: Kind, configuration: Configuration, rules: EndpointRules) -> Configuration:
    """The configuration as it will be kept, or a DomainError naming the field at fault."""
    xapi = kind == "xapi"
    check_url(configuration.endpoint, rules, field="endpoint")
    check_limits(configuration.max_in_flight, configuration.timeout_seconds)
    event_types = check_event_types(configuration.event_types, xapi=xapi)
    if xapi:
        if not configuration.lrs_username:
            raise DomainError("the LRS needs a username (HTTP basic authentication)", field="lrs_username")
        if not configuration.home_page:
            raise DomainError("xAPI accounts need the organisation's home page", field="home_page")
        check_url(configuration.home_page, EndpointRules(loopback_http=True), field="home_page")
    elif configuration.lrs_username or configuration.home_page:
        raise DomainError("only an xAPI subscription has an LRS username and a home page", field="kind")
    return replace(configuration, event_types=event_types)


def decide(command: SubscriptionCommand, state: SubscriptionState) -> list[SubscriptionEvent]:
    if isinstance(command, CreateSubscription):
        return _create(command, state)
    if state is None:
        raise DomainError("there is no such subscription")
    if state.status == "removed":
        raise DomainError("the subscription was removed")
    if isinstance(command, Reconfigure):
        configuration = checked(state.kind, command.configuration, command.rules)
        if configuration == state.configuration:
            return []
        return [
            SubscriptionReconfigured(
                subscription_id=state.subscription_id,
                organisation_id=state.organisation_id,
                occurred_at=command.now,
                changed_by=command.by,
                **_fields(configuration),
            )
        ]
    if isinstance(command, RotateSecret):
        if command.previous_valid_until is not None and command.previous_valid_until < command.now:
            raise DomainError("the previous secret's overlap cannot end in the past", field="overlap_seconds")
        return [
            SecretRotated(
                subscription_id=state.subscription_id,
                organisation_id=state.organisation_id,
                occurred_at=command.now,
                secret_id=command.secret_id,
                previous_secret_id=state.secret_id,
                previous_valid_until=command.previous_valid_until,
                rotated_by=command.by,
            )
        ]
    if isinstance(command, Disable):
        if state.status == "disabled":
            return []
        return [
            SubscriptionDisabled(
                subscription_id=state.subscription_id,
                organisation_id=state.organisation_id,
                occurred_at=command.now,
                reason=command.reason,
                detail=command.detail,
                disabled_by=command.by,
            )
        ]
    if isinstance(command, Enable):
        if state.status == "active":
            return []
        return [
            SubscriptionEnabled(
                subscription_id=state.subscription_id,
                organisation_id=state.organisation_id,
                occurred_at=command.now,
                enabled_by=command.by,
            )
        ]
    return [
        SubscriptionRemoved(
            subscription_id=state.subscription_id,
            organisation_id=state.organisation_id,
            occurred_at=command.now,
            removed_by=command.by,
        )
    ]


def _create(command: CreateSubscription, state: SubscriptionState) -> list[SubscriptionEvent]:
    configuration = checked(command.kind, command.configuration, command.rules)
    if state is not None:
        if state.kind == command.kind and state.configuration == configuration and state.status != "removed":
            return []  # the same request again: nothing new
        raise SubscriptionExists(
            f"the subscription id {command.subscription_id!r} is taken by one configured otherwise",
            field="subscription_id",
        )
    return [
        SubscriptionCreated(
            subscription_id=command.subscription_id,
            organisation_id=command.organisation_id,
            occurred_at=command.now,
            kind=command.kind,
            secret_id=command.secret_id,
            created_by=command.by,
            **_fields(configuration),
        )
    ]


def _fields(configuration: Configuration) -> dict[str, object]:
    return {
        "endpoint": configuration.endpoint,
        "event_types": configuration.event_types,
        "max_in_flight": configuration.max_in_flight,
        "timeout_seconds": configuration.timeout_seconds,
        "lrs_username": configuration.lrs_username,
        "home_page": configuration.home_page,
        "description": configuration.description,
    }


def _configuration(event: SubscriptionCreated | SubscriptionReconfigured) -> Configuration:
    return Configuration(
        endpoint=event.endpoint,
        event_types=event.event_types,
        max_in_flight=event.max_in_flight,
        timeout_seconds=event.timeout_seconds,
        lrs_username=event.lrs_username,
        home_page=event.home_page,
        description=event.description,
    )


def evolve(state: SubscriptionState, event: SubscriptionEvent) -> SubscriptionState:
    if isinstance(event, SubscriptionCreated):
        return Subscription(
            subscription_id=event.subscription_id,
            organisation_id=event.organisation_id,
            kind=event.kind,
            configuration=_configuration(event),
            secret_id=event.secret_id,
        )
    if state is None:
        return None
    if isinstance(event, SubscriptionReconfigured):
        return replace(state, configuration=_configuration(event))
    if isinstance(event, SecretRotated):
        return replace(state, secret_id=event.secret_id)
    if isinstance(event, SubscriptionDisabled):
        return replace(state, status="disabled", disabled_reason=event.reason, disabled_detail=event.detail)
    if isinstance(event, SubscriptionEnabled):
        return replace(state, status="active", disabled_reason=None, disabled_detail=None)
    return replace(state, status="removed")


def initial_state() -> SubscriptionState:
    return None


subscription_decider: Decider[SubscriptionCommand, SubscriptionState, SubscriptionEvent] = Decider(
    decide, evolve, initial_state
)
