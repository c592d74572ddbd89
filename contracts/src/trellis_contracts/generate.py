"""Regenerate the checked-in artefacts: one JSON Schema per event version and asyncapi.json.

    python -m trellis_contracts.generate           # write them (refuses breaking changes)
    python -m trellis_contracts.generate --check   # exit 1 if they are out of date

Before writing, every already published schema is compared with the current model; a
breaking change is refused with what broke and how to version it, so a schema file is
never silently overwritten with an incompatible one.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trellis_contracts.artefacts import ASYNCAPI_FILE, SCHEMAS_DIR, SOURCE_ROOT, published_schemas
from trellis_contracts.asyncapi import asyncapi_document
from trellis_contracts.catalogue import CATALOGUE, RETIRED_TYPES
from trellis_contracts.compatibility import Breakage, compare_catalogues
from trellis_contracts.schemas import event_schema, schema_path


def to_json_text(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def current_schemas() -> dict[str, dict[str, Any]]:
    """The schema of every event class in the catalogue, keyed by CloudEvents type."""
    return {event_type: event_schema(contract) for event_type, contract in CATALOGUE.items()}


def render_artefacts() -> dict[str, str]:
    """Every generated file's text, keyed by its path relative to ``contracts/``."""
    files = {
        f"{SCHEMAS_DIR}/{schema_path(contract)}": to_json_text(event_schema(contract))
        for contract in CATALOGUE.values()
    }
    files[ASYNCAPI_FILE] = to_json_text(asyncapi_document())
    return files


def breaking_changes(root: Path) -> list[Breakage]:
    if not (root / SCHEMAS_DIR).is_dir():
        return []
    return compare_catalogues(published_schemas(root), current_schemas(), RETIRED_TYPES)


def stale_files(root: Path) -> list[str]:
    """Generated files that are missing or differ from what the models give now."""
    stale = []
    for relative, text in render_artefacts().items():
        path = root / relative
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(relative)
    return stale


def write_artefacts(root: Path) -> list[str]:
    written = []
    for relative, text in render_artefacts().items():
        path = root / relative
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(relative)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trellis_contracts.generate")
    parser.add_argument("--check", action="store_true", help="only report stale artefacts")
    parser.add_argument("--root", type=Path, default=SOURCE_ROOT, help="the contracts/ folder to write into")
    options = parser.parse_args(argv)
    root: Path = options.root

    breakages = breaking_changes(root)
    if breakages:
        print("Breaking changes to published events:", file=sys.stderr)
        for breakage in breakages:
            print(f"  - {breakage.message()}", file=sys.stderr)
        return 2
    if options.check:
        stale = stale_files(root)
        for relative in stale:
            print(f"out of date: {relative}", file=sys.stderr)
        if stale:
            print("run `python -m trellis_contracts.generate`", file=sys.stderr)
        return 1 if stale else 0
    for relative in write_artefacts(root):
        print(f"wrote {relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
