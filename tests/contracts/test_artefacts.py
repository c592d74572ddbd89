"""The checked-in JSON Schemas and AsyncAPI document match the models and validate payloads."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError  # type: ignore[import-untyped]
from referencing import Registry, Resource

from trellis_contracts.artefacts import (
    SCHEMAS_DIR,
    SOURCE_ROOT,
    artefacts_root,
    load_asyncapi,
    load_schema,
    published_schemas,
)
from trellis_contracts.catalogue import CATALOGUE, RETIRED_TYPES
from trellis_contracts.envelope import dataschema_for, schema_path_for_uri
from trellis_contracts.generate import stale_files

from .examples import all_examples, on_the_wire

FORMATS = Draft202012Validator.FORMAT_CHECKER


def validator_for(event_type: str) -> Draft202012Validator:
    schema = load_schema(event_type)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FORMATS)


def test_checked_in_artefacts_are_what_the_models_generate() -> None:
    stale = stale_files(SOURCE_ROOT)
    assert not stale, (
        f"out of date: {stale}; run `.venv/bin/python -m trellis_contracts.generate` "
        "and commit contracts/schemas and contracts/asyncapi.json"
    )


def test_every_schema_file_belongs_to_a_current_or_retired_event() -> None:
    published = published_schemas()
    assert set(published) == set(CATALOGUE) | (RETIRED_TYPES & set(published))
    for event_type, schema in published.items():
        assert schema["$id"] == dataschema_for(event_type)
        path = artefacts_root() / SCHEMAS_DIR / schema_path_for_uri(schema["$id"])
        assert path.is_file()


@pytest.mark.parametrize(("event_type", "payload"), all_examples(), ids=lambda x: str(x)[:60])
def test_schemas_accept_the_example_payloads(event_type: str, payload: dict[str, Any]) -> None:
    validator_for(event_type).validate(on_the_wire(event_type, payload))
    CATALOGUE[event_type].model_validate(payload)


def test_every_event_type_has_at_least_one_example_checked_somewhere() -> None:
    covered = {event_type for event_type, _ in all_examples()}
    ours = {t for t in CATALOGUE if not t.startswith("dev.trellis.goals.")}
    assert ours <= covered
    assert "dev.trellis.goals.MilestoneReached.v1" in covered


@pytest.mark.parametrize(
    ("event_type", "field", "bad_value"),
    [
        ("dev.trellis.feedback.FeedbackGiven.v2", "giver_id", "jane.doe@example.com"),
        ("dev.trellis.feedback.FeedbackGiven.v2", "relationship", "boss"),
        ("dev.trellis.feedback.FeedbackGiven.v2", "given_at", "yesterday"),
        ("dev.trellis.recognition.RewardGranted.v2", "amount", {"amount": 500, "currency": "EUR"}),
        ("dev.trellis.recognition.RewardGranted.v2", "effective_on", "30/04/2026"),
        ("dev.trellis.recognition.RewardGranted.v2", "organisation_id", "Acme Corp"),
        ("dev.trellis.goals.MilestoneReached.v1", "employee_id", "Jane Doe"),
    ],
)
def test_schemas_reject_what_the_contract_forbids(event_type: str, field: str, bad_value: Any) -> None:
    payload = copy.deepcopy(next(p for t, p in all_examples() if t == event_type))
    payload[field] = bad_value
    with pytest.raises(ValidationError):
        validator_for(event_type).validate(payload)


def test_schemas_mark_personal_data_for_integrators() -> None:
    schema = load_schema("dev.trellis.feedback.FeedbackGiven.v2")
    assert schema["properties"]["content"]["x-personal-data"] is True
    assert "x-personal-data" not in schema["properties"]["giver_id"]


def test_asyncapi_describes_every_event_on_its_service_topic() -> None:
    document = load_asyncapi()
    assert document["asyncapi"] == "3.0.0"
    for event_type, contract in CATALOGUE.items():
        channel = document["channels"][f"{contract.service}Events"]
        assert channel["address"] == f"trellis.{contract.service}.events.v1"
        assert channel["bindings"]["kafka"]["partitions"] == 12
        key = f"{contract.event_name()}.v{contract.major}"
        message_ref = channel["messages"][key]["$ref"]
        message = document["components"]["messages"][message_ref.rsplit("/", 1)[-1]]
        assert message["name"] == event_type
        assert message["bindings"]["kafka"]["key"]["type"] == "string"
        operation = document["operations"][f"publish{contract.service.capitalize()}Events"]
        assert {"$ref": f"#/channels/{contract.service}Events/messages/{key}"} in operation["messages"]


def test_asyncapi_message_examples_validate_against_its_own_schemas() -> None:
    base = "urn:trellis:asyncapi"
    document = load_asyncapi()
    registry: Registry[Any] = Registry().with_resource(base, Resource.opaque(document))
    checked = 0
    for message in document["components"]["messages"].values():
        payload_ref = base + message["payload"]["$ref"]
        common_headers, own_headers = message["headers"]["allOf"]
        headers_ref = base + common_headers["$ref"]
        for example in message.get("examples", []):
            Draft202012Validator({"$ref": payload_ref}, registry=registry, format_checker=FORMATS).validate(
                example["payload"]
            )
            Draft202012Validator(
                {"allOf": [{"$ref": headers_ref}, own_headers]},
                registry=registry,
                format_checker=FORMATS,
            ).validate(example["headers"])
            checked += 1
    assert checked >= 13
