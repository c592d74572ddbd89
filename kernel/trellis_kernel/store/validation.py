"""The store's boundary: what it refuses before anything reaches PostgreSQL (or, later, Kafka).

Every stored event is published by the relay as a CloudEvent (key = stream id, headers from the
metadata, value = the payload as JSON), so an append is refused with InvalidValue when:

- the stream id is not ``<category>-<id>``: a category (a letter, then letters, digits or
  ``_``) before the first ``-``, then opaque ids joined by ``/`` (no whitespace, control
  characters or ``@``), at most MAX_STREAM_ID_LENGTH characters;
- the event type is not a Trellis CloudEvents type ``dev.trellis.<service>.<EventName>.v<major>``;
- the traceparent is not W3C trace context, the principal is empty, too long or not text;
- any string (payload keys and values, principal) holds a NUL character, which PostgreSQL cannot
  store, or a lone surrogate, which is not Unicode text;
- the payload is not a JSON object (NaN and infinities included), or its JSON is larger than
  the store's ``max_payload_bytes`` (by default below Kafka's default 1 MiB record limit);
- a version is outside PostgreSQL's integer range or an id is not a UUID.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from uuid import UUID

from trellis_contracts.envelope import EnvelopeError, EventTypeName
from trellis_contracts.fields import OPAQUE_PATH_PATTERN
from trellis_kernel.metadata import EventMetadata, is_traceparent
from trellis_kernel.store.errors import Expected, ExpectedVersion, InvalidValue

MAX_VERSION: Final = 2**31 - 1  # PostgreSQL's integer
MAX_STREAM_ID_LENGTH: Final = 320
MAX_PRINCIPAL_LENGTH: Final = 512
DEFAULT_MAX_PAYLOAD_BYTES: Final = 1_000_000
"""Kafka refuses records over 1 MiB by default (the producer's max.request.size and the
broker's message.max.bytes); this leaves room for the key and the CloudEvents headers."""

CATEGORY_PATTERN: Final = r"[A-Za-z][A-Za-z0-9_]{0,63}"
_STREAM_ID: Final = re.compile(rf"{CATEGORY_PATTERN}-{OPAQUE_PATH_PATTERN.strip('^$')}")
_CATEGORY: Final = re.compile(CATEGORY_PATTERN)
_UNSTORABLE: Final = re.compile("[\x00\ud800-\udfff]")
# In JSON text (written with ensure_ascii=False, so other characters stay as they are) a NUL is
# the escape \u0000: a backslash, itself not escaped, followed by u0000.
_NUL_ESCAPE_OR_SURROGATE: Final = re.compile(r"(?<!\\)(?:\\\\)*\\u0000|[\ud800-\udfff]")


@dataclass(frozen=True)
class StoreLimits:
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES


DEFAULT_LIMITS: Final = StoreLimits()


def describe_string_problem(value: str) -> str | None:
    """Why PostgreSQL could not store ``value`` as text, or None when it can."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character"
    return f"contains a lone surrogate (U+{ord(found.group()):04X}), which is not Unicode text"


def check_text(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidValue(field, f"must be a string, not {type(value).__name__}")
    problem = describe_string_problem(value)
    if problem is not None:
        raise InvalidValue(field, problem)
    return value


def check_stream_id(stream_id: object) -> str:
    text = check_text("stream_id", stream_id)
    if len(text) > MAX_STREAM_ID_LENGTH:
        raise InvalidValue("stream_id", f"is longer than {MAX_STREAM_ID_LENGTH} characters")
    if _STREAM_ID.fullmatch(text) is None:
        raise InvalidValue(
            "stream_id",
            f"{text!r} is not '<category>-<id>' (a category of letters, digits and '_' before the "
            "first '-', then opaque ids joined by '/'; no whitespace, control characters or '@')",
        )
    return text


def check_category(category: str) -> str:
    if not isinstance(category, str) or _CATEGORY.fullmatch(category) is None:
        raise InvalidValue("category", f"{category!r} is not a letter followed by letters, digits or '_'")
    return category


def check_readable_stream_id(stream_id: object) -> str:
    """Reads accept any stream id PostgreSQL could hold (older rows may not follow the syntax)."""
    return check_text("stream_id", stream_id)


def check_version(field: str, value: object, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(field, f"must be an int, not {type(value).__name__}")
    if not minimum <= value <= MAX_VERSION:
        raise InvalidValue(field, f"{value} is outside {minimum}..{MAX_VERSION}")
    return value


def expected_version(expected: Expected, event_count: int) -> int | None:
    """The exact version the writer expects (None for ANY), refused when out of range."""
    if expected is ExpectedVersion.ANY:
        return None
    if expected is ExpectedVersion.NO_STREAM:
        return 0
    version = check_version("expected", expected)
    if version + event_count > MAX_VERSION:
        raise InvalidValue("expected", f"{version} + {event_count} events passes {MAX_VERSION}")
    return version


def check_event_type(event_type: object) -> str:
    text = check_text("event_type", event_type)
    try:
        EventTypeName.parse(text)
    except EnvelopeError as error:
        raise InvalidValue("event_type", str(error)) from None
    return text


def check_metadata(metadata: EventMetadata) -> EventMetadata:
    if not isinstance(metadata, EventMetadata):
        raise InvalidValue("metadata", f"must be EventMetadata, not {type(metadata).__name__}")
    principal = check_text("metadata.principal", metadata.principal)
    if not principal or len(principal) > MAX_PRINCIPAL_LENGTH:
        raise InvalidValue("metadata.principal", f"must be 1 to {MAX_PRINCIPAL_LENGTH} characters")
    for name in ("correlation_id", "causation_id"):
        value = getattr(metadata, name)
        if value is not None and not isinstance(value, UUID):
            raise InvalidValue(f"metadata.{name}", f"must be a UUID or None, not {type(value).__name__}")
    if metadata.traceparent is not None:
        traceparent = check_text("metadata.traceparent", metadata.traceparent)
        if not is_traceparent(traceparent):
            raise InvalidValue("metadata.traceparent", f"{traceparent!r} is not W3C trace context")
    return metadata


def payload_json(payload: object, limits: StoreLimits, field: str = "payload") -> str:
    """The payload as the JSON text the store writes (and the relay will publish)."""
    if not isinstance(payload, dict):
        raise InvalidValue(field, f"must be a JSON object (a dict), not {type(payload).__name__}")
    try:
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidValue(field, f"is not JSON: {error}") from None
    found = _NUL_ESCAPE_OR_SURROGATE.search(text)
    if found is not None:
        problem = describe_string_problem(_first_bad_string(payload))
        raise InvalidValue(field, f"a string {problem or 'cannot be stored'}")
    size = len(text) if text.isascii() else len(text.encode("utf-8"))
    if size > limits.max_payload_bytes:
        raise InvalidValue(
            field, f"is {size} bytes of JSON, more than the limit of {limits.max_payload_bytes}"
        )
    return text


def _first_bad_string(value: Any) -> str:
    """The first string (key or value) in ``value`` that PostgreSQL cannot store."""
    if isinstance(value, str):
        return value if describe_string_problem(value) else ""
    if isinstance(value, dict):
        items: list[Any] = [item for pair in value.items() for item in pair]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        return ""
    for item in items:
        if bad := _first_bad_string(item):
            return bad
    return ""


@dataclass(frozen=True)
class CheckedAppend:
    """An append that passed the boundary: what the store needs to write it."""

    expected_version: int | None
    payloads: list[str]


def check_append(
    stream_id: str,
    events: Sequence[Any],
    expected: Expected,
    metadata: EventMetadata,
    limits: StoreLimits,
) -> CheckedAppend:
    """Refuse (InvalidValue) anything in an append that cannot be stored or published."""
    check_stream_id(stream_id)
    check_metadata(metadata)
    version = expected_version(expected, len(events))
    payloads = []
    for index, event in enumerate(events):
        where = f"events[{index}]"
        check_event_type(event.event_type)
        check_version(f"{where}.schema_version", event.schema_version, minimum=1)
        if not isinstance(event.event_id, UUID):
            raise InvalidValue(f"{where}.event_id", "must be a UUID")
        occurred_at = event.occurred_at
        if occurred_at is not None and (not isinstance(occurred_at, datetime) or occurred_at.tzinfo is None):
            raise InvalidValue(f"{where}.occurred_at", "must be a datetime with a UTC offset")
        payloads.append(payload_json(event.payload, limits, f"{where}.payload"))
    return CheckedAppend(version, payloads)
