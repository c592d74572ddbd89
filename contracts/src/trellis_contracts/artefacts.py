"""Where the generated artefacts live: inside an installed package, or in the source tree.

A wheel carries ``schemas/`` and ``asyncapi.json`` next to this module; a checkout (or an
editable install) has them under ``contracts/``, two levels above the package folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trellis_contracts.envelope import EventTypeName
from trellis_contracts.reward_policy import POLICY_SCHEMA_PATH

ASYNCAPI_FILE = "asyncapi.json"
SCHEMAS_DIR = "schemas"
_PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = _PACKAGE_DIR.parents[1]
"""``contracts/`` of a source checkout (meaningless in an installed wheel)."""


def artefacts_root() -> Path:
    """The folder that holds ``schemas/`` and ``asyncapi.json``."""
    for candidate in (_PACKAGE_DIR, SOURCE_ROOT):
        if (candidate / ASYNCAPI_FILE).is_file() and (candidate / SCHEMAS_DIR).is_dir():
            return candidate
    raise FileNotFoundError(
        "Trellis contract artefacts not found; run `python -m trellis_contracts.generate`"
    )


def schema_file(event_type: str) -> Path:
    return artefacts_root() / SCHEMAS_DIR / EventTypeName.parse(event_type).schema_path


def load_schema(event_type: str) -> dict[str, Any]:
    """The published JSON Schema of an event type (for validating raw payloads)."""
    loaded: dict[str, Any] = json.loads(schema_file(event_type).read_text(encoding="utf-8"))
    return loaded


def load_policy_schema() -> dict[str, Any]:
    """The published JSON Schema of the reward policy document."""
    loaded: dict[str, Any] = json.loads((artefacts_root() / POLICY_SCHEMA_PATH).read_text(encoding="utf-8"))
    return loaded


def load_asyncapi() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((artefacts_root() / ASYNCAPI_FILE).read_text(encoding="utf-8"))
    return loaded


def published_schemas(root: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every checked-in schema, keyed by the CloudEvents type it declares."""
    folder = (root or artefacts_root()) / SCHEMAS_DIR
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*/*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        event_type = schema.get("x-cloudevents-type")
        if not isinstance(event_type, str):
            raise ValueError(f"{path} declares no x-cloudevents-type")
        found[event_type] = schema
    return found
