"""The compatibility gate: does a new JSON Schema still honour a published one?

Within one major version an event may only gain optional fields. Consumers built against
the published schema must read every new payload, and the services must still read every
stored (old) payload, so anything else breaks someone:

- an event type disappears (removed or renamed);
- a field disappears or changes type, format, pattern, allowed values or limits, also inside
  a nullable field, an array's items or a map's values;
- a union (``anyOf``) accepts a different set of types;
- an optional field becomes required, a required one optional, or a required field is added;
- a field starts or stops accepting null;
- an object starts or stops accepting unknown fields.

Every change is reported, not only the first one found.

- a personal field becomes protected (encrypted with the data key of the person it is about,
  see ``trellis_contracts.protected``) or plain again, its protected shape changes, or a
  protected field is encrypted with another person's key (whose erasure removes it changed).

Descriptions, titles, examples and defaults are documentation and may change freely; so does
the person an unprotected personal field is about (``x-personal-data-about``), which changes no
payload.
One tightening is allowed: a text field without a pattern may gain the pattern that refuses the
NUL character (``NO_NUL_PATTERN``). No payload with a NUL was ever stored or published:
PostgreSQL's jsonb, where every service keeps its events, cannot hold one.
The gate works on plain JSON Schema dicts, so it compares checked-in files with freshly
generated ones without importing old model code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from trellis_contracts.base import PERSONAL_DATA_ABOUT
from trellis_contracts.envelope import EventTypeName
from trellis_contracts.fields import NO_NUL_PATTERN
from trellis_contracts.schemas import PROTECTED_MARK

# Keywords that do not change which payloads are valid.
_DOCUMENTATION = frozenset(
    {"description", "title", "examples", "default", "$comment", "deprecated", "x-personal-data"}
)
_STRUCTURE = frozenset(
    {"properties", "required", "items", "anyOf", "$ref", "$defs", "type", "additionalProperties"}
)


@dataclass(frozen=True)
class Breakage:
    """One incompatible change, with what broke and how to ship it properly."""

    event_type: str
    location: str
    problem: str

    def message(self) -> str:
        where = f" field {self.location!r}" if self.location else ""
        return f"{self.event_type}:{where} {self.problem}. {how_to_version(self.event_type)}"


def how_to_version(event_type: str) -> str:
    try:
        parsed = EventTypeName.parse(event_type)
    except ValueError:
        return "Publish the change under a new major version instead."
    successor = parsed.major + 1
    return (
        f"Within v{parsed.major} only optional fields may be added. To ship this change, "
        f"add a new class {parsed.name}V{successor} with `major = {successor}` "
        f"(type dev.trellis.{parsed.service}.{parsed.name}.v{successor}), keep "
        f"{parsed.name} v{parsed.major} published beside it for the deprecation window, "
        "and run `python -m trellis_contracts.generate`"
    )


@dataclass(frozen=True)
class _Shape:
    schema: Mapping[str, Any]
    nullable: bool


class _Comparison:
    def __init__(self, event_type: str, old_root: Mapping[str, Any], new_root: Mapping[str, Any]):
        self.event_type = event_type
        self.old_root = old_root
        self.new_root = new_root
        self.breakages: list[Breakage] = []

    def report(self, location: str, problem: str) -> None:
        self.breakages.append(Breakage(self.event_type, location, problem))

    @staticmethod
    def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
        seen: set[str] = set()
        while isinstance(schema.get("$ref"), str):
            ref: str = schema["$ref"]
            if not ref.startswith("#/") or ref in seen:
                raise ValueError(f"cannot resolve $ref {ref!r}")
            seen.add(ref)
            target: Any = root
            for part in ref.removeprefix("#/").split("/"):
                target = target[part]
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **siblings}
        return schema

    def _shape(self, schema: Mapping[str, Any], root: Mapping[str, Any]) -> _Shape:
        """The schema with ``null`` taken out of its ``anyOf``, and whether it accepts null.

        A union of one type (``X | None``) is compared as that type, so that a change inside
        a nullable field is reported as what it is.
        """
        schema = self._resolve(schema, root)
        options = schema.get("anyOf")
        if not isinstance(options, list):
            return _Shape(schema, nullable=False)
        non_null = [option for option in options if option != {"type": "null"}]
        nullable = len(non_null) < len(options)
        if len(non_null) == 1:
            merged = {k: v for k, v in schema.items() if k != "anyOf"}
            inner = self._resolve(non_null[0], root)
            return _Shape({**inner, **merged}, nullable=nullable)
        return _Shape(schema, nullable=nullable)

    def compare(self, old: Mapping[str, Any], new: Mapping[str, Any], location: str) -> None:
        old_shape = self._shape(old, self.old_root)
        new_shape = self._shape(new, self.new_root)
        if self._protection_changed(old_shape.schema, new_shape.schema, location):
            return
        if old_shape.nullable != new_shape.nullable:
            change = "no longer accepts null" if old_shape.nullable else "now may be null"
            self.report(location, change)
        old_schema, new_schema = old_shape.schema, new_shape.schema
        if old_schema.get("type") != new_schema.get("type"):
            self.report(
                location,
                f"changed type from {_describe(old_schema)} to {_describe(new_schema)}",
            )
            return
        self._compare_constraints(old_schema, new_schema, location)
        if "anyOf" in old_schema or "anyOf" in new_schema:
            self._compare_alternatives(old_schema, new_schema, location)
        if "items" in old_schema or "items" in new_schema:
            self.compare(old_schema.get("items", {}), new_schema.get("items", {}), f"{location}[]")
        if "properties" in old_schema or "properties" in new_schema:
            self._compare_object(old_schema, new_schema, location)
        if "additionalProperties" in old_schema or "additionalProperties" in new_schema:
            self._compare_unknown_fields(old_schema, new_schema, location)

    def _protection_changed(self, old: Mapping[str, Any], new: Mapping[str, Any], location: str) -> bool:
        """Report a field that became protected or plain, or changed its protected shape or
        owner; True when the rest of the comparison would only repeat it."""
        before, after = old.get(PROTECTED_MARK), new.get(PROTECTED_MARK)
        if before is None and after is not None:
            self.report(
                location,
                f"is now a protected value ({after}: encrypted with the data key of the person it "
                f"is about) where it was {_describe(old)}; every consumer reading it breaks",
            )
            return True
        if before is not None and after is None:
            self.report(location, f"is no longer a protected value ({before}) but {_describe(new)}")
            return True
        if before != after:
            self.report(location, f"changed its protected shape from {before} to {after}")
            return True
        if before is not None and old.get(PERSONAL_DATA_ABOUT) != new.get(PERSONAL_DATA_ABOUT):
            self.report(
                location,
                f"is now encrypted with the key of {new.get(PERSONAL_DATA_ABOUT)!r} instead of "
                f"{old.get(PERSONAL_DATA_ABOUT)!r}: whose erasure removes it changed",
            )
        return False

    def _compare_constraints(self, old: Mapping[str, Any], new: Mapping[str, Any], location: str) -> None:
        for keyword in sorted((set(old) | set(new)) - _DOCUMENTATION - _STRUCTURE):
            if keyword.startswith("x-"):
                continue
            before, after = old.get(keyword), new.get(keyword)
            if before == after:
                continue
            if keyword == "pattern" and before is None and after == NO_NUL_PATTERN:
                continue  # see the module docstring: no stored payload can hold a NUL
            if keyword == "enum" and isinstance(before, list) and isinstance(after, list):
                removed = sorted(set(map(str, before)) - set(map(str, after)))
                added = sorted(set(map(str, after)) - set(map(str, before)))
                detail = "; ".join(
                    part
                    for part in (
                        f"removed {removed}" if removed else "",
                        f"added {added}" if added else "",
                    )
                    if part
                )
                self.report(location, f"changed its allowed values ({detail})")
            else:
                self.report(location, f"changed {keyword} from {before!r} to {after!r}")

    def _compare_alternatives(self, old: Mapping[str, Any], new: Mapping[str, Any], location: str) -> None:
        before = [self._signature(option, self.old_root) for option in old.get("anyOf", [])]
        after = [self._signature(option, self.new_root) for option in new.get("anyOf", [])]
        if sorted(before) != sorted(after):
            self.report(location, "changed the set of types it accepts")

    def _signature(self, schema: Mapping[str, Any], root: Mapping[str, Any]) -> str:
        resolved = self._resolve(schema, root)
        kept = {k: v for k, v in resolved.items() if k not in _DOCUMENTATION}
        return repr(sorted(kept.items(), key=lambda item: item[0]))

    def _compare_object(self, old: Mapping[str, Any], new: Mapping[str, Any], location: str) -> None:
        old_fields: Mapping[str, Any] = old.get("properties", {})
        new_fields: Mapping[str, Any] = new.get("properties", {})
        old_required = set(old.get("required", []))
        new_required = set(new.get("required", []))
        prefix = f"{location}." if location else ""
        for name, old_field in old_fields.items():
            if name not in new_fields:
                self.report(prefix + name, "was removed (or renamed)")
                continue
            self.compare(old_field, new_fields[name], prefix + name)
            if name in old_required and name not in new_required:
                self.report(prefix + name, "became optional; consumers rely on it being there")
            if name not in old_required and name in new_required:
                self.report(
                    prefix + name,
                    "became required; stored and in-flight payloads may not have it",
                )
        for name in sorted(new_fields.keys() - old_fields.keys()):
            if name in new_required:
                self.report(
                    prefix + name,
                    "was added as a required field; only optional fields may be added",
                )

    def _compare_unknown_fields(self, old: Mapping[str, Any], new: Mapping[str, Any], location: str) -> None:
        before = _unknown_fields(old)
        after = _unknown_fields(new)
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            # Both say what each value of a map must be: compare that like any other field.
            self.compare(before, after, f"{location}{{}}")
        elif before != after:
            self.report(location, "changed whether unknown fields are allowed")


def _unknown_fields(schema: Mapping[str, Any]) -> Any:
    """``additionalProperties`` with its default spelled out: absent and ``{}`` mean ``true``."""
    value = schema.get("additionalProperties", True)
    return True if value == {} else value


def _describe(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if kind is None and "anyOf" in schema:
        return "a union"
    return repr(kind) if kind is not None else "an untyped value"


def compare_event_schemas(
    event_type: str, published: Mapping[str, Any], current: Mapping[str, Any]
) -> list[Breakage]:
    """Every incompatible change from ``published`` to ``current`` (empty when compatible)."""
    comparison = _Comparison(event_type, published, current)
    comparison.compare(published, current, "")
    return comparison.breakages


def compare_catalogues(
    published: Mapping[str, Mapping[str, Any]],
    current: Mapping[str, Mapping[str, Any]],
    retired: Iterable[str] = (),
) -> list[Breakage]:
    """Compare every published event type with the current one of the same type.

    ``retired`` names types whose deprecation window is over; they may be absent.
    """
    retired_types = set(retired)
    breakages: list[Breakage] = []
    for event_type, schema in sorted(published.items()):
        if event_type not in current:
            if event_type not in retired_types:
                breakages.append(
                    Breakage(
                        event_type,
                        "",
                        "is published but no longer in the catalogue (removed or renamed); "
                        "consumers still subscribe to it. Keep the class until it is retired",
                    )
                )
            continue
        breakages.extend(compare_event_schemas(event_type, schema, current[event_type]))
    return breakages
