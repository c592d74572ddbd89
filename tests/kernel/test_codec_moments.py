"""The codec stores each event at the moment its contract names, and organisation-scoped stream
ids keep every id of the aggregate apart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.kernel.commands.titles import CODEC, Titled
from trellis_contracts.feedback import FEEDBACK_EVENTS, ConversationHeldV2, FeedbackGivenV2
from trellis_contracts.goals import GOALS_EVENTS, ReportingLineChanged
from trellis_kernel.codec import ContractCodec
from trellis_kernel.relay.cloudevents import encode_cloudevent
from trellis_kernel.store import InvalidValue, Position, StoredEvent, organisation_stream_id, stream_subject

GIVEN_AT = datetime(2026, 3, 4, 16, 5, tzinfo=UTC)


def given() -> FeedbackGivenV2:
    return FeedbackGivenV2(
        feedback_id="fb_1",
        organisation_id="org_1",
        giver_id="emp_2",
        recipient_id="emp_1",
        relationship="peer",
        kind="praise",
        content="Clear launch notes.",
        visibility="recipient_only",
        given_at=GIVEN_AT,
    )


def test_a_feedback_event_is_stored_at_the_moment_it_was_given_not_when_it_was_stored() -> None:
    codec: ContractCodec[FeedbackGivenV2] = ContractCodec(FEEDBACK_EVENTS)
    assert codec.encode(given()).occurred_at == GIVEN_AT
    held = ConversationHeldV2.model_validate(ConversationHeldV2.model_json_schema()["examples"][0])
    assert ContractCodec[ConversationHeldV2](FEEDBACK_EVENTS).encode(held).occurred_at == held.held_at


def test_a_goals_event_keeps_its_occurred_at() -> None:
    line = ReportingLineChanged(
        organisation_id="org_1",
        employee_id="emp_1",
        manager_id="mgr_1",
        changed_by="hr_1",
        occurred_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
    )
    assert ContractCodec[ReportingLineChanged](GOALS_EVENTS).encode(line).occurred_at == line.occurred_at


def test_an_event_that_names_no_moment_is_stored_at_the_time_of_the_append() -> None:
    assert CODEC.encode(Titled(title="A")).occurred_at is None


def test_the_cloudevents_time_of_a_published_feedback_event_is_its_moment() -> None:
    record = ContractCodec[FeedbackGivenV2](FEEDBACK_EVENTS).encode(given())
    stored = StoredEvent(
        event_id=record.event_id,
        stream_id=organisation_stream_id("feedback", "org_1", "fb_1"),
        version=1,
        position=Position(1, 1),
        event_type=record.event_type,
        schema_version=1,
        payload=record.payload,
        occurred_at=record.occurred_at or datetime.now(UTC),
        recorded_at=datetime(2026, 3, 9, tzinfo=UTC),
        correlation_id=None,
        causation_id=None,
        principal="emp_2",
    )
    headers = dict(encode_cloudevent(stored).headers)
    assert headers["ce_time"] == b"2026-03-04T16:05:00Z"
    assert headers["ce_subject"] == b"org_1/fb_1"


def test_an_aggregate_of_several_ids_names_each_in_its_stream_and_subject() -> None:
    cadence = organisation_stream_id("cadence", "org_7", "emp_1", "mgr_1")
    assert cadence == "cadence-org_7/emp_1/mgr_1"
    assert stream_subject(cadence) == "org_7/emp_1/mgr_1"
    assert organisation_stream_id("feedback", "org_7", "fb_1") == "feedback-org_7/fb_1"


@pytest.mark.parametrize("parts", [("emp/1", "mgr_1"), ("emp_1", ""), ("emp_1", "mgr/1")])
def test_no_id_of_a_scoped_stream_may_hold_a_slash_or_be_empty(parts: tuple[str, str]) -> None:
    with pytest.raises(InvalidValue):
        organisation_stream_id("cadence", "org_7", *parts)
