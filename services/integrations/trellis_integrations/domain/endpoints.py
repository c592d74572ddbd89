"""What a subscription may point at and listen to: the rules an admin's configuration meets."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from trellis_contracts.catalogue import CATALOGUE
from trellis_integrations.domain.xapi import makes_statement
from trellis_kernel.decider import DomainError

MAX_URL_LENGTH = 2000
MAX_EVENT_TYPES = 100
MAX_IN_FLIGHT = 16
MAX_TIMEOUT_SECONDS = 30.0

XAPI_EVENT_TYPES: frozenset[str] = frozenset(t for t in CATALOGUE if makes_statement(t))
"""The events the xAPI adapter turns into statements."""

_LOOPBACK_NAMES = frozenset({"localhost"})


@dataclass(frozen=True)
class EndpointRules:
    """``loopback_http``: plain http to this machine's loopback addresses is allowed (a
    development setting for tests and local receivers); otherwise only https."""

    loopback_http: bool = False


HTTPS_ONLY = EndpointRules()


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, rules: EndpointRules, *, field: str) -> str:
    """The URL if an endpoint may have it; a DomainError saying why not otherwise."""
    if len(url) > MAX_URL_LENGTH:
        raise DomainError(f"the URL is longer than {MAX_URL_LENGTH} characters", field=field)
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as error:
        raise DomainError(f"not a URL: {error}", field=field) from None
    if parts.scheme not in ("https", "http") or not host:
        raise DomainError(
            "an absolute https URL is needed, e.g. https://payroll.example.com/hooks", field=field
        )
    if parts.scheme == "http" and not (rules.loopback_http and _is_loopback(host)):
        raise DomainError("the URL must use https (events carry personal data)", field=field)
    if parts.username is not None or parts.password is not None:
        raise DomainError("credentials do not belong in the URL", field=field)
    if parts.fragment:
        raise DomainError("a URL with a fragment (#...) cannot be delivered to", field=field)
    return url


def check_event_types(event_types: Iterable[str], *, xapi: bool) -> tuple[str, ...]:
    """The types sorted and without repeats, each one a Trellis event the adapter handles."""
    chosen = tuple(sorted(set(event_types)))
    if not chosen:
        raise DomainError("name at least one event type", field="event_types")
    if len(chosen) > MAX_EVENT_TYPES:
        raise DomainError(f"at most {MAX_EVENT_TYPES} event types", field="event_types")
    unknown = [t for t in chosen if t not in CATALOGUE]
    if unknown:
        raise DomainError(
            f"unknown event types {unknown}: use CloudEvents types such as "
            "dev.trellis.recognition.CompensationAdjustmentApproved.v2",
            field="event_types",
        )
    if xapi:
        other = [t for t in chosen if t not in XAPI_EVENT_TYPES]
        if other:
            raise DomainError(
                f"no xAPI statement is made of {other}; the adapter handles {sorted(XAPI_EVENT_TYPES)}",
                field="event_types",
            )
    return chosen


def check_limits(max_in_flight: int, timeout_seconds: float) -> None:
    if not 1 <= max_in_flight <= MAX_IN_FLIGHT:
        raise DomainError(f"max_in_flight must be between 1 and {MAX_IN_FLIGHT}", field="max_in_flight")
    if not 0 < timeout_seconds <= MAX_TIMEOUT_SECONDS:
        raise DomainError(
            f"timeout_seconds must be above 0 and at most {MAX_TIMEOUT_SECONDS}", field="timeout_seconds"
        )
