"""Policy documents in request bodies: YAML or JSON text, read as the policy reader reads it;
what is wrong with one answers 422, each problem at its line, column and field."""

from __future__ import annotations

from typing import Any, Final

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from trellis_contracts.reward_policy import POLICY_SCHEMA_ID
from trellis_recognition.policy_documents import InvalidPolicy

MAX_DOCUMENT_BYTES: Final = 256 * 1024

DOCUMENT_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "description": f"A reward policy document (YAML or JSON) following {POLICY_SCHEMA_ID}.",
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object", "additionalProperties": True}},
        },
    }
}
"""The request body as the OpenAPI document shows it (the route reads the raw text)."""


def _sendable(text: str) -> str:
    """The text as UTF-8 can carry it: a document's keys may hold lone surrogates (JSON allows
    escaped ones), shown escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def problems(fields_and_reasons: list[tuple[str, str]]) -> RequestValidationError:
    """A 422 listing each problem (``field``: a dotted path) as the kit answers it."""
    fields_and_reasons = [(_sendable(field), _sendable(reason)) for field, reason in fields_and_reasons]
    return RequestValidationError(
        [
            {"loc": (field,) if field else (), "msg": reason, "type": "value_error"}
            for field, reason in fields_and_reasons
        ]
    )


async def document_text(request: Request) -> str:
    body = await request.body()
    if len(body) > MAX_DOCUMENT_BYTES:
        raise problems([("", f"a policy document is at most {MAX_DOCUMENT_BYTES} bytes")])
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise problems(
            [("", f"a policy document is UTF-8 text: {error.reason} at byte {error.start}")]
        ) from None


def invalid_document(error: InvalidPolicy) -> RequestValidationError:
    return problems(
        [
            (problem.field, f"line {problem.line}, column {problem.column}: {problem.reason}")
            for problem in error.problems
        ]
    )
