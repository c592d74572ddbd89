"""Where an event's personal data is, and whom each piece is about.

Every field declared with ``personal_data(..., about="<id field>")`` is a personal field: free
text (a string, or a list of strings) about the person whose id ``about`` names. The field may
sit in a model nested in the event (a milestone's title inside ``GoalCreated.milestones``);
``about`` then names a field of that model or of a model enclosing it, the innermost that has
it (a milestone has no ``employee_id``, so its title is about the goal's employee).

:func:`personal_fields` lists them for a contract class; :func:`personal_values` finds them in
a JSON payload (the ``data`` of an event) together with the id of the person each is about, for
whoever encrypts, decrypts, erases or exports them.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from trellis_contracts.base import PERSONAL_DATA, PERSONAL_DATA_ABOUT, EventContract

ERASED = "[erased]"
"""What a personal text reads as once the person it is about has been erased (or to a reader
without their key). A list of texts reads as ``[ERASED]``. Counts, dates, ids and every other
non-personal fact of the event stay as they were."""

Shape = Literal["text", "texts"]


@dataclass(frozen=True)
class Step:
    """One field on the way from the event to a personal field."""

    name: str
    many: bool = False
    """The field holds a list of nested models: the path goes on in each of them."""


@dataclass(frozen=True)
class PersonalField:
    """A personal field of a contract, wherever it is nested."""

    path: tuple[Step, ...]
    """From the event down to the field itself (the last step)."""
    shape: Shape | None
    """``text`` (a string) or ``texts`` (a list of strings); None for a type that cannot be
    personal free text (a declaration problem)."""
    optional: bool
    about: str | None
    about_level: int | None
    """Which model on the path holds ``about``: 0 is the event, 1 the first nested model, ...;
    None when no model on the path has the field (a declaration problem)."""
    about_is_id: bool = False
    """``about`` is a plain id field (a string, possibly null), as it must be."""

    @property
    def dotted(self) -> str:
        """The field as written in schemas and error messages: ``milestones[].title``."""
        return ".".join(step.name + ("[]" if step.many else "") for step in self.path)

    def erased(self) -> Any:
        """The JSON value the field reads as once its person is erased."""
        return [ERASED] if self.shape == "texts" else ERASED


@dataclass
class PersonalValue:
    """A personal field's value in one payload, and whom it is about."""

    field: PersonalField
    container: dict[str, Any]
    owner_id: str | None

    @property
    def name(self) -> str:
        return self.field.path[-1].name

    @property
    def value(self) -> Any:
        return self.container[self.name]

    def replace(self, value: Any) -> None:
        self.container[self.name] = value


def _without_annotations(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    annotation = _without_annotations(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        options = [option for option in get_args(annotation) if option is not type(None)]
        if len(options) == 1:
            return _without_annotations(options[0]), True
    return annotation, False


def _element(annotation: Any) -> Any | None:
    """The element type of ``tuple[X, ...]`` or ``list[X]``; None for anything else."""
    origin = get_origin(annotation)
    arguments = get_args(annotation)
    if origin is tuple and len(arguments) == 2 and arguments[1] is Ellipsis:
        return _without_annotations(arguments[0])
    if origin is list and len(arguments) == 1:
        return _without_annotations(arguments[0])
    return None


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _is_personal(info: FieldInfo) -> bool:
    extra = info.json_schema_extra
    return isinstance(extra, dict) and extra.get(PERSONAL_DATA) is True


def _about(info: FieldInfo) -> str | None:
    extra = info.json_schema_extra
    about = extra.get(PERSONAL_DATA_ABOUT) if isinstance(extra, dict) else None
    return about if isinstance(about, str) else None


def _shape(annotation: Any) -> Shape | None:
    if annotation is str:
        return "text"
    if _element(annotation) is str:
        return "texts"
    return None


def _owner_level(scopes: tuple[type[BaseModel], ...], about: str | None) -> int | None:
    if about is None:
        return None
    for level in range(len(scopes) - 1, -1, -1):
        if about in scopes[level].model_fields:
            return level
    return None


def _walk(
    model: type[BaseModel], path: tuple[Step, ...], scopes: tuple[type[BaseModel], ...]
) -> Iterator[PersonalField]:
    for name, info in model.model_fields.items():
        annotation, optional = _unwrap_optional(info.annotation)
        if _is_personal(info):
            about = _about(info)
            level = _owner_level(scopes, about)
            yield PersonalField(
                path=(*path, Step(name)),
                shape=_shape(annotation),
                optional=optional,
                about=about,
                about_level=level,
                about_is_id=about is not None and level is not None and _is_id_field(scopes[level], about),
            )
            continue
        element = _element(annotation)
        nested = _nested_model(element if element is not None else annotation)
        if nested is not None:
            step = Step(name, many=element is not None)
            yield from _walk(nested, (*path, step), (*scopes, nested))


@functools.cache
def personal_fields(contract: type[BaseModel]) -> tuple[PersonalField, ...]:
    """Every personal field of ``contract`` and of the models nested in it, in field order."""
    return tuple(_walk(contract, (), (contract,)))


def _is_id_field(model: type[BaseModel], name: str) -> bool:
    annotation, _ = _unwrap_optional(model.model_fields[name].annotation)
    return annotation is str and not _is_personal(model.model_fields[name])


def declaration_problems(contract: type[EventContract]) -> list[str]:
    """What keeps ``contract``'s personal data from being protected and erased: a personal field
    without an owner, an owner that is not an id field, a type that is not text, or personal data
    in an event without ``organisation_id`` (keys are per person within an organisation)."""
    problems: list[str] = []
    fields = personal_fields(contract)
    for field in fields:
        where = f"{contract.__name__}.{field.dotted}"
        if field.shape is None:
            problems.append(f"{where} is personal data but neither text nor a list of texts")
        if field.about is None:
            problems.append(f'{where} names nobody it is about: personal_data(..., about="<id field>")')
        elif field.about_level is None:
            problems.append(f"{where} is about {field.about!r}, which no model on its path has")
        elif not field.about_is_id:
            problems.append(f"{where} is about {field.about!r}, which is not an id")
    if fields and "organisation_id" not in contract.model_fields:
        problems.append(f"{contract.__name__} holds personal data but no organisation_id")
    return problems


def personal_values(contract: type[BaseModel], payload: dict[str, Any]) -> list[PersonalValue]:
    """The personal values present in ``payload`` (a JSON object of ``contract``), with the id of
    the person each is about; absent and null values are left out. Replacing a value (through
    :meth:`PersonalValue.replace`) changes ``payload`` in place."""
    found: list[PersonalValue] = []
    for field in personal_fields(contract):
        _collect(field, payload, 0, (payload,), found)
    return found


def _collect(
    field: PersonalField,
    node: dict[str, Any],
    depth: int,
    scopes: tuple[dict[str, Any], ...],
    found: list[PersonalValue],
) -> None:
    step = field.path[depth]
    if depth == len(field.path) - 1:
        if node.get(step.name) is None:
            return
        owner = None
        if field.about is not None and field.about_level is not None:
            candidate = scopes[field.about_level].get(field.about)
            owner = candidate if isinstance(candidate, str) else None
        found.append(PersonalValue(field, node, owner))
        return
    child = node.get(step.name)
    children = child if step.many and isinstance(child, list) else [child]
    for item in children:
        if isinstance(item, dict):
            _collect(field, item, depth + 1, (*scopes, item), found)
