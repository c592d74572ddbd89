"""The base every Trellis event contract derives from.

An event contract is a frozen pydantic model. Its identity on the wire is the CloudEvents
``type`` ``dev.trellis.<service>.<EventName>.v<major>``; a breaking change to its fields
needs a new class with ``major`` raised, never an edit in place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

TYPE_PREFIX = "dev.trellis"

PERSONAL_DATA = "x-personal-data"
"""JSON Schema keyword: ``true`` on a field holding free text that may contain personal data."""
PERSONAL_DATA_ABOUT = "x-personal-data-about"
"""JSON Schema keyword: the name of the field holding the id of the person the text is about."""


class EventContract(BaseModel):
    """A domain event as integrators see it: the ``data`` of a CloudEvent."""

    # Unknown fields are ignored so that a consumer built against an older minor version
    # keeps working when a producer adds an optional field.
    model_config = ConfigDict(frozen=True, extra="ignore")

    service: ClassVar[str]
    major: ClassVar[int] = 1
    moment_field: ClassVar[str | None] = "occurred_at"
    """The field that says when the event happened (``occurred_at``, ``given_at``, ``held_at``,
    ...): the store's ``occurred_at`` and the CloudEvents ``time`` are taken from it. None only
    for an event that carries no moment (then the time it is stored is its moment); every
    published contract names one."""
    protects_personal_data: ClassVar[bool] = False
    """True when every personal field of the event travels encrypted with the data key of the
    person it is about (``trellis_contracts.protected``); the JSON Schema then shows those
    fields as protected values. Switching it on is a new major version."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.moment_field is not None and cls.moment_field not in cls.model_fields:
            raise TypeError(f"{cls.__name__} names {cls.moment_field!r} as its moment, but has no such field")

    def moment(self) -> datetime | None:
        """When the event happened, as its contract says (None if it names no moment)."""
        if self.moment_field is None:
            return None
        value = getattr(self, self.moment_field)
        if not isinstance(value, datetime):
            raise TypeError(f"{type(self).__name__}.{self.moment_field} is not a moment in time")
        return value

    @classmethod
    def event_name(cls) -> str:
        return cls.__name__.removesuffix(f"V{cls.major}") if cls.major > 1 else cls.__name__

    @classmethod
    def event_type(cls) -> str:
        return f"{TYPE_PREFIX}.{cls.service}.{cls.event_name()}.v{cls.major}"


def personal_data(description: str, *, about: str | None = None, **kwargs: Any) -> Any:
    """A field holding free text that may contain personal data.

    ``about`` names the field that holds the id of the person the text is about: a field of
    the same model, or of a model enclosing it (the innermost one that has it), e.g.
    ``about="employee_id"``. Erasing that person makes the text unreadable, and encryption
    uses that person's key. Every personal field of a published event names its owner (the
    contract tests check it).

    Marked in the JSON Schema with ``x-personal-data: true`` (and ``x-personal-data-about``)
    so integrators can route, mask or erase it; such a field never goes into a CloudEvents
    attribute.
    """
    extra = dict(kwargs.pop("json_schema_extra", {}) or {})
    extra[PERSONAL_DATA] = True
    if about is not None:
        extra[PERSONAL_DATA_ABOUT] = about
    return Field(description=description, json_schema_extra=extra, **kwargs)
