"""Event metadata: who caused the events of one append, and in which flow.

Every event a service stores carries it; the relay publishes the ids and the trace context as
CloudEvents attributes (``ce_correlationid``, ``ce_causationid``, ``ce_traceparent``) and keeps
the principal (personal data) out of them.

- ``principal``: the subject of the verified token that asked for the change, or the name of the
  service's own process (a scheduler, a consumer).
- ``correlation_id``: shared by every event of one business flow, across services.
- ``causation_id``: the id of the command or event that caused these events (for a consumer's
  reaction: the incoming event's id).
- ``traceparent``: W3C trace context of the request or message that caused the events.

Build it with ``EventMetadata(...)``, ``trellis_kernel.identity.event_metadata(principal, ...)``
for a request, or ``IncomingEvent.reaction_metadata(principal)`` in a consumer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

from trellis_contracts.envelope import TRACEPARENT_PATTERN

_TRACEPARENT = re.compile(TRACEPARENT_PATTERN)


@dataclass(frozen=True)
class EventMetadata:
    """Who caused the events and why; shared by every event of one append."""

    principal: str
    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    traceparent: str | None = None  # W3C trace context of the request that wrote the events


def is_traceparent(value: str) -> bool:
    """True when ``value`` is a W3C ``traceparent`` the relay can publish."""
    return _TRACEPARENT.fullmatch(value) is not None


def trace_context(header: str | None) -> str | None:
    """A ``traceparent`` taken from outside (an HTTP header, a record's attribute), or None when
    it is missing or malformed: a bad tracing header must not fail the command it came with."""
    if header is None:
        return None
    header = header.strip()
    return header if is_traceparent(header) else None
