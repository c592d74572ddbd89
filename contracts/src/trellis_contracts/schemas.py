"""JSON Schema of each event version, as checked in under ``contracts/schemas/``."""

from __future__ import annotations

from typing import Any

from trellis_contracts.base import EventContract
from trellis_contracts.envelope import EventTypeName, dataschema_for, source_for

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_path(contract: type[EventContract]) -> str:
    """Path of the contract's schema relative to ``contracts/schemas/``."""
    return EventTypeName.parse(contract.event_type()).schema_path


def event_schema(contract: type[EventContract]) -> dict[str, Any]:
    """The JSON Schema of a contract's ``data``, identified by its ``dataschema`` URI."""
    event_type = contract.event_type()
    generated = contract.model_json_schema()
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": dataschema_for(event_type),
        "x-cloudevents-type": event_type,
        "x-cloudevents-source": source_for(contract.service),
        **generated,
    }
