"""Protected personal fields as integrators meet them: the wire format (a JWE any JOSE library
opens), the reader in trellis_contracts, the schemas, and what a missing key leaves readable."""

from __future__ import annotations

import base64
import copy
import json
import os
from datetime import UTC, datetime
from typing import Any

import pytest
from joserfc import jwe
from joserfc.jwk import OctKey
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from trellis_contracts.envelope import decode_as, encode_binary, envelope_for
from trellis_contracts.personal import ERASED, personal_fields, personal_values
from trellis_contracts.protected import (
    ProtectedValueError,
    header_of,
    is_protected_value,
    open_value,
    reveal,
    seal,
)
from trellis_contracts.schemas import EXAMPLE_KEY, EXAMPLE_KEY_ID, event_schema

from .protected_contracts import GoalPlannedV2, PraiseGiven

KEY = bytes(range(32))
WHEN = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
FORMATS = Draft202012Validator.FORMAT_CHECKER


def goal_data(key: bytes = KEY, key_id: str = "dk_emp_2c91") -> dict[str, Any]:
    """A GoalPlannedV2 payload as a Trellis service publishes it."""
    plain = GoalPlannedV2.model_json_schema()["examples"][0]
    data = copy.deepcopy(plain)
    for personal in personal_values(GoalPlannedV2, data):
        personal.replace(seal(personal.value, key=key, key_id=key_id))
    return data


def jwk(key: bytes) -> dict[str, str]:
    return {"kty": "oct", "k": base64.urlsafe_b64encode(key).rstrip(b"=").decode()}


def test_a_sealed_value_opens_with_its_key_and_names_the_key_in_the_clear() -> None:
    for value in ("Master Photoshop", ["Photoshop licence", "Ünïcödé"], ""):
        sealed = seal(value, key=KEY, key_id="dk_1")
        assert is_protected_value(sealed)
        assert header_of(sealed).key_id == "dk_1"
        assert open_value(sealed, KEY) == value
        assert "Photoshop" not in json.dumps(sealed)
    assert seal("x", key=KEY, key_id="dk_1")["iv"] != seal("x", key=KEY, key_id="dk_1")["iv"]


def test_a_wrong_key_or_an_altered_value_does_not_open() -> None:
    sealed = seal("Master Photoshop", key=KEY, key_id="dk_1")
    with pytest.raises(ProtectedValueError, match="does not open"):
        open_value(sealed, os.urandom(32))
    altered = {**sealed, "ciphertext": sealed["ciphertext"][::-1]}
    with pytest.raises(ProtectedValueError):
        open_value(altered, KEY)
    # The header is authenticated: pointing the value at another key is noticed.
    other_header = seal("x", key=KEY, key_id="dk_other")["protected"]
    with pytest.raises(ProtectedValueError, match="does not open"):
        open_value({**sealed, "protected": other_header}, KEY)
    with pytest.raises(ProtectedValueError, match="exactly the members"):
        header_of({**sealed, "extra": "x"})


def test_any_jose_library_opens_a_protected_value_and_ours_opens_theirs() -> None:
    sealed = seal(["Photoshop licence"], key=KEY, key_id="dk_1")
    opened = jwe.decrypt_json(dict(sealed), OctKey.import_key(jwk(KEY)), algorithms=["dir", "A256GCM"])
    assert json.loads(opened.plaintext or b"") == ["Photoshop licence"]
    assert opened.protected["kid"] == "dk_1"
    assert opened.protected["typ"] == "trellis.protected.v1"

    theirs = jwe.FlattenedJSONEncryption(
        {"alg": "dir", "enc": "A256GCM", "typ": "trellis.protected.v1", "cty": "json", "kid": "dk_1"},
        b'"written elsewhere"',
    )
    theirs.add_recipient({}, OctKey.import_key(jwk(KEY)))
    serialized = jwe.encrypt_json(theirs, None, algorithms=["dir", "A256GCM"])
    members = {name: serialized[name] for name in ("protected", "iv", "ciphertext", "tag")}  # type: ignore[literal-required]
    assert open_value(members, KEY) == "written elsewhere"


