"""Reading an uploaded reward policy: YAML or JSON text in, a validated RewardPolicy out.

The text is composed into YAML nodes (JSON is read the same way), which keep where each value
starts; the plain data is checked against the published JSON Schema and then by the contract
models (for what a schema cannot say, such as unique rule ids). Every problem is reported with
the line and column it is at and the field it is about, e.g. ``rules[0].then[1].bonus.amount``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError
from pydantic import ValidationError
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from trellis_contracts.artefacts import load_policy_schema
from trellis_contracts.reward_policy import RewardPolicy

Path = tuple[str | int, ...]

_MAX_DEPTH = 64
_JSON_START = re.compile(r"^\s*[\[{]")
_YAML_TAG = "tag:yaml.org,2002:"


@dataclass(frozen=True)
class PolicyProblem:
    """One thing wrong with a document: where (1-based line and column), which field, why."""

    line: int
    column: int
    field: str
    reason: str

    def __str__(self) -> str:
        where = f" {self.field}:" if self.field else ""
        return f"line {self.line}, column {self.column}:{where} {self.reason}"


class InvalidPolicy(ValueError):
    """The document is not a valid reward policy; ``problems`` says everything wrong with it."""

    def __init__(self, problems: Sequence[PolicyProblem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: (p.line, p.column, p.field)))
        super().__init__("; ".join(str(problem) for problem in self.problems))


def field_name(path: Iterable[str | int]) -> str:
    """``("rules", 0, "then")`` -> ``rules[0].then``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


@cache
def _validator() -> Draft202012Validator:
    schema = load_policy_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def parse_policy(text: str) -> RewardPolicy:
    """The policy the text describes, or InvalidPolicy with every problem found."""
    document = _Document.read(text)
    problems = list(document.schema_problems())
    if problems:
        raise InvalidPolicy(problems)
    try:
        return RewardPolicy.model_validate(document.data)
    except ValidationError as error:
        raise InvalidPolicy(list(document.model_problems(error))) from None


