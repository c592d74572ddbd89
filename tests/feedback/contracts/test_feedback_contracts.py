"""What integrators rely on in the feedback events: the organisation on every event, the drafts
retired, and anonymous requests that name nobody asked."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from trellis_contracts import EventContract
from trellis_contracts import feedback as f
from trellis_contracts.artefacts import load_schema
from trellis_contracts.catalogue import CATALOGUE, RETIRED_TYPES, UnknownEventType, contract_for
from trellis_contracts.compatibility import compare_catalogues, compare_event_schemas
from trellis_contracts.personal import personal_fields
from trellis_contracts.schemas import event_schema


def example(event: type[EventContract], number: int = 0) -> dict[str, Any]:
    examples: list[dict[str, Any]] = event.model_json_schema()["examples"]
    return dict(examples[number])


@pytest.mark.parametrize("event", f.FEEDBACK_EVENTS, ids=lambda e: e.__name__)
def test_every_feedback_event_names_its_organisation(event: type[EventContract]) -> None:
    assert "organisation_id" in event.model_json_schema()["required"]


DRAFTS = {
    f"dev.trellis.feedback.{name}.v1"
    for name in (
        "FeedbackRequested",
        "FeedbackGiven",
        "FeedbackDeclined",
        "ConversationScheduled",
        "ConversationHeld",
        "ActionItemCompleted",
    )
}

PROTECTING_MAJORS: dict[type[EventContract], type[EventContract]] = {
    f.FeedbackRequestedV2: f.FeedbackRequestedV3,
    f.FeedbackGivenV2: f.FeedbackGivenV3,
    f.FeedbackDeclinedV2: f.FeedbackDeclinedV3,
    f.FeedbackRequestClosed: f.FeedbackRequestClosedV2,
    f.ConversationScheduledV2: f.ConversationScheduledV3,
    f.ConversationHeldV2: f.ConversationHeldV3,
    f.ConversationCancelled: f.ConversationCancelledV2,
    f.ActionItemCompletedV2: f.ActionItemCompletedV3,
}


def test_the_drafts_without_an_organisation_are_retired_and_their_v2_replace_them() -> None:
    assert f.RETIRED_FEEDBACK_TYPES <= RETIRED_TYPES
    for retired in DRAFTS:
        assert retired in f.RETIRED_FEEDBACK_TYPES
        assert retired not in CATALOGUE
        with pytest.raises(UnknownEventType):
            contract_for(retired)
        assert "organisation_id" not in load_schema(retired)["properties"]  # kept as a record
        successor = contract_for(retired.removesuffix(".v1") + ".v2")
        assert "organisation_id" in successor.model_fields


def test_every_feedback_event_with_personal_text_is_published_only_in_its_protecting_major() -> None:
    published = [e for e in f.FEEDBACK_EVENTS if e.event_type() not in f.RETIRED_FEEDBACK_TYPES]
    assert {e for e in published if personal_fields(e)} == set(PROTECTING_MAJORS.values())
    assert all(e.protects_personal_data for e in PROTECTING_MAJORS.values())
    for plain, protecting in PROTECTING_MAJORS.items():
        assert plain.event_type() in f.RETIRED_FEEDBACK_TYPES
        assert contract_for(plain.event_type()) is plain  # the history still decodes
        assert issubclass(protecting, plain)
        assert protecting.event_name() == plain.event_name()
        assert protecting.major == plain.major + 1
        assert [(p.dotted, p.about) for p in personal_fields(protecting)] == [
            (p.dotted, p.about) for p in personal_fields(plain)
        ]
    assert set(f.RETIRED_FEEDBACK_TYPES) == DRAFTS | {e.event_type() for e in PROTECTING_MAJORS}


@pytest.mark.parametrize("plain", PROTECTING_MAJORS, ids=lambda e: e.__name__)
def test_the_gate_calls_the_switch_breaking_in_place_and_accepts_it_as_a_new_major(
    plain: type[EventContract],
) -> None:
    protecting = PROTECTING_MAJORS[plain]
    published = load_schema(plain.event_type())
    in_place = {**event_schema(protecting), "$id": published["$id"], "x-cloudevents-type": plain.event_type()}

    breakages = [b.message() for b in compare_event_schemas(plain.event_type(), published, in_place)]

    assert breakages and all("is now a protected value" in m for m in breakages)
    before = {plain.event_type(): published}
    after = {**before, protecting.event_type(): event_schema(protecting)}
    assert compare_catalogues(before, after) == []
    assert compare_catalogues(after, {protecting.event_type(): event_schema(protecting)}, RETIRED_TYPES) == []


def test_the_protected_schemas_show_each_personal_field_as_a_protected_value_owned_by_its_person() -> None:
    content = load_schema(f.FeedbackGivenV3.event_type())["properties"]["content"]
    assert content["$ref"] == "#/$defs/ProtectedValue"
    assert content["x-personal-data-about"] == "recipient_id"
    reason = load_schema(f.FeedbackDeclinedV3.event_type())["properties"]["reason"]
    assert reason["x-personal-data-about"] == "giver_id"
    answer = load_schema(f.FeedbackRequestClosedV2.event_type())["$defs"]["ReleasedAnswer"]["properties"]
    assert answer["content"]["$ref"] == "#/$defs/ProtectedValue"


def _person_fields(event: type[EventContract]) -> set[str]:
    return {name for name in event.model_fields if name.endswith(("_id", "_ids", "_by"))}


def test_the_events_of_an_anonymous_answer_can_name_nobody_but_the_request() -> None:
    assert _person_fields(f.AnonymousFeedbackSubmitted) == {"request_id", "organisation_id"}
    released = f.ReleasedAnswer.model_fields
    assert set(released) == {"kind", "visibility", "content"}


def test_an_anonymous_request_lists_tokens_and_no_givers() -> None:
    anonymous = example(f.FeedbackRequestedV2, 1)
    assert f.FeedbackRequestedV2.model_validate(anonymous).givers == ()
    with pytest.raises(ValidationError, match="names no givers"):
        f.FeedbackRequestedV2.model_validate(
            {**anonymous, "givers": [{"giver_id": "emp_1", "relationship": "direct_report"}]}
        )
    shuffled = list(reversed(anonymous["invitee_tokens"]))
    with pytest.raises(ValidationError, match="sorted"):
        f.FeedbackRequestedV2.model_validate({**anonymous, "invitee_tokens": shuffled})
    with pytest.raises(ValidationError, match="one invitee token per person"):
        f.FeedbackRequestedV2.model_validate({**anonymous, "invited_count": 4})
    with pytest.raises(ValidationError, match="threshold"):
        f.FeedbackRequestedV2.model_validate({**anonymous, "anonymity_threshold": None})
    with pytest.raises(ValidationError):
        f.FeedbackRequestedV2.model_validate({**anonymous, "anonymity_threshold": 2})


def test_a_named_request_lists_every_giver_and_no_tokens() -> None:
    named = example(f.FeedbackRequestedV2, 0)
    with pytest.raises(ValidationError, match="every giver"):
        f.FeedbackRequestedV2.model_validate({**named, "invited_count": 3})
    with pytest.raises(ValidationError, match="no invitee tokens"):
        f.FeedbackRequestedV2.model_validate({**named, "anonymity_threshold": 3})


def test_a_decline_says_who_in_exactly_one_way_and_an_anonymous_one_gives_no_reason() -> None:
    named, anonymous = example(f.FeedbackDeclinedV2, 0), example(f.FeedbackDeclinedV2, 1)
    with pytest.raises(ValidationError, match="either giver_id"):
        f.FeedbackDeclinedV2.model_validate({**named, "respondent_token": anonymous["respondent_token"]})
    with pytest.raises(ValidationError, match="either giver_id"):
        f.FeedbackDeclinedV2.model_validate({**anonymous, "respondent_token": None})
    with pytest.raises(ValidationError, match="no reason"):
        f.FeedbackDeclinedV2.model_validate({**anonymous, "reason": "I am the only designer"})


def test_closing_releases_every_anonymous_answer_or_none() -> None:
    released = example(f.FeedbackRequestClosed, 0)
    named = example(f.FeedbackRequestClosed, 1)
    f.FeedbackRequestClosed.model_validate(released)
    with pytest.raises(ValidationError, match="every answer"):
        f.FeedbackRequestClosed.model_validate({**released, "answered_count": 4, "declined_count": 0})
    with pytest.raises(ValidationError, match="no answer"):
        f.FeedbackRequestClosed.model_validate({**released, "results": "withheld"})
    withheld = {**released, "results": "withheld", "released_answers": []}
    assert f.FeedbackRequestClosed.model_validate(withheld).released_answers == ()
    with pytest.raises(ValidationError, match="names nobody"):
        f.FeedbackRequestClosed.model_validate({**withheld, "unanswered_giver_ids": ["emp_1"]})
    with pytest.raises(ValidationError, match="released or withheld"):
        f.FeedbackRequestClosed.model_validate({**withheld, "results": None})
    with pytest.raises(ValidationError, match="releases nothing"):
        f.FeedbackRequestClosed.model_validate({**named, "results": "withheld"})
    with pytest.raises(ValidationError, match="more responses"):
        f.FeedbackRequestClosed.model_validate({**named, "answered_count": 2})


def test_the_threshold_is_at_least_three() -> None:
    settings = example(f.AnonymityThresholdSet)
    assert f.AnonymityThresholdSet.model_validate({**settings, "threshold": 3}).threshold == 3
    with pytest.raises(ValidationError):
        f.AnonymityThresholdSet.model_validate({**settings, "threshold": 2})
