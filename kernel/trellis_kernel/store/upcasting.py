"""Upcasters turn an event stored under an old schema version into its current shape on read.

Stored events are never rewritten: a contract change registers a function that maps the
payload of (event_type, version n) to version n + 1, and reads chain them until no upcaster
is left for the version reached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]


class Upcasters:
    """A registry of (event type, from version) -> upcaster to from version + 1."""

    def __init__(self) -> None:
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, event_type: str, from_version: int, upcaster: Upcaster) -> None:
        key = (event_type, from_version)
        if key in self._upcasters:
            raise ValueError(f"an upcaster for {event_type} v{from_version} is already registered")
        self._upcasters[key] = upcaster

    def upcaster(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorator form of register()."""

        def decorate(function: Upcaster) -> Upcaster:
            self.register(event_type, from_version, function)
            return function

        return decorate

    def upcast(self, event_type: str, schema_version: int, payload: Payload) -> tuple[int, Payload]:
        """The payload raised to the newest version this registry knows, and that version."""
        while (upcaster := self._upcasters.get((event_type, schema_version))) is not None:
            payload = upcaster(payload)
            schema_version += 1
        return schema_version, payload

    def __bool__(self) -> bool:
        return bool(self._upcasters)