class _Document:
    """Plain data built from YAML nodes, with the start of every value and key by path."""

    def __init__(self, *, json_text: bool) -> None:
        self._json = json_text
        self._constructor = SafeConstructor()
        self.values: dict[Path, tuple[int, int]] = {}
        self.keys: dict[Path, tuple[int, int]] = {}
        self.data: Any = None

    @classmethod
    def read(cls, text: str) -> _Document:
        document = cls(json_text=bool(_JSON_START.match(text)))
        try:
            nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            reason = error.problem or error.context or "not valid YAML or JSON"
            raise InvalidPolicy([PolicyProblem(line, column, "", f"cannot be read: {reason}")]) from None
        except yaml.YAMLError as error:
            raise InvalidPolicy([PolicyProblem(1, 1, "", f"cannot be read: {error}")]) from None
        if not nodes or nodes[0] is None:
            raise InvalidPolicy([PolicyProblem(1, 1, "", "the document is empty")])
        if len(nodes) > 1:
            second = nodes[1].start_mark
            raise InvalidPolicy(
                [PolicyProblem(second.line + 1, second.column + 1, "", "one policy per document, found more")]
            )
        problems: list[PolicyProblem] = []
        document.data = document._build(nodes[0], (), problems, depth=0)
        if problems:
            raise InvalidPolicy(problems)
        return document

    def _build(self, node: Node, path: Path, problems: list[PolicyProblem], depth: int) -> Any:
        self.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if depth > _MAX_DEPTH:
            problems.append(self._problem(path, "is nested too deeply"))
            return None
        if isinstance(node, MappingNode):
            mapping: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not (isinstance(key_node, ScalarNode) and key_node.tag == _YAML_TAG + "str"):
                    where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                    problems.append(PolicyProblem(*where, field_name(path), "keys must be plain text"))
                    continue
                key = key_node.value
                child = (*path, key)
                if key in mapping:
                    where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                    problems.append(PolicyProblem(*where, field_name(child), "is given twice"))
                    continue
                self.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                mapping[key] = self._build(value_node, child, problems, depth + 1)
            return mapping
        if isinstance(node, SequenceNode):
            return [
                self._build(item, (*path, index), problems, depth + 1)
                for index, item in enumerate(node.value)
            ]
        assert isinstance(node, ScalarNode)
        return self._scalar(node, path, problems)

    def _scalar(self, node: ScalarNode, path: Path, problems: list[PolicyProblem]) -> Any:
        if self._json and node.style is None:
            # JSON's own reading of numbers, true, false and null (YAML 1.1 reads 1e5 as text).
            if not node.value:
                problems.append(self._problem(path, "a value is missing"))
                return None
            try:
                return json.loads(node.value)
            except ValueError:
                problems.append(self._problem(path, f"{node.value!r} is not a JSON value"))
                return None
        tag = node.tag.removeprefix(_YAML_TAG)
        if tag in ("str", "timestamp"):
            return node.value  # dates stay text, as in JSON; the schema checks their form
        if tag == "int":
            return self._constructor.construct_yaml_int(node)
        if tag == "float":
            return self._constructor.construct_yaml_float(node)
        if tag == "bool":
            return self._constructor.construct_yaml_bool(node)
        if tag == "null":
            return None
        problems.append(self._problem(path, f"the tag {node.tag!r} is not supported"))
        return None

    def _problem(self, path: Path, reason: str) -> PolicyProblem:
        line, column = self.position(path)
        return PolicyProblem(line, column, field_name(path), reason)

    def position(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Where the value at ``path`` starts (its key, with ``key``), or its nearest parent."""
        if key and path in self.keys:
            return self.keys[path]
        for length in range(len(path), -1, -1):
            if path[:length] in self.values:
                return self.values[path[:length]]
        return (1, 1)

    # --- the JSON Schema ----------------------------------------------------------------

    def schema_problems(self) -> Iterator[PolicyProblem]:
        for error in _validator().iter_errors(self.data):
            for leaf in _leaves(error):
                yield self._schema_problem(leaf)

    def _schema_problem(self, error: SchemaError) -> PolicyProblem:
        path: Path = tuple(error.absolute_path)
        instance = error.instance
        schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
        expected: Any = error.validator_value
        if error.validator == "additionalProperties" and isinstance(instance, dict):
            known = set(schema.get("properties", {}))
            patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
            unknown = sorted(k for k in instance if k not in known and not any(p.search(k) for p in patterns))
            if unknown:
                child = (*path, unknown[0])
                allowed = ", ".join(sorted(known))
                reason = f"unknown field {unknown[0]!r}" + (
                    f" (expected one of: {allowed})" if allowed else ""
                )
                return PolicyProblem(*self.position(child, key=True), field_name(child), reason)
        if error.validator == "required" and isinstance(instance, dict):
            missing = [name for name in expected if name not in instance]
            if missing:
                child = (*path, missing[0])
                return PolicyProblem(
                    *self.position(path), field_name(child), f"the required field {missing[0]!r} is missing"
                )
        return PolicyProblem(*self.position(path), field_name(path), _reason(error))

    # --- the models ---------------------------------------------------------------------

    def model_problems(self, error: ValidationError) -> Iterator[PolicyProblem]:
        for detail in error.errors():
            path: Path = tuple(detail["loc"])
            reason = str(detail["msg"]).removeprefix("Value error, ")
            yield PolicyProblem(*self.position(path), field_name(path), reason)


def _leaves(error: SchemaError) -> list[SchemaError]:
    """The errors that explain ``error``: for a value that may be null or something else,
    the problems with the something else; otherwise the error itself."""
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    not_null = [e for e in error.context if e.schema != {"type": "null"}]
    branches = {e.relative_schema_path[0] for e in not_null}
    if len(branches) == 1:
        return [leaf for e in not_null for leaf in _leaves(e)]
    return [error]


def _reason(error: SchemaError) -> str:
    value: Any = error.instance
    expected: Any = error.validator_value
    match error.validator:
        case "enum":
            return "must be one of: " + ", ".join(str(option) for option in expected)
        case "const":
            return f"must be {expected!r}"
        case "type":
            return f"must be of type {expected}, not {_json_type(value)}"
        case "anyOf" | "oneOf":
            kinds = sorted({str(s.get("type", "object")) for s in expected if s.get("type") != "null"})
            return f"must be one of the types {', '.join(kinds)}, not {_json_type(value)}"
        case "pattern":
            return f"{value!r} does not have the expected form ({expected})"
        case "format":
            return f"{value!r} is not a valid {expected}"
        case "minProperties" if expected == 1:
            return "must not be empty"
        case "maxProperties" if expected == 1:
            return "must name exactly one thing, found " + ", ".join(sorted(value))
    return error.message


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
