"""The CloudEvents 1.0 envelope and its Kafka protocol binding.

Binary mode (what Trellis publishes to Kafka): the record value is the JSON ``data``, the
``content-type`` header is ``application/json``, and every other attribute travels as a
``ce_<name>`` header in UTF-8. Structured mode (webhooks, or a Kafka record whose
``content-type`` is ``application/cloudevents+json``): the whole event is one JSON object.

Attributes are logged in the clear by brokers and tools, so they carry only opaque ids:
``subject`` is the aggregate id (opaque ids joined by ``/`` when the aggregate is scoped by
its organisation, e.g. ``org_7f3a/goal_5b12``), and the constructor refuses anything that looks
like an e-mail address or free text there.

Nothing here depends on the kernel or a Kafka client: the outbox relay calls
:func:`encode_binary` with what it stored, consumers call :func:`decode_record`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from trellis_contracts.base import TYPE_PREFIX, EventContract
from trellis_contracts.catalogue import contract_for
from trellis_contracts.fields import OPAQUE_ID_PATTERN, OPAQUE_PATH_PATTERN
from trellis_contracts.protected import KeySource, reveal

SPECVERSION = "1.0"
JSON_CONTENT_TYPE = "application/json"
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
CONTENT_TYPE_HEADER = "content-type"
CE_HEADER_PREFIX = "ce_"
SCHEMA_BASE_URI = "https://trellis.dev/schemas/"
"""``dataschema`` = this base + ``<service>/<EventName>.v<major>.json``, the same relative
path as the checked-in file under ``contracts/schemas/`` (and inside the installed package)."""

SEQUENCE_DIGITS = 20
"""The sequence extension is a lexicographically ordered string: zero-padded stream version."""

_EVENT_TYPE = re.compile(
    rf"^{re.escape(TYPE_PREFIX)}\.(?P<service>[a-z][a-z0-9_]*)\."
    r"(?P<name>[A-Z][A-Za-z0-9]*)\.v(?P<major>[1-9][0-9]*)$"
)
_OPAQUE_ID = re.compile(OPAQUE_ID_PATTERN)
_OPAQUE_PATH = re.compile(OPAQUE_PATH_PATTERN)
TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
"""W3C trace context ``traceparent``: version, trace id, parent id, flags (lower-case hex)."""
_TRACEPARENT = re.compile(TRACEPARENT_PATTERN)
_CORE_ATTRIBUTES = frozenset(
    {"id", "source", "specversion", "type", "subject", "time", "dataschema", "datacontenttype"}
)
_TRELLIS_EXTENSIONS = frozenset({"traceparent", "tracestate", "correlationid", "causationid", "sequence"})

Headers = list[tuple[str, bytes]]
E = TypeVar("E", bound=EventContract)


class EnvelopeError(ValueError):
    """A record or attribute set is not a valid Trellis CloudEvent."""


@dataclass(frozen=True)
class EventTypeName:
    """The parts of a Trellis CloudEvents type ``dev.trellis.<service>.<Name>.v<major>``."""

    service: str
    name: str
    major: int

    @classmethod
    def parse(cls, event_type: str) -> EventTypeName:
        return _parse_event_type(event_type)

    @property
    def schema_path(self) -> str:
        """Path of the JSON Schema relative to ``contracts/schemas/``."""
        return f"{self.service}/{self.name}.v{self.major}.json"


@functools.lru_cache(maxsize=1024)
def _parse_event_type(event_type: str) -> EventTypeName:
    # Cached: a producer or consumer meets the same few dozen types on every record.
    match = _EVENT_TYPE.match(event_type)
    if match is None:
        raise EnvelopeError(
            f"{event_type!r} is not a Trellis event type ({TYPE_PREFIX}.<service>.<EventName>.v<major>)"
        )
    return EventTypeName(match["service"], match["name"], int(match["major"]))


def source_for(service: str) -> str:
    """The CloudEvents ``source`` of a publishing service, e.g. ``/trellis/goals``."""
    return f"/trellis/{service}"


def dataschema_for(event_type: str) -> str:
    """The stable URI of the JSON Schema of an event type (also the schema's ``$id``)."""
    return SCHEMA_BASE_URI + EventTypeName.parse(event_type).schema_path


def schema_path_for_uri(dataschema: str) -> str:
    """The checked-in schema file (relative to ``contracts/schemas/``) a dataschema names."""
    if not dataschema.startswith(SCHEMA_BASE_URI):
        raise EnvelopeError(f"{dataschema!r} is not a Trellis schema URI")
    return dataschema.removeprefix(SCHEMA_BASE_URI)


def _format_time(moment: datetime) -> str:
    text = moment.astimezone(UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


def _parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise EnvelopeError(f"time {text!r} is not an RFC 3339 timestamp") from None
    if moment.tzinfo is None:
        raise EnvelopeError(f"time {text!r} has no UTC offset")
    return moment


@dataclass(frozen=True)
class Envelope:
    """The CloudEvents attributes of one Trellis event (everything but ``data``)."""

    id: str
    type: str
    source: str
    subject: str
    time: datetime
    dataschema: str | None = None
    datacontenttype: str = JSON_CONTENT_TYPE
    specversion: str = SPECVERSION
    traceparent: str | None = None
    tracestate: str | None = None
    correlationid: str | None = None
    causationid: str | None = None
    sequence: int | None = None
    """Version of the event in its stream (aggregate), starting at 1."""
    extensions: Mapping[str, str] = field(default_factory=dict)
    """Extension attributes this version of the contracts does not know, kept as received."""

    def __post_init__(self) -> None:
        if self.specversion != SPECVERSION:
            raise EnvelopeError(f"specversion {self.specversion!r} is not {SPECVERSION}")
        for name in ("id", "type", "source"):
            if not getattr(self, name):
                raise EnvelopeError(f"the {name} attribute must not be empty")
        for name, pattern in (
            ("subject", _OPAQUE_PATH),
            ("correlationid", _OPAQUE_ID),
            ("causationid", _OPAQUE_ID),
        ):
            value = getattr(self, name)
            if value is not None and not pattern.match(value):
                raise EnvelopeError(
                    f"{name} {value!r} is not an opaque id; attributes are logged in the clear "
                    "and must not carry names, e-mail addresses or free text"
                )
        if self.time.tzinfo is None:
            raise EnvelopeError("time must carry a UTC offset")
        if self.traceparent is not None and not _TRACEPARENT.match(self.traceparent):
            raise EnvelopeError(f"traceparent {self.traceparent!r} is not W3C trace context")
        if self.sequence is not None and self.sequence < 0:
            raise EnvelopeError("sequence must not be negative")
        clashing = set(self.extensions) & (_CORE_ATTRIBUTES | _TRELLIS_EXTENSIONS)
        if clashing:
            raise EnvelopeError(f"extensions repeat known attributes: {sorted(clashing)}")

    @classmethod
    def for_event(
        cls,
        event_type: str,
        *,
        id: str,
        subject: str,
        time: datetime,
        traceparent: str | None = None,
        tracestate: str | None = None,
        correlationid: str | None = None,
        causationid: str | None = None,
        sequence: int | None = None,
    ) -> Envelope:
        """Attributes for a Trellis event type; ``source`` and ``dataschema`` follow from it."""
        parsed = EventTypeName.parse(event_type)
        return cls(
            id=id,
            type=event_type,
            source=source_for(parsed.service),
            subject=subject,
            time=time,
            dataschema=SCHEMA_BASE_URI + parsed.schema_path,
            traceparent=traceparent,
            tracestate=tracestate,
            correlationid=correlationid,
            causationid=causationid,
            sequence=sequence,
        )

    def attributes(self) -> dict[str, str]:
        """All attributes as CloudEvents strings, absent ones left out."""
        values: dict[str, str | None] = {
            "specversion": self.specversion,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": _format_time(self.time),
            "datacontenttype": self.datacontenttype,
            "dataschema": self.dataschema,
            "traceparent": self.traceparent,
            "tracestate": self.tracestate,
            "correlationid": self.correlationid,
            "causationid": self.causationid,
            "sequence": None if self.sequence is None else str(self.sequence).zfill(SEQUENCE_DIGITS),
            **self.extensions,
        }
        return {name: value for name, value in values.items() if value is not None}

    @classmethod
    def from_attributes(cls, attributes: Mapping[str, str]) -> Envelope:
        """Read attributes as strings (headers or a structured event), validating them."""
        missing = [name for name in ("specversion", "id", "source", "type") if not attributes.get(name)]
        if missing:
            raise EnvelopeError(f"required CloudEvents attributes missing: {missing}")
        if not attributes.get("subject") or not attributes.get("time"):
            raise EnvelopeError("Trellis events always carry subject and time")
        sequence = attributes.get("sequence")
        try:
            sequence_number = None if sequence is None else int(sequence)
        except ValueError:
            raise EnvelopeError(f"sequence {sequence!r} is not a stream version") from None
        return cls(
            id=attributes["id"],
            type=attributes["type"],
            source=attributes["source"],
            subject=attributes["subject"],
            time=_parse_time(attributes["time"]),
            dataschema=attributes.get("dataschema"),
            datacontenttype=attributes.get("datacontenttype", JSON_CONTENT_TYPE),
            specversion=attributes["specversion"],
            traceparent=attributes.get("traceparent"),
            tracestate=attributes.get("tracestate"),
            correlationid=attributes.get("correlationid"),
            causationid=attributes.get("causationid"),
            sequence=sequence_number,
            extensions={
                name: value
                for name, value in attributes.items()
                if name not in _CORE_ATTRIBUTES and name not in _TRELLIS_EXTENSIONS
            },
        )


@dataclass(frozen=True)
class KafkaRecord:
    """What to hand a Kafka producer: key, headers and value, all bytes."""

    key: bytes
    headers: Headers
    value: bytes


@dataclass(frozen=True)
class DecodedEvent(Generic[E]):
    """A decoded record: its CloudEvents attributes and its typed ``data``."""

    envelope: Envelope
    data: E


def _json_bytes(data: Mapping[str, Any] | EventContract) -> bytes:
    if isinstance(data, EventContract):
        return data.model_dump_json().encode("utf-8")
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _json_value(data: Mapping[str, Any] | EventContract) -> Any:
    if isinstance(data, EventContract):
        return data.model_dump(mode="json")
    return dict(data)


def encode_binary(envelope: Envelope, data: Mapping[str, Any] | EventContract) -> KafkaRecord:
    """A binary-mode Kafka record: key = subject, ce_* headers, value = JSON data."""
    if envelope.datacontenttype != JSON_CONTENT_TYPE:
        raise EnvelopeError("Trellis events carry JSON data")
    headers: Headers = []
    for name, value in envelope.attributes().items():
        header = CONTENT_TYPE_HEADER if name == "datacontenttype" else CE_HEADER_PREFIX + name
        headers.append((header, value.encode("utf-8")))
    return KafkaRecord(key=envelope.subject.encode("utf-8"), headers=headers, value=_json_bytes(data))


def structured_event(envelope: Envelope, data: Mapping[str, Any] | EventContract) -> bytes:
    """The event in the CloudEvents JSON format (``application/cloudevents+json``)."""
    document = {**envelope.attributes(), "data": _json_value(data)}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def encode_structured(envelope: Envelope, data: Mapping[str, Any] | EventContract) -> KafkaRecord:
    """A structured-mode Kafka record: the whole event in the value."""
    return KafkaRecord(
        key=envelope.subject.encode("utf-8"),
        headers=[(CONTENT_TYPE_HEADER, STRUCTURED_CONTENT_TYPE.encode("utf-8"))],
        value=structured_event(envelope, data),
    )


def _header_text(headers: Iterable[tuple[str, bytes | None]]) -> dict[str, str]:
    text: dict[str, str] = {}
    for name, raw in headers:
        if raw is None:
            continue
        try:
            text[name.lower()] = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise EnvelopeError(f"header {name!r} is not UTF-8") from None
    return text


def _load_json(value: bytes, what: str) -> Any:
    try:
        return json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EnvelopeError(f"{what} is not JSON: {error}") from None


def decode_envelope(
    headers: Iterable[tuple[str, bytes | None]], value: bytes
) -> tuple[Envelope, dict[str, Any]]:
    """Read a Kafka record in either content mode into attributes and the raw data dict."""
    text = _header_text(headers)
    content_type = text.get(CONTENT_TYPE_HEADER, "")
    binary = any(name.startswith(CE_HEADER_PREFIX) for name in text)
    if not binary and content_type.split(";")[0].strip() == STRUCTURED_CONTENT_TYPE:
        document = _load_json(value, "structured event")
        if not isinstance(document, dict):
            raise EnvelopeError("a structured event must be a JSON object")
        data = document.pop("data", None)
        if "data_base64" in document:
            raise EnvelopeError("Trellis events carry JSON data, not data_base64")
        attributes = {name: str(item) for name, item in document.items() if item is not None}
    elif binary:
        attributes = {
            name.removeprefix(CE_HEADER_PREFIX): item
            for name, item in text.items()
            if name.startswith(CE_HEADER_PREFIX)
        }
        if content_type:
            attributes["datacontenttype"] = content_type
        data = _load_json(value, "event data")
    else:
        raise EnvelopeError("record is not a CloudEvent: no ce_ headers and not structured")
    envelope = Envelope.from_attributes(attributes)
    if envelope.datacontenttype.split(";")[0].strip() != JSON_CONTENT_TYPE:
        raise EnvelopeError(f"data content type {envelope.datacontenttype!r} is not JSON")
    if not isinstance(data, dict):
        raise EnvelopeError("event data must be a JSON object")
    return envelope, data


def decode_record(
    headers: Iterable[tuple[str, bytes | None]], value: bytes, *, keys: KeySource | None = None
) -> DecodedEvent[Any]:
    """Read a Kafka record into its envelope and the typed contract model.

    When the event's contract protects its personal data, ``keys`` (data keys by key id, or a
    function from a protected value's header to its key) opens the protected fields; a field
    whose key is not given reads as ``trellis_contracts.personal.ERASED``, every other fact as
    sent (see ``trellis_contracts.protected``).

    Raises :class:`trellis_contracts.catalogue.UnknownEventType` for a type this version of
    the contracts does not know (a consumer may skip it), :class:`EnvelopeError` for a
    record that is not a Trellis CloudEvent, and pydantic's ``ValidationError`` for data
    that does not match its contract (``ProtectedValueError``, a ValueError, for a protected
    field that is malformed or does not open with its key).
    """
    envelope, data = decode_envelope(headers, value)
    contract = contract_for(envelope.type)
    return DecodedEvent(envelope=envelope, data=contract.model_validate(reveal(contract, data, keys)))


def decode_as(
    contract: type[E],
    headers: Iterable[tuple[str, bytes | None]],
    value: bytes,
    *,
    keys: KeySource | None = None,
) -> DecodedEvent[E]:
    """Like :func:`decode_record`, for a consumer that expects exactly one contract."""
    envelope, data = decode_envelope(headers, value)
    if envelope.type != contract.event_type():
        raise EnvelopeError(f"record has type {envelope.type}, not {contract.event_type()}")
    return DecodedEvent(envelope=envelope, data=contract.model_validate(reveal(contract, data, keys)))


def envelope_for(
    event: EventContract,
    *,
    id: str,
    subject: str,
    time: datetime,
    traceparent: str | None = None,
    tracestate: str | None = None,
    correlationid: str | None = None,
    causationid: str | None = None,
    sequence: int | None = None,
) -> Envelope:
    """Attributes for a contract instance (type, source and dataschema from its class)."""
    return Envelope.for_event(
        type(event).event_type(),
        id=id,
        subject=subject,
        time=time,
        traceparent=traceparent,
        tracestate=tracestate,
        correlationid=correlationid,
        causationid=causationid,
        sequence=sequence,
    )
