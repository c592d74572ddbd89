"""What the CloudEvents envelope accepts at its edges, the exact bytes it writes, and why it refuses
a record: the reason is what a dead letter carries for the people who replay it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from trellis_contracts.envelope import (
    Envelope,
    EnvelopeError,
    dataschema_for,
    decode_envelope,
    encode_binary,
    encode_structured,
    schema_path_for_uri,
    structured_event,
)

HELD = "dev.trellis.feedback.ConversationHeld.v1"
EVENT_TIME = datetime(2026, 3, 10, 14, 30, 5, tzinfo=UTC)
DATA = {"conversation_id": "conv-1", "progress_summary": "Módulo 3 done — next: the draft"}


def envelope(**overrides: Any) -> Envelope:
    values: dict[str, Any] = {"id": "evt-1", "subject": "conv-1", "time": EVENT_TIME, "sequence": 3}
    values.update(overrides)
    return Envelope.for_event(HELD, **values)


def binary_headers(**attributes: str) -> list[tuple[str, bytes | None]]:
    values = {
        "specversion": "1.0",
        "id": "evt-1",
        "source": "/trellis/feedback",
        "type": HELD,
        "subject": "conv-1",
        "time": "2026-03-10T14:30:05Z",
    }
    values.update(attributes)
    return [(f"ce_{name}", value.encode()) for name, value in values.items() if value]


def refusal(headers: list[tuple[str, bytes | None]], value: bytes = b"{}") -> str:
    with pytest.raises(EnvelopeError) as raised:
        decode_envelope(headers, value)
    return str(raised.value)


# --- the bytes on the wire ----------------------------------------------------------------------------------


def test_data_is_compact_json_with_text_in_utf8_not_escaped() -> None:
    expected = '{"conversation_id":"conv-1","progress_summary":"Módulo 3 done — next: the draft"}'.encode()

    assert encode_binary(envelope(), DATA).value == expected
    document = structured_event(envelope(), DATA)
    assert document.startswith(b'{"specversion":"1.0","id":"evt-1",')
    assert document.endswith(b',"data":' + expected + b"}")


def test_a_structured_record_is_keyed_by_the_subject_like_a_binary_one() -> None:
    record = encode_structured(envelope(), DATA)

    assert record.key == b"conv-1" == encode_binary(envelope(), DATA).key
    assert decode_envelope(record.headers, record.value) == (envelope(), DATA)


@pytest.fixture
def new_york_clock() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "America/New_York")
        time.tzset()
        yield
    time.tzset()


@pytest.mark.usefixtures("new_york_clock")
def test_the_time_attribute_is_utc_whatever_the_producers_time_zone() -> None:
    paris = datetime(2026, 3, 10, 15, 30, 5, tzinfo=timezone(timedelta(hours=1)))

    headers = dict(encode_binary(envelope(time=paris), DATA).headers)

    assert headers["ce_time"] == b"2026-03-10T14:30:05Z"


def test_the_dataschema_names_the_published_schema_file() -> None:
    uri = dataschema_for(HELD)

    assert uri == "https://trellis.dev/schemas/feedback/ConversationHeld.v1.json"
    assert schema_path_for_uri(uri) == "feedback/ConversationHeld.v1.json"
    with pytest.raises(EnvelopeError) as raised:
        schema_path_for_uri("https://example.com/ConversationHeld.json")
    assert str(raised.value) == "'https://example.com/ConversationHeld.json' is not a Trellis schema URI"


# --- what is read at the edges ------------------------------------------------------------------------------


def test_content_types_with_parameters_are_still_json() -> None:
    binary = [*binary_headers(), ("content-type", b"application/json; charset=utf-8")]
    structured_value = structured_event(envelope(), DATA)

    read, data = decode_envelope(binary, b'{"a": 1}')
    structured, _ = decode_envelope(
        [("content-type", b"application/cloudevents+json; charset=utf-8")], structured_value
    )

    assert (read.datacontenttype, data) == ("application/json; charset=utf-8", {"a": 1})
    assert structured == envelope()


def test_a_binary_record_without_a_content_type_is_json() -> None:
    read, data = decode_envelope(binary_headers(), b'{"a": 1}')

    assert (read.datacontenttype, data) == ("application/json", {"a": 1})


def test_a_header_without_a_value_is_skipped_and_the_rest_still_read() -> None:
    headers = [("ce_partitionkey", None), *binary_headers()]

    read, _ = decode_envelope(headers, b"{}")

    assert (read.id, read.subject, read.extensions) == ("evt-1", "conv-1", {})


def test_sequence_zero_is_a_valid_stream_position_and_absent_is_none() -> None:
    assert envelope(sequence=0).attributes()["sequence"] == "00000000000000000000"
    read, _ = decode_envelope(binary_headers(), b"{}")
    assert read.sequence is None


# --- why a record or an envelope is refused -------------------------------------------------------------------


def test_records_that_are_not_cloudevents_say_why() -> None:
    assert refusal([]) == "record is not a CloudEvent: no ce_ headers and not structured"
    assert refusal([("content-type", b"text/plain")]) == (
        "record is not a CloudEvent: no ce_ headers and not structured"
    )
    assert refusal([("ce_id", b"\xff\xfe")]) == "header 'ce_id' is not UTF-8"


def test_data_that_is_not_a_json_object_says_why() -> None:
    assert refusal(binary_headers(), b"[1, 2]") == "event data must be a JSON object"
    assert refusal(binary_headers(), b"not json").startswith("event data is not JSON: ")
    text = [*binary_headers(), ("content-type", b"text/plain")]
    assert refusal(text) == "data content type 'text/plain' is not JSON"


def test_structured_events_that_trellis_cannot_read_say_why() -> None:
    structured = [("content-type", b"application/cloudevents+json")]
    attributes = envelope().attributes()

    assert refusal(structured, b"[]") == "a structured event must be a JSON object"
    assert refusal(structured, b"{").startswith("structured event is not JSON: ")
    assert refusal(structured, json.dumps({**attributes, "data_base64": "e30="}).encode()) == (
        "Trellis events carry JSON data, not data_base64"
    )
    assert refusal(structured, json.dumps(attributes).encode()) == "event data must be a JSON object"


def test_missing_or_malformed_attributes_say_which() -> None:
    assert (
        refusal(binary_headers(id="", source=""))
        == "required CloudEvents attributes missing: ['id', 'source']"
    )
    assert refusal(binary_headers(subject="")) == "Trellis events always carry subject and time"
    assert refusal(binary_headers(time="")) == "Trellis events always carry subject and time"
    assert refusal(binary_headers(sequence="third")) == "sequence 'third' is not a stream version"
    assert refusal(binary_headers(time="yesterday")) == "time 'yesterday' is not an RFC 3339 timestamp"
    assert (
        refusal(binary_headers(time="2026-03-10T14:30:05")) == "time '2026-03-10T14:30:05' has no UTC offset"
    )
    assert refusal(binary_headers(specversion="0.3")) == "specversion '0.3' is not 1.0"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"id": ""}, "the id attribute must not be empty"),
        (
            {"subject": "Jane Doe"},
            "subject 'Jane Doe' is not an opaque id; attributes are logged in the clear "
            "and must not carry names, e-mail addresses or free text",
        ),
        ({"time": datetime(2026, 3, 10, 14, 30)}, "time must carry a UTC offset"),
        ({"sequence": -1}, "sequence must not be negative"),
        ({"extensions": {"subject": "x"}}, "extensions repeat known attributes: ['subject']"),
        (
            {"extensions": {"traceparent": "x", "partitionkey": "conv-1"}},
            "extensions repeat known attributes: ['traceparent']",
        ),
        ({"datacontenttype": "text/plain"}, None),
    ],
    ids=[
        "empty-id",
        "free-text-subject",
        "naive-time",
        "negative-sequence",
        "core-clash",
        "trellis-clash",
        "text",
    ],
)
def test_an_envelope_that_breaks_the_rules_says_which(overrides: dict[str, Any], reason: str | None) -> None:
    values: dict[str, Any] = {
        "id": "evt-1",
        "type": HELD,
        "source": "/trellis/feedback",
        "subject": "conv-1",
        "time": EVENT_TIME,
    }
    values.update(overrides)
    if reason is None:  # a valid envelope, but Trellis publishes only JSON data
        with pytest.raises(EnvelopeError) as raised:
            encode_binary(Envelope(**values), DATA)
        assert str(raised.value) == "Trellis events carry JSON data"
        return
    with pytest.raises(EnvelopeError) as raised:
        Envelope(**values)
    assert str(raised.value) == reason
