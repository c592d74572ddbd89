"""The kernel's small pure pieces, without a database or a broker: stream names, what the relay
publishes for a stored event and how a consumer reads it back, partition choice without a key,
metadata recorded for a principal, and whether any upcaster is registered."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from trellis_kernel.consumers.cloudevents import decode_cloudevent
from trellis_kernel.consumers.incoming import DecodedEvent
from trellis_kernel.identity import event_metadata
from trellis_kernel.identity.principal import Principal
from trellis_kernel.metadata import EventMetadata
from trellis_kernel.relay.cloudevents import encode_cloudevent
from trellis_kernel.relay.encoding import record_key
from trellis_kernel.relay.partitioning import cached_key_partitioner
from trellis_kernel.store import Upcasters
from trellis_kernel.store.records import (
    Position,
    StoredEvent,
    organisation_stream_id,
    stream_category,
    stream_id,
    stream_subject,
)

EVENT_ID = UUID("7e0f5a0c-3f4b-4a53-9d57-0d8c6f1b2a90")
CORRELATION = UUID("0b7c9a64-5a43-4a8e-9f07-4f7f3c0d2f11")
CAUSATION = UUID("5f0c1a52-4d4e-4f0f-a1c6-2b9a8e1d7c33")
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
OCCURRED = datetime(2026, 3, 10, 14, 30, 5, tzinfo=UTC)


def stored(**overrides: object) -> StoredEvent:
    values: dict[str, object] = {
        "event_id": EVENT_ID,
        "stream_id": "goal-goal-7",
        "version": 12,
        "position": Position(900, 41),
        "event_type": "dev.trellis.goals.GoalAgreed.v1",
        "schema_version": 1,
        "payload": {"goal_id": "goal-7", "agreed_by": "mgr_1"},
        "occurred_at": OCCURRED,
        "recorded_at": OCCURRED,
        "correlation_id": CORRELATION,
        "causation_id": CAUSATION,
        "principal": "mgr_1",
        "traceparent": TRACEPARENT,
    }
    values.update(overrides)
    return StoredEvent(**values)  # type: ignore[arg-type]


# --- stream names --------------------------------------------------------------------------------------------


def test_a_stream_is_named_by_its_aggregate_type_and_id() -> None:
    assert stream_id("goal", "goal-7") == "goal-goal-7"
    assert stream_id("vision", EVENT_ID) == f"vision-{EVENT_ID}"
    assert stream_category("goal-goal-7") == "goal"
    assert stream_category("goal") == "goal"
    assert stream_subject("goal-goal-7") == "goal-7"
    assert stream_subject("standalone") == "standalone"


@pytest.mark.parametrize("aggregate_type", ["", "career-track"])
def test_an_aggregate_type_is_never_empty_and_has_no_dash(aggregate_type: str) -> None:
    with pytest.raises(ValueError) as raised:
        stream_id(aggregate_type, "x")

    assert (
        str(raised.value)
        == f"category: {aggregate_type!r} is not a letter followed by letters, digits or '_'"
    )


def test_a_stream_scoped_by_organisation_keeps_both_ids_in_its_subject() -> None:
    stream = organisation_stream_id("feedback", "org_7", "fb_1")

    assert stream == "feedback-org_7/fb_1"
    assert (stream_category(stream), stream_subject(stream)) == ("feedback", "org_7/fb_1")


@pytest.mark.parametrize(
    ("organisation_id", "aggregate_id", "reason"),
    [
        ("", "fb_1", "organisation_id: '' must be a non-empty opaque id without '/'"),
        ("org/7", "fb_1", "organisation_id: 'org/7' must be a non-empty opaque id without '/'"),
        ("org_7", "", "aggregate_id: '' must be a non-empty opaque id without '/'"),
        ("org_7", "fb/1", "aggregate_id: 'fb/1' must be a non-empty opaque id without '/'"),
    ],
)
def test_an_organisation_scoped_stream_refuses_ids_that_would_blur_the_scope(
    organisation_id: str, aggregate_id: str, reason: str
) -> None:
    with pytest.raises(ValueError) as raised:
        organisation_stream_id("feedback", organisation_id, aggregate_id)

    assert str(raised.value) == reason


# --- from the store to a record and back -----------------------------------------------------------------------


def test_a_consumer_reads_back_exactly_what_the_relay_published_for_a_stored_event() -> None:
    record = encode_cloudevent(stored())

    assert record_key(stored()) == b"goal-goal-7"
    assert decode_cloudevent(record.headers, record.value) == DecodedEvent(
        event_id=EVENT_ID,
        event_type="dev.trellis.goals.GoalAgreed.v1",
        source="/trellis/goals",
        subject="goal-7",
        data={"goal_id": "goal-7", "agreed_by": "mgr_1"},
        attributes={
            "specversion": "1.0",
            "id": str(EVENT_ID),
            "source": "/trellis/goals",
            "type": "dev.trellis.goals.GoalAgreed.v1",
            "subject": "goal-7",
            "time": "2026-03-10T14:30:05Z",
            "datacontenttype": "application/json",
            "dataschema": "https://trellis.dev/schemas/goals/GoalAgreed.v1.json",
            "traceparent": TRACEPARENT,
            "correlationid": str(CORRELATION),
            "causationid": str(CAUSATION),
            "sequence": "00000000000000000012",
        },
    )


def test_an_event_without_trace_or_causes_publishes_none() -> None:
    record = encode_cloudevent(stored(correlation_id=None, causation_id=None, traceparent=None))

    attributes = decode_cloudevent(record.headers, record.value).attributes
    assert attributes is not None
    assert {"traceparent", "correlationid", "causationid"}.isdisjoint(attributes)


def test_a_record_whose_id_is_not_a_uuid_is_refused() -> None:
    record = encode_cloudevent(stored())
    headers = [(name, b"evt-1" if name == "ce_id" else value) for name, value in record.headers]

    with pytest.raises(ValueError):
        decode_cloudevent(headers, record.value)


# --- partitions, metadata, upcasters ---------------------------------------------------------------------------


def test_a_record_without_a_key_goes_to_the_first_available_partition() -> None:
    assert cached_key_partitioner(None, [0, 1, 2], [2, 1]) == 2
    assert cached_key_partitioner(None, [0, 1, 2], []) == 0


def test_metadata_records_the_principal_and_every_link_given() -> None:
    principal = Principal("user-42", roles=frozenset({"manager"}), organisation_id="org-1")

    assert event_metadata(
        principal, correlation_id=CORRELATION, causation_id=CAUSATION, traceparent=TRACEPARENT
    ) == EventMetadata("user-42", CORRELATION, CAUSATION, TRACEPARENT)
    assert event_metadata(principal) == EventMetadata("user-42")
    assert principal.has_role("manager") and not principal.has_role("hr_admin")


def test_upcasters_say_whether_any_is_registered() -> None:
    upcasters = Upcasters()
    assert not upcasters

    upcasters.register("T", 1, dict)
    assert upcasters
