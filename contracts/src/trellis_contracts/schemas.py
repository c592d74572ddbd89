"""JSON Schema of each event version, as checked in under ``contracts/schemas/``.

The schema describes the ``data`` on the wire. For a contract that protects its personal data,
that is not what the pydantic model holds: each personal field is a protected value there
(``$ref: #/$defs/ProtectedValue``, null still allowed where the field may be null), its
``x-personal-data`` and ``x-personal-data-about`` kept, and the model's examples are shown
sealed under :data:`EXAMPLE_KEY` (with nonces derived from the example, so that the generated
files do not change from one run to the next).
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any, Final

from trellis_contracts.base import PERSONAL_DATA, EventContract
from trellis_contracts.envelope import EventTypeName, dataschema_for, source_for
from trellis_contracts.personal import personal_values
from trellis_contracts.protected import PROTECTED_TYPE, ProtectedValue, _seal

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
PROTECTED_VALUE_DEF: Final = "ProtectedValue"
PROTECTED_MARK: Final = "x-trellis-protected"
"""On the ``ProtectedValue`` definition: the shape's version (``trellis.protected.v1``)."""
EXAMPLE_KEY: Final = hashlib.sha256(b"trellis example data key").digest()
"""The data key the schemas' examples are sealed with (public, for trying a reader out)."""
EXAMPLE_KEY_ID: Final = "dk_example"


def schema_path(contract: type[EventContract]) -> str:
    """Path of the contract's schema relative to ``contracts/schemas/``."""
    return EventTypeName.parse(contract.event_type()).schema_path


def event_schema(contract: type[EventContract]) -> dict[str, Any]:
    """The JSON Schema of a contract's ``data``, identified by its ``dataschema`` URI."""
    event_type = contract.event_type()
    generated = contract.model_json_schema()
    if contract.protects_personal_data:
        generated = _as_protected(contract, generated)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": dataschema_for(event_type),
        "x-cloudevents-type": event_type,
        "x-cloudevents-source": source_for(contract.service),
        **generated,
    }


def wire_examples(contract: type[EventContract]) -> list[dict[str, Any]]:
    """The model's example payloads as they travel: sealed when the contract protects them."""
    examples: list[dict[str, Any]] = contract.model_json_schema().get("examples", [])
    if not contract.protects_personal_data:
        return examples
    return [_sealed_example(contract, number, example) for number, example in enumerate(examples)]


def protected_value_schema() -> dict[str, Any]:
    schema = ProtectedValue.model_json_schema()
    schema[PROTECTED_MARK] = PROTECTED_TYPE
    return schema


def _as_protected(contract: type[EventContract], generated: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(generated)
    for node in (schema, *schema.get("$defs", {}).values()):
        for name, prop in node.get("properties", {}).items():
            if prop.get(PERSONAL_DATA) is True:
                node["properties"][name] = _protected_property(prop)
    schema.setdefault("$defs", {})[PROTECTED_VALUE_DEF] = protected_value_schema()
    if "examples" in schema:
        schema["examples"] = wire_examples(contract)
    return schema


def _protected_property(prop: dict[str, Any]) -> dict[str, Any]:
    kept = {
        key: value for key, value in prop.items() if key in ("description", "title") or key.startswith("x-")
    }
    reference = {"$ref": f"#/$defs/{PROTECTED_VALUE_DEF}"}
    if {"type": "null"} in prop.get("anyOf", []):
        kept["anyOf"] = [reference, {"type": "null"}]
        if "default" in prop and prop["default"] is None:
            kept["default"] = None
    else:
        kept.update(reference)
    return kept


def _sealed_example(contract: type[EventContract], number: int, example: dict[str, Any]) -> dict[str, Any]:
    sealed = copy.deepcopy(example)
    for index, personal in enumerate(personal_values(contract, sealed)):
        seed = f"{contract.event_type()}#{number}#{index}".encode()
        nonce = hashlib.sha256(seed).digest()[:12]
        personal.replace(_seal(personal.value, key=EXAMPLE_KEY, key_id=EXAMPLE_KEY_ID, nonce=nonce))
    return sealed
