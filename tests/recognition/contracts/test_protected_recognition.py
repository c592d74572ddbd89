"""What integrators rely on in the recognition events' personal text: sealed with the key of the
person it is about, while what payroll and the LMS act on stays readable without any key."""

from __future__ import annotations

from typing import Any

import pytest

from trellis_contracts import EventContract
from trellis_contracts import recognition as r
from trellis_contracts.artefacts import load_schema
from trellis_contracts.catalogue import CATALOGUE, RETIRED_TYPES, UnknownEventType, contract_for
from trellis_contracts.compatibility import compare_event_schemas
from trellis_contracts.personal import ERASED, personal_fields
from trellis_contracts.protected import is_protected_value, reveal
from trellis_contracts.schemas import EXAMPLE_KEY, event_schema

PROTECTED: dict[type[EventContract], tuple[type[EventContract], dict[str, str]]] = {
    # new major: (the major it replaces, {protected field: whose key})
    r.RecognitionAwardedV3: (r.RecognitionAwardedV2, {"message": "recipient_id"}),
    r.RewardRejectedV2: (r.RewardRejected, {"reason": "recipient_id"}),
    r.CompensationAdjustmentProposedV3: (r.CompensationAdjustmentProposedV2, {"justification": "employee_id"}),
    r.CompensationAdjustmentRejectedV3: (r.CompensationAdjustmentRejectedV2, {"reason": "employee_id"}),
    r.InitiativeLeadProposedV2: (r.InitiativeLeadProposed, {"initiative": "employee_id"}),
    r.PeerRecognitionGivenV2: (r.PeerRecognitionGiven, {"message": "recipient_id"}),
}
ACTED_ON_WITHOUT_KEYS = (
    r.RewardGrantedV2,
    r.RewardHeldForApproval,
    r.CompensationAdjustmentApprovedV2,
    r.LearningAssignmentRequestedV2,
    r.PolicyPublishedV2,
    r.BudgetSet,
    r.BudgetCharged,
)


def _example(contract: type[EventContract]) -> dict[str, Any]:
    examples: list[dict[str, Any]] = contract.model_json_schema()["examples"]
    return dict(examples[0])


def test_every_recognition_event_with_personal_text_protects_it() -> None:
    published = set(r.RECOGNITION_EVENTS)
    assert {event for event in published if personal_fields(event)} == set(PROTECTED)
    for event in published:
        assert event.protects_personal_data == bool(personal_fields(event)), event.__name__
    assert set(ACTED_ON_WITHOUT_KEYS) | set(PROTECTED) == published


@pytest.mark.parametrize("event", list(PROTECTED), ids=lambda e: e.__name__)
def test_a_protecting_major_keeps_the_fields_and_owners_of_the_one_it_replaces(
    event: type[EventContract],
) -> None:
    replaced, owners = PROTECTED[event]
    assert issubclass(event, replaced)  # code matching on the old class keeps working
    assert event.major == replaced.major + 1
    assert event.event_name() == replaced.event_name()
    assert event.model_fields.keys() == replaced.model_fields.keys()
    assert {field.dotted: field.about for field in personal_fields(event)} == owners
    # The old major is retired: no longer published, its schema kept as a record, in plain text.
    assert replaced.event_type() in RETIRED_TYPES and replaced.event_type() not in CATALOGUE
    with pytest.raises(UnknownEventType):
        contract_for(replaced.event_type())
    assert "ProtectedValue" not in str(load_schema(replaced.event_type()))


@pytest.mark.parametrize("event", list(PROTECTED), ids=lambda e: e.__name__)
def test_the_published_schema_shows_the_fields_as_protected_values(event: type[EventContract]) -> None:
    schema = load_schema(event.event_type())
    assert schema == event_schema(event)
    for name, about in PROTECTED[event][1].items():
        field = schema["properties"][name]
        refs = [field.get("$ref")] + [option.get("$ref") for option in field.get("anyOf", [])]
        assert "#/$defs/ProtectedValue" in refs, field
        assert field["x-personal-data-about"] == about
    sealed = schema["examples"][0]
    opened = reveal(event, sealed, {"dk_example": EXAMPLE_KEY})
    assert opened == _example(event)
    assert all(is_protected_value(sealed[name]) for name in PROTECTED[event][1] if opened.get(name))


@pytest.mark.parametrize("event", list(PROTECTED), ids=lambda e: e.__name__)
def test_switching_the_replaced_major_in_place_would_break_its_consumers(event: type[EventContract]) -> None:
    replaced = PROTECTED[event][0]
    published = load_schema(replaced.event_type())
    in_place = {**event_schema(event), **{key: published[key] for key in ("$id", "x-cloudevents-type", "title")}}
    messages = [b.message() for b in compare_event_schemas(replaced.event_type(), published, in_place)]
    assert messages and all("is now a protected value" in m for m in messages), messages


@pytest.mark.parametrize("event", list(PROTECTED), ids=lambda e: e.__name__)
def test_without_keys_a_consumer_reads_the_facts_and_erased_text(event: type[EventContract]) -> None:
    sealed = load_schema(event.event_type())["examples"][0]
    read = event.model_validate(reveal(event, sealed))
    for name in PROTECTED[event][1]:
        assert getattr(read, name) in (ERASED, None)
    example = event.model_validate(_example(event))
    for name in event.model_fields.keys() - PROTECTED[event][1].keys():
        assert getattr(read, name) == getattr(example, name)


@pytest.mark.parametrize("event", ACTED_ON_WITHOUT_KEYS, ids=lambda e: e.__name__)
def test_what_payroll_and_the_lms_act_on_needs_no_key(event: type[EventContract]) -> None:
    assert not personal_fields(event) and not event.protects_personal_data
    schema = load_schema(event.event_type())
    assert "ProtectedValue" not in str(schema)
    assert event.model_validate(schema["examples"][0]) == event.model_validate(_example(event))
