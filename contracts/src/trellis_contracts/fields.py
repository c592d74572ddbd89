"""Field types shared by the event contracts of every service.

Identifiers are opaque (a UUID or another opaque string): the pattern rejects ``@`` and
spaces so that an e-mail address or a person's name cannot slip in as an id.
Money travels as a decimal string plus an ISO 4217 code, never as a float.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

OPAQUE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
DECIMAL_AMOUNT_PATTERN = r"^-?(0|[1-9][0-9]*)(\.[0-9]{1,6})?$"
CURRENCY_CODE_PATTERN = r"^[A-Z]{3}$"

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
