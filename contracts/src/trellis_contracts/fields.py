"""Field types shared by the event contracts of every service.

Identifiers are opaque (a UUID or another opaque string): the pattern rejects ``@`` and
spaces so that an e-mail address or a person's name cannot slip in as an id.
Money travels as a decimal string plus an ISO 4217 code, never as a float.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

_OPAQUE_ID = r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}"
OPAQUE_ID_PATTERN = rf"^{_OPAQUE_ID}$"
OPAQUE_PATH_PATTERN = rf"^{_OPAQUE_ID}(/{_OPAQUE_ID})*$"
"""Opaque ids joined by ``/``, e.g. ``org_7f3a/goal_5b12`` (an aggregate scoped by organisation)."""
NO_NUL_PATTERN = r"^[^\x00]*$"
"""Text of any kind but the NUL character, which no JSON document stored in PostgreSQL (jsonb)
can hold: refused at every API instead of failing deep in the database."""
DECIMAL_AMOUNT_PATTERN = r"^-?(0|[1-9][0-9]*)(\.[0-9]{1,6})?$"
CURRENCY_CODE_PATTERN = r"^[A-Z]{3}$"

Text = Annotated[str, StringConstraints(pattern=NO_NUL_PATTERN)]
"""Free text: anything but NUL. Bound its length with ``Field(max_length=...)`` where used."""

OpaqueId = Annotated[
    str,
    StringConstraints(pattern=OPAQUE_ID_PATTERN),
    Field(
        description="Opaque identifier (UUID or opaque string); never a name or e-mail address.",
        examples=["0b7c9a64-5a43-4a8e-9f07-4f7f3c0d2f11"],
    ),
]

DecimalAmount = Annotated[
    str,
    StringConstraints(pattern=DECIMAL_AMOUNT_PATTERN),
    Field(
        description='Decimal number as a string (up to 6 fraction digits), e.g. "1250.00".',
        examples=["1250.00"],
    ),
]

CurrencyCode = Annotated[
    str,
    StringConstraints(pattern=CURRENCY_CODE_PATTERN),
    Field(description="ISO 4217 alphabetic currency code.", examples=["EUR"]),
]


class Money(BaseModel):
    """An amount of money: decimal string plus ISO 4217 currency."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    amount: DecimalAmount
    currency: CurrencyCode

    def as_decimal(self) -> Decimal:
        return Decimal(self.amount)
