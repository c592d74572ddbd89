"""The CloudEvents envelope reads cleanly with the official SDK, and the SDK's records read
cleanly with ours, in both Kafka content modes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from cloudevents.v1 import kafka as ce_kafka_v1
from cloudevents.v1.http import CloudEvent as LegacyCloudEvent
from pydantic import ValidationError

from trellis_contracts.catalogue import UnknownEventType
from trellis_contracts.envelope import (
    SCHEMA_BASE_URI,
    Envelope,
    EnvelopeError,
    EventTypeName,
    decode_as,
    decode_envelope,
    decode_record,
    encode_binary,
    encode_structured,
    envelope_for,
    schema_path_for_uri,
    source_for,
)
from trellis_contracts.feedback import AgreedAction, ConversationHeldV2, FeedbackGivenV2
from trellis_contracts.recognition import RewardGrantedV2

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
EVENT_TIME = datetime(2026, 3, 10, 14, 30, 5, 120000, tzinfo=UTC)


def conversation_held() -> ConversationHeldV2:
    return ConversationHeldV2(
        conversation_id="conv-1",
        organisation_id="org-1",
        employee_id="emp-20417",
        manager_id="emp-11873",
        kind="quarterly_review",
        held_at=EVENT_TIME,
        held_by="emp-11873",
        progress_summary="Módulo 3 done — next: the project draft.",
        agreed_actions=(
            AgreedAction(
                action_id="act-1",
                owner_id="emp-20417",
                due_on=datetime(2026, 3, 24).date(),
                description="Share the draft",
            ),
        ),
    )


def trellis_envelope(**overrides: Any) -> Envelope:
    values: dict[str, Any] = {
        "id": "7e0f5a0c-3f4b-4a53-9d57-0d8c6f1b2a90",
        "subject": "conv-1",
        "time": EVENT_TIME,
        "traceparent": TRACEPARENT,
        "tracestate": "rojo=00f067aa0ba902b7",
        "correlationid": "corr-42",
        "causationid": "cmd-17",
        "sequence": 3,
    }
    values.update(overrides)
    return envelope_for(conversation_held(), **values)


def as_header_dict(headers: list[tuple[str, bytes]]) -> dict[str, bytes]:
    names = [name for name, _ in headers]
    assert len(names) == len(set(names)), f"duplicate headers: {names}"
    return dict(headers)


def test_binary_record_carries_every_attribute_as_a_ce_header() -> None:
    record = encode_binary(trellis_envelope(), conversation_held())

    headers = as_header_dict(record.headers)
    assert record.key == b"conv-1"
    assert headers == {
        "ce_specversion": b"1.0",
        "ce_id": b"7e0f5a0c-3f4b-4a53-9d57-0d8c6f1b2a90",
        "ce_source": b"/trellis/feedback",
        "ce_type": b"dev.trellis.feedback.ConversationHeld.v2",
        "ce_subject": b"conv-1",
        "ce_time": b"2026-03-10T14:30:05.120000Z",
        "content-type": b"application/json",
        "ce_dataschema": b"https://trellis.dev/schemas/feedback/ConversationHeld.v2.json",
        "ce_traceparent": TRACEPARENT.encode(),
        "ce_tracestate": b"rojo=00f067aa0ba902b7",
        "ce_correlationid": b"corr-42",
        "ce_causationid": b"cmd-17",
        "ce_sequence": b"00000000000000000003",
    }
    assert json.loads(record.value) == conversation_held().model_dump(mode="json")


def test_official_sdk_reads_our_binary_record() -> None:
    record = encode_binary(trellis_envelope(), conversation_held())

    event = ce_kafka.from_binary(
        ce_kafka.KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value),
        JSONFormat(),
    )

    assert event.get_id() == "7e0f5a0c-3f4b-4a53-9d57-0d8c6f1b2a90"
    assert event.get_type() == "dev.trellis.feedback.ConversationHeld.v2"
    assert event.get_source() == "/trellis/feedback"
    assert event.get_subject() == "conv-1"
    assert event.get_time() == EVENT_TIME
    assert event.get_datacontenttype() == "application/json"
    assert event.get_dataschema() == SCHEMA_BASE_URI + "feedback/ConversationHeld.v2.json"
    assert event.get_extension("traceparent") == TRACEPARENT
    assert event.get_extension("correlationid") == "corr-42"
    assert event.get_extension("causationid") == "cmd-17"
    assert event.get_extension("sequence") == "00000000000000000003"
    assert ConversationHeldV2.model_validate(event.get_data()) == conversation_held()


def test_legacy_sdk_api_reads_our_binary_record() -> None:
    record = encode_binary(trellis_envelope(), conversation_held())

    event = ce_kafka_v1.from_binary(
        ce_kafka_v1.KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value)
    )

    assert event["type"] == "dev.trellis.feedback.ConversationHeld.v2"
    assert event["subject"] == "conv-1"
    assert event["sequence"] == "00000000000000000003"
    assert ConversationHeldV2.model_validate(event.get_data()) == conversation_held()


def test_official_sdk_reads_our_structured_record() -> None:
    record = encode_structured(trellis_envelope(), conversation_held())

    assert record.headers == [("content-type", b"application/cloudevents+json")]
    event = ce_kafka.from_structured(
        ce_kafka.KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value),
        JSONFormat(),
    )
    assert event.get_type() == "dev.trellis.feedback.ConversationHeld.v2"
    assert event.get_time() == EVENT_TIME
    assert event.get_extension("tracestate") == "rojo=00f067aa0ba902b7"
    assert ConversationHeldV2.model_validate(event.get_data()) == conversation_held()


def sdk_event(data: dict[str, Any]) -> CloudEvent:
    return CloudEvent(
        attributes={
            "id": "evt-from-sdk",
            "type": "dev.trellis.feedback.FeedbackGiven.v2",
            "source": "/trellis/feedback",
            "subject": "fb-9",
            "time": datetime(2026, 3, 4, 17, 5, tzinfo=timezone(timedelta(hours=1))),
            "datacontenttype": "application/json",
            "dataschema": SCHEMA_BASE_URI + "feedback/FeedbackGiven.v2.json",
            "traceparent": TRACEPARENT,
            "sequence": "00000000000000000001",
        },
        data=data,
    )


FEEDBACK_GIVEN = FeedbackGivenV2.model_validate(FeedbackGivenV2.model_json_schema()["examples"][0])


def test_we_read_a_binary_record_written_by_the_official_sdk() -> None:
    message = ce_kafka.to_binary(
        sdk_event(FEEDBACK_GIVEN.model_dump(mode="json")), JSONFormat(), lambda e: e.get_subject()
    )

    decoded = decode_record(list(message.headers.items()), message.value)

    assert decoded.data == FEEDBACK_GIVEN
    assert decoded.envelope.id == "evt-from-sdk"
    assert decoded.envelope.subject == "fb-9"
    assert decoded.envelope.time == datetime(2026, 3, 4, 16, 5, tzinfo=UTC)
    assert decoded.envelope.traceparent == TRACEPARENT
    assert decoded.envelope.sequence == 1


def test_we_read_a_structured_record_written_by_the_official_sdk() -> None:
    message = ce_kafka.to_structured(sdk_event(FEEDBACK_GIVEN.model_dump(mode="json")), JSONFormat())

    decoded = decode_as(FeedbackGivenV2, list(message.headers.items()), message.value)

    assert decoded.data == FEEDBACK_GIVEN
    assert decoded.envelope.type == "dev.trellis.feedback.FeedbackGiven.v2"
    assert decoded.envelope.dataschema == SCHEMA_BASE_URI + "feedback/FeedbackGiven.v2.json"


def test_we_read_a_binary_record_written_by_the_legacy_sdk_api() -> None:
    legacy = LegacyCloudEvent(
        {
            "id": "evt-legacy",
            "type": "dev.trellis.feedback.FeedbackGiven.v2",
            "source": "/trellis/feedback",
            "subject": "fb-9",
            "time": "2026-03-04T16:05:00Z",
            "datacontenttype": "application/json",
        },
        FEEDBACK_GIVEN.model_dump(mode="json"),
    )
    message = ce_kafka_v1.to_binary(legacy)
    headers = [(name, value) for name, value in message.headers.items()]
    assert isinstance(message.value, bytes)

    decoded = decode_record(headers, message.value)

    assert decoded.data == FEEDBACK_GIVEN
    assert decoded.envelope.id == "evt-legacy"


def test_round_trip_through_our_own_codec_in_both_modes() -> None:
    envelope = trellis_envelope()
    for record in (
        encode_binary(envelope, conversation_held()),
        encode_structured(envelope, conversation_held()),
    ):
        decoded = decode_record(record.headers, record.value)
        assert decoded.envelope == envelope
        assert decoded.data == conversation_held()


def test_plain_dict_data_encodes_like_the_model() -> None:
    """The outbox relay publishes stored data dicts; they must give the same record."""
    from_model = encode_binary(trellis_envelope(), conversation_held())
    from_dict = encode_binary(trellis_envelope(), conversation_held().model_dump(mode="json"))

    assert json.loads(from_dict.value) == json.loads(from_model.value)
    assert from_dict.headers == from_model.headers


def test_sequence_headers_sort_like_stream_versions() -> None:
    versions = [1, 9, 10, 99, 100, 12345]
    encoded = [
        dict(encode_binary(trellis_envelope(sequence=v), conversation_held()).headers)["ce_sequence"]
        for v in versions
    ]
    assert sorted(encoded) == encoded


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "jane.doe@example.com"),
        ("subject", "Jane Doe"),
        ("subject", "org_1/jane.doe@example.com"),
        ("subject", "org_1/"),
        ("correlationid", "ask jane@example.com"),
        ("causationid", ""),
    ],
)
def test_attributes_refuse_anything_but_opaque_ids(field: str, value: str) -> None:
    with pytest.raises(EnvelopeError, match="opaque id"):
        trellis_envelope(**{field: value})


def test_a_subject_may_name_an_aggregate_within_its_organisation() -> None:
    # Streams scoped by organisation are "<category>-<organisation>/<aggregate>"; the subject is
    # what follows the category, still opaque ids only.
    envelope = trellis_envelope(subject="org_7f3a/goal_5b12")
    record = encode_binary(envelope, conversation_held())
    assert dict(record.headers)["ce_subject"] == b"org_7f3a/goal_5b12"
    assert decode_envelope(record.headers, record.value)[0].subject == "org_7f3a/goal_5b12"


def test_naive_time_and_bad_traceparent_are_refused() -> None:
    with pytest.raises(EnvelopeError, match="UTC offset"):
        trellis_envelope(time=datetime(2026, 1, 1, 12, 0))
    with pytest.raises(EnvelopeError, match="traceparent"):
        trellis_envelope(traceparent="not-a-trace")


def test_decoding_reports_unknown_types_and_bad_data_distinctly() -> None:
    unknown = Envelope.for_event(
        "dev.trellis.feedback.FeedbackWhispered.v1", id="e-1", subject="fb-1", time=EVENT_TIME
    )
    record = encode_binary(unknown, {"anything": 1})
    with pytest.raises(UnknownEventType, match="FeedbackWhispered"):
        decode_record(record.headers, record.value)

    broken = encode_binary(trellis_envelope(), {"conversation_id": "conv-1"})
    with pytest.raises(ValidationError):
        decode_record(broken.headers, broken.value)

    with pytest.raises(EnvelopeError, match="not a CloudEvent"):
        decode_record([("content-type", b"application/json")], b"{}")

    record = encode_binary(trellis_envelope(), conversation_held())
    with pytest.raises(EnvelopeError, match=r"not dev\.trellis\.feedback\.FeedbackGiven"):
        decode_as(FeedbackGivenV2, record.headers, record.value)


def test_unknown_extensions_survive_decoding() -> None:
    record = encode_binary(trellis_envelope(), conversation_held())
    headers = [*record.headers, ("ce_partitionkey", b"conv-1")]

    envelope, _ = decode_envelope(headers, record.value)

    assert envelope.extensions == {"partitionkey": "conv-1"}


def test_event_type_names_map_to_source_and_schema_file() -> None:
    parsed = EventTypeName.parse(RewardGrantedV2.event_type())

    assert parsed == EventTypeName("recognition", "RewardGranted", 2)
    assert source_for(parsed.service) == "/trellis/recognition"
    assert schema_path_for_uri(SCHEMA_BASE_URI + parsed.schema_path) == ("recognition/RewardGranted.v2.json")
    with pytest.raises(EnvelopeError):
        EventTypeName.parse("com.example.RewardGranted")


def test_a_record_of_a_protecting_contract_opens_with_the_keys_given(monkeypatch: pytest.MonkeyPatch) -> None:
    import trellis_contracts.envelope as envelope_module
    from trellis_contracts.personal import ERASED, personal_values
    from trellis_contracts.protected import seal

    from .protected_contracts import PraiseGiven

    key = bytes(range(32))
    praise = PraiseGiven(
        praise_id="p_1",
        organisation_id="org_1",
        giver_id="emp_1",
        recipient_id="emp_2",
        message="Your launch notes were superb",
        occurred_at=datetime(2026, 3, 4, tzinfo=UTC),
    )
    data = praise.model_dump(mode="json")
    for personal in personal_values(PraiseGiven, data):
        personal.replace(seal(personal.value, key=key, key_id="dk_2"))
    record = encode_binary(envelope_for(praise, id="e-1", subject="org_1/p_1", time=praise.occurred_at), data)
    monkeypatch.setattr(envelope_module, "contract_for", {PraiseGiven.event_type(): PraiseGiven}.__getitem__)

    assert decode_record(record.headers, record.value, keys={"dk_2": key}).data == praise
    assert decode_as(PraiseGiven, record.headers, record.value, keys={"dk_2": key}).data == praise
    assert decode_record(record.headers, record.value).data.message == ERASED
    assert decode_as(PraiseGiven, record.headers, record.value, keys={}).data.message == ERASED