def test_reveal_opens_every_protected_field_for_the_contract() -> None:
    event = GoalPlannedV2.model_validate(reveal(GoalPlannedV2, goal_data(), {"dk_emp_2c91": KEY}))
    assert event.title == "Master Photoshop"
    assert event.resources == ("Photoshop licence", "A design mentor")
    assert event.steps[0].title == "Online course"
    assert event.notes is None


def test_without_the_key_personal_text_reads_as_erased_and_every_other_fact_stays() -> None:
    for keys in (None, {}, lambda header: None):
        event = GoalPlannedV2.model_validate(reveal(GoalPlannedV2, goal_data(), keys))
        assert (event.title, event.resources, event.notes) == (ERASED, (ERASED,), None)
        assert [(s.step_id, s.title, s.due_date.isoformat()) for s in event.steps] == [
            ("ms_1", ERASED, "2026-02-14")
        ]
        assert (event.goal_id, event.employee_id, event.manager_id) == ("goal_5b12", "emp_2c91", "emp_88d0")


def test_a_kafka_consumer_decodes_a_protected_record_with_or_without_keys() -> None:
    plain = GoalPlannedV2.model_validate(GoalPlannedV2.model_json_schema()["examples"][0])
    record = encode_binary(
        envelope_for(plain, id="evt-1", subject="org_7f3a/goal_5b12", time=WHEN), goal_data()
    )
    assert b"Photoshop" not in record.value and b"Online course" not in record.value
    assert decode_as(GoalPlannedV2, record.headers, record.value, keys={"dk_emp_2c91": KEY}).data == plain
    assert decode_as(GoalPlannedV2, record.headers, record.value).data.title == ERASED


def test_the_schema_shows_protected_values_where_the_model_has_text() -> None:
    schema = event_schema(GoalPlannedV2)
    properties = schema["properties"]
    assert properties["title"]["$ref"] == "#/$defs/ProtectedValue"
    assert properties["title"]["x-personal-data"] is True
    assert properties["title"]["x-personal-data-about"] == "employee_id"
    assert properties["resources"]["$ref"] == "#/$defs/ProtectedValue"
    assert properties["notes"]["anyOf"] == [{"$ref": "#/$defs/ProtectedValue"}, {"type": "null"}]
    assert schema["$defs"]["PlannedStep"]["properties"]["title"]["$ref"] == "#/$defs/ProtectedValue"
    assert properties["goal_id"]["type"] == "string"
    protected = schema["$defs"]["ProtectedValue"]
    assert protected["x-trellis-protected"] == "trellis.protected.v1"
    assert set(protected["required"]) == {"protected", "iv", "ciphertext", "tag"}

    validator = Draft202012Validator(schema, format_checker=FORMATS)
    validator.validate(goal_data())
    [example] = schema["examples"]
    validator.validate(example)
    assert list(validator.iter_errors({**goal_data(), "title": "Master Photoshop"}))  # plain text is refused
    # The examples are sealed with a published key, reproducibly, and reveal to the model's own.
    assert header_of(example["title"]).key_id == EXAMPLE_KEY_ID
    assert event_schema(GoalPlannedV2)["examples"] == [example]
    revealed = reveal(GoalPlannedV2, example, {EXAMPLE_KEY_ID: EXAMPLE_KEY})
    assert GoalPlannedV2.model_validate(revealed) == GoalPlannedV2.model_validate(
        GoalPlannedV2.model_json_schema()["examples"][0]
    )


def test_the_test_contracts_declare_whom_each_personal_field_is_about() -> None:
    about = {
        (c.__name__, f.dotted): f.about for c in (GoalPlannedV2, PraiseGiven) for f in personal_fields(c)
    }
    assert about == {
        ("GoalPlannedV2", "title"): "employee_id",
        ("GoalPlannedV2", "notes"): "employee_id",
        ("GoalPlannedV2", "resources"): "employee_id",
        ("GoalPlannedV2", "steps[].title"): "employee_id",
        ("PraiseGiven", "message"): "recipient_id",
    }
    data = goal_data()
    owners = {v.field.dotted: v.owner_id for v in personal_values(GoalPlannedV2, data)}
    assert owners == {"title": "emp_2c91", "resources": "emp_2c91", "steps[].title": "emp_2c91"}
