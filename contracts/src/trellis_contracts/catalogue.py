"""Every published event class, keyed by its CloudEvents ``type``.

Consumers decode with :func:`contract_for`; the schema and AsyncAPI generators and the
compatibility gate walk :data:`CATALOGUE`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType

from trellis_contracts.base import EventContract
from trellis_contracts.feedback import FEEDBACK_EVENTS, RETIRED_FEEDBACK_TYPES
from trellis_contracts.goals import GOALS_EVENTS, RETIRED_GOALS_TYPES
from trellis_contracts.recognition import RECOGNITION_EVENTS, RETIRED_RECOGNITION_TYPES

EVENTS_BY_SERVICE: Mapping[str, tuple[type[EventContract], ...]] = MappingProxyType(
    {
        "goals": GOALS_EVENTS,
        "feedback": FEEDBACK_EVENTS,
        "recognition": RECOGNITION_EVENTS,
    }
)
"""Event classes per publishing service, in declaration order."""


RETIRED_TYPES: frozenset[str] = RETIRED_FEEDBACK_TYPES | RETIRED_RECOGNITION_TYPES | RETIRED_GOALS_TYPES
"""Types no class publishes any more, because their deprecation window is over or because no
running service ever published them: their checked-in schemas stay as a record, and the
compatibility gate accepts their absence."""


class UnknownEventType(LookupError):
    """The CloudEvents type names no event this version of the contracts knows."""


def _index() -> dict[str, type[EventContract]]:
    index: dict[str, type[EventContract]] = {}
    for service, events in EVENTS_BY_SERVICE.items():
        for event in events:
            if event.service != service:
                raise ValueError(
                    f"{event.__name__} declares service {event.service!r}, but is listed under {service!r}"
                )
            event_type = event.event_type()
            if event_type in index:
                raise ValueError(f"two contracts claim the type {event_type}")
            index[event_type] = event
    return index


CATALOGUE: Mapping[str, type[EventContract]] = MappingProxyType(_index())
"""Every event class of the three services, keyed by CloudEvents type."""


def contract_for(event_type: str) -> type[EventContract]:
    """The contract class for a CloudEvents ``type``, e.g. ``dev.trellis.goals.GoalCreated.v1``."""
    try:
        return CATALOGUE[event_type]
    except KeyError:
        raise UnknownEventType(f"no Trellis contract has the type {event_type!r}") from None


@functools.cache
def every_contract() -> Mapping[str, type[EventContract]]:
    """Every event class this package defines, current or retired, keyed by type: what records
    kept from before a switch to a new major (delivery logs, old topics) are read with."""
    found: dict[str, type[EventContract]] = dict(CATALOGUE)
    pending = list(EventContract.__subclasses__())
    while pending:
        contract = pending.pop()
        pending.extend(contract.__subclasses__())
        if contract.__module__.startswith("trellis_contracts."):
            found.setdefault(contract.event_type(), contract)
    return MappingProxyType(found)


def services() -> tuple[str, ...]:
    return tuple(EVENTS_BY_SERVICE)
