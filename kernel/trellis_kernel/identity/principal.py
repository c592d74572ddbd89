"""Who is acting: the verified subject of a bearer token."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Principal:
    """The acting principal, taken from a verified token; ``subject`` is what events record."""

    subject: str
    roles: frozenset[str] = frozenset()
    organisation_id: str | None = None
    claims: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def has_role(self, role: str) -> bool:
        return role in self.roles
