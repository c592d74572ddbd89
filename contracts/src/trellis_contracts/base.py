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


class EventContract(BaseModel):
    """A domain event as integrators see it: the ``data`` of a CloudEvent."""

    # Unknown fields are ignored so that a consumer built against an older minor version
    # keeps working when a producer adds an optional field.
    model_config = ConfigDict(frozen=True, extra="ignore")

    service: ClassVar[str]
    major: ClassVar[int] = 1
    moment_field: ClassVar[str] = "occurred_at"
    """The field saying when the event happened (``occurred_at``, ``given_at``, ``awarded_at``...):
    what an event store records as the event's time, published as the CloudEvents ``time``."""

    def moment(self) -> datetime | None:
        """When the event happened (its ``moment_field``), or None for a contract without one."""
        value = getattr(self, self.moment_field, None)
        return value if isinstance(value, datetime) else None

    @classmethod
    def event_name(cls) -> str:
        return cls.__name__.removesuffix(f"V{cls.major}") if cls.major > 1 else cls.__name__

    @classmethod
    def event_type(cls) -> str:
        return f"{TYPE_PREFIX}.{cls.service}.{cls.event_name()}.v{cls.major}"


def personal_data(description: str, **kwargs: Any) -> Any:
    """A field holding free text that may contain personal data.

    Marked in the JSON Schema with ``x-personal-data: true`` so integrators can route,
    mask or erase it; such a field never goes into a CloudEvents attribute.
    """
    extra = kwargs.pop("json_schema_extra", {}) or {}
    return Field(description=description, json_schema_extra={**extra, "x-personal-data": True}, **kwargs)
