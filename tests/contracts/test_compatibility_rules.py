"""Each breaking change the compatibility gate promises to catch, reported with the field's path
and all of them at once; and the changes it lets through because no payload's validity changes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from trellis_contracts.artefacts import load_schema
from trellis_contracts.compatibility import Breakage, compare_catalogues, compare_event_schemas

GIVEN = "dev.trellis.feedback.FeedbackGiven.v1"
HELD = "dev.trellis.feedback.ConversationHeld.v1"


def published(event_type: str = GIVEN) -> dict[str, Any]:
    return copy.deepcopy(load_schema(event_type))


def found(
    new: dict[str, Any], old: dict[str, Any] | None = None, event_type: str = GIVEN
) -> list[tuple[str, str]]:
    """(field, problem) for every breakage from ``old`` (the published schema) to ``new``."""
    before = published(event_type) if old is None else old
    return [(b.location, b.problem) for b in compare_event_schemas(event_type, before, new)]


def event(**properties: Any) -> dict[str, Any]:
    """A small event schema with the given fields, none of them required."""
    return {"type": "object", "properties": properties}


# --- limits, patterns, formats and allowed values -------------------------------------------------


def test_a_new_length_or_pattern_limit_fails() -> None:
    limited = published()
    limited["properties"]["given_at"]["maxLength"] = 40
    limited["properties"]["content"]["pattern"] = "^[^<>]*$"

    assert found(limited) == [
        ("content", "changed pattern from None to '^[^<>]*$'"),
        ("given_at", "changed maxLength from None to 40"),
    ]


def test_a_changed_limit_is_found_beside_unchanged_ones() -> None:
    shorter = published()
    shorter["properties"]["content"]["maxLength"] = 2000

    assert found(shorter) == [("content", "changed maxLength from 10000 to 2000")]


def test_a_dropped_limit_or_format_fails_too() -> None:
    looser = published()
    del looser["properties"]["content"]["minLength"]
    del looser["properties"]["given_at"]["format"]

    assert found(looser) == [
        ("content", "changed minLength from 1 to None"),
        ("given_at", "changed format from 'date-time' to None"),
    ]


def test_allowed_values_name_what_was_removed_and_added() -> None:
    swapped = published()
    swapped["properties"]["relationship"]["enum"] = ["manager", "peer", "coach", "direct_report", "self"]
    widened = published()
    widened["properties"]["visibility"]["enum"].append("everyone")

    assert found(swapped) == [
        ("relationship", "changed its allowed values (removed ['mentor']; added ['coach'])")
    ]
    assert found(widened) == [("visibility", "changed its allowed values (added ['everyone'])")]


def test_a_free_text_field_restricted_to_a_list_of_values_fails() -> None:
    old = event(mood={"type": "string"})
    new = event(mood={"type": "string", "enum": ["calm", "tense"]})

    assert found(new, old) == [("mood", "changed enum from None to ['calm', 'tense']")]


def test_a_fixed_length_list_that_changes_its_items_fails() -> None:
    old = event(span={"type": "array", "prefixItems": [{"type": "string"}, {"type": "string"}]})
    new = event(span={"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]})

    assert found(new, old) == [
        (
            "span",
            "changed prefixItems from [{'type': 'string'}, {'type': 'string'}] "
            "to [{'type': 'string'}, {'type': 'integer'}]",
        )
    ]


def test_documentation_and_vendor_extensions_may_change() -> None:
    documented = published()
    content = documented["properties"]["content"]
    content.update(description="What was said.", title="Said", examples=["Thanks!"], deprecated=True)
    content["x-trellis-hint"] = "show in full"
    content["$comment"] = "free text"

    assert found(documented) == []


# --- required and optional fields ------------------------------------------------------------------


def test_a_required_field_made_optional_fails() -> None:
    relaxed = published()
    relaxed["required"].remove("content")

    assert found(relaxed) == [("content", "became optional; consumers rely on it being there")]


def test_an_optional_field_made_required_fails() -> None:
    stricter = published()
    stricter["required"].append("goal_id")

    assert found(stricter) == [("goal_id", "became required; stored and in-flight payloads may not have it")]


def test_an_open_object_given_required_fields_fails() -> None:
    old = event(context={"type": "object"})
    new = event(context={"type": "object", "properties": {"team": {"type": "string"}}, "required": ["team"]})

    assert found(new, old) == [
        ("context.team", "was added as a required field; only optional fields may be added")
    ]


def test_every_removed_field_is_reported_not_only_the_first() -> None:
    smaller = published()
    for name in ("feedback_id", "giver_id", "recipient_id"):
        del smaller["properties"][name]
        smaller["required"].remove(name)

    assert found(smaller) == [
        ("feedback_id", "was removed (or renamed)"),
        ("giver_id", "was removed (or renamed)"),
        ("recipient_id", "was removed (or renamed)"),
    ]


def test_every_new_required_field_is_reported_in_order() -> None:
    bigger = published()
    for name in ("score", "mood"):
        bigger["properties"][name] = {"type": "string"}
        bigger["required"].append(name)

    assert found(bigger) == [
        ("mood", "was added as a required field; only optional fields may be added"),
        ("score", "was added as a required field; only optional fields may be added"),
    ]


# --- unknown fields and maps -----------------------------------------------------------------------------


def test_refusing_unknown_fields_fails_and_is_reported_for_the_whole_event() -> None:
    closed = published()
    closed["additionalProperties"] = False

    assert compare_event_schemas(GIVEN, published(), closed) == [
        Breakage(GIVEN, "", "changed whether unknown fields are allowed")
    ]
    assert found(published(), old=closed) == [("", "changed whether unknown fields are allowed")]


def test_allowing_unknown_fields_explicitly_changes_nothing() -> None:
    explicit = published()
    explicit["additionalProperties"] = True
    empty = published()
    empty["additionalProperties"] = {}

    assert found(explicit) == []
    assert found(empty) == []


def test_a_map_whose_values_change_type_fails_with_the_maps_path() -> None:
    old = event(scores={"type": "object", "additionalProperties": {"type": "integer"}})
    new = event(scores={"type": "object", "additionalProperties": {"type": "string"}})
    closed = event(scores={"type": "object", "additionalProperties": False})

    assert found(new, old) == [("scores{}", "changed type from 'integer' to 'string'")]
    assert found(closed, old) == [("scores", "changed whether unknown fields are allowed")]
    assert found(old, copy.deepcopy(old)) == []


# --- types, unions and null -------------------------------------------------------------------------------


def test_a_type_change_inside_a_nullable_field_fails() -> None:
    retyped = published()
    retyped["properties"]["goal_id"]["anyOf"][0] = {"type": "integer"}
    reformatted = published()
    reformatted["properties"]["request_id"]["anyOf"][0]["format"] = "uuid"

    assert found(retyped) == [("goal_id", "changed type from 'string' to 'integer'")]
    assert found(reformatted) == [("request_id", "changed format from None to 'uuid'")]


def test_a_field_that_starts_or_stops_accepting_null_fails() -> None:
    nullable = published()
    nullable["properties"]["content"] = {"anyOf": [published()["properties"]["content"], {"type": "null"}]}
    not_null = published()
    not_null["properties"]["goal_id"] = not_null["properties"]["goal_id"]["anyOf"][0]

    assert found(nullable) == [("content", "now may be null")]
    assert found(not_null) == [("goal_id", "no longer accepts null")]


def test_a_changed_set_of_types_in_a_union_fails() -> None:
    old = event(value={"anyOf": [{"type": "string"}, {"type": "integer"}]})
    new = event(value={"anyOf": [{"type": "string"}, {"type": "number"}]})
    reordered = event(value={"anyOf": [{"type": "integer", "description": "a count"}, {"type": "string"}]})

    assert found(new, old) == [("value", "changed the set of types it accepts")]
    assert found(reordered, old) == []


def test_a_union_of_referenced_types_is_compared_through_each_schemas_own_definitions() -> None:
    def schema(amount_type: str) -> dict[str, Any]:
        return {
            **event(prize={"anyOf": [{"$ref": "#/$defs/Money"}, {"type": "string"}]}),
            "$defs": {"Money": {"type": "object", "properties": {"amount": {"type": amount_type}}}},
        }

    assert found(schema("integer"), schema("integer")) == []
    assert found(schema("string"), schema("integer")) == [("prize", "changed the set of types it accepts")]


def test_a_nullable_field_that_becomes_a_union_still_accepts_null() -> None:
    old = event(value={"anyOf": [{"type": "string"}, {"type": "null"}]})
    new = event(value={"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]})

    assert found(new, old) == [("value", "changed type from 'string' to a union")]
    assert found(old, new) == [("value", "changed type from a union to 'string'")]


def test_a_union_or_a_type_that_becomes_any_value_fails() -> None:
    union = event(value={"anyOf": [{"type": "string"}, {"type": "integer"}]})
    typed = event(value={"type": "string"})
    untyped = event(value={})

    assert found(untyped, union) == [("value", "changed the set of types it accepts")]
    assert found(untyped, typed) == [("value", "changed type from 'string' to an untyped value")]


def test_a_field_of_any_value_narrowed_to_a_union_fails() -> None:
    untyped = event(value={})
    union = event(value={"anyOf": [{"type": "string"}, {"type": "integer"}]})

    assert found(union, untyped) == [("value", "changed the set of types it accepts")]


def test_a_union_of_one_type_is_that_type() -> None:
    old = event(value={"type": "string", "maxLength": 5})
    new = event(value={"anyOf": [{"type": "string", "maxLength": 5}], "description": "Short."})

    assert found(new, old) == []


# --- arrays and nested objects ----------------------------------------------------------------------------


def test_a_change_to_an_arrays_items_fails_with_the_items_path() -> None:
    retyped = published(HELD)
    retyped["properties"]["milestone_ids"]["items"] = {"type": "integer"}
    unspecified = published(HELD)
    del unspecified["properties"]["milestone_ids"]["items"]

    assert found(retyped, event_type=HELD) == [("milestone_ids[]", "changed type from 'string' to 'integer'")]
    assert found(unspecified, event_type=HELD) == [
        ("milestone_ids[]", "changed type from 'string' to an untyped value")
    ]


def test_an_array_that_starts_saying_what_its_items_are_fails() -> None:
    old = event(tags={"type": "array"})
    new = event(tags={"type": "array", "items": {"type": "string"}})

    assert found(new, old) == [("tags[]", "changed type from an untyped value to 'string'")]


def test_an_object_whose_fields_are_no_longer_described_fails_for_each_field() -> None:
    described = event(context={"type": "object", "properties": {"team": {"type": "string"}, "site": {}}})
    open_object = event(context={"type": "object"})

    assert found(open_object, described) == [
        ("context.team", "was removed (or renamed)"),
        ("context.site", "was removed (or renamed)"),
    ]


def test_a_referenced_definition_may_carry_its_own_documentation() -> None:
    documented = published(HELD)
    documented["properties"]["agreed_actions"]["items"]["description"] = "One action each."

    assert found(documented, event_type=HELD) == []


# --- whole catalogues and the message a developer reads -------------------------------------------------------


def test_every_event_type_missing_from_the_catalogue_is_reported() -> None:
    before = {GIVEN: published(GIVEN), HELD: published(HELD)}

    assert compare_catalogues(before, {}) == [
        Breakage(
            event_type,
            "",
            "is published but no longer in the catalogue (removed or renamed); "
            "consumers still subscribe to it. Keep the class until it is retired",
        )
        for event_type in (HELD, GIVEN)
    ]
    assert compare_catalogues(before, {}, retired=[HELD]) == compare_catalogues({GIVEN: before[GIVEN]}, {})


def test_a_missing_type_does_not_stop_the_comparison_of_the_others() -> None:
    changed = published(GIVEN)
    changed["required"].remove("content")

    breakages = compare_catalogues({HELD: published(HELD), GIVEN: published(GIVEN)}, {GIVEN: changed})

    assert [(b.event_type, b.location) for b in breakages] == [(HELD, ""), (GIVEN, "content")]


def test_the_message_says_what_broke_and_how_to_ship_it() -> None:
    field = Breakage(GIVEN, "content", "became optional; consumers rely on it being there")
    whole = Breakage(GIVEN, "", "changed whether unknown fields are allowed")
    foreign = Breakage("com.example.Thing", "size", "changed type from 'string' to 'integer'")
    how = (
        "Within v1 only optional fields may be added. To ship this change, add a new class "
        "FeedbackGivenV2 with `major = 2` (type dev.trellis.feedback.FeedbackGiven.v2), keep "
        "FeedbackGiven v1 published beside it for the deprecation window, and run "
        "`python -m trellis_contracts.generate`"
    )

    assert (
        field.message()
        == f"{GIVEN}: field 'content' became optional; consumers rely on it being there. {how}"
    )
    assert whole.message() == f"{GIVEN}: changed whether unknown fields are allowed. {how}"
    assert foreign.message() == (
        "com.example.Thing: field 'size' changed type from 'string' to 'integer'. "
        "Publish the change under a new major version instead."
    )


@pytest.mark.parametrize(
    "reference",
    ["https://example.com/other.json#/$defs/Money", "#/$defs/Loop"],
    ids=["outside-the-document", "a-cycle"],
)
def test_a_reference_the_gate_cannot_follow_is_an_error_not_a_pass(reference: str) -> None:
    schema = {**event(prize={"$ref": reference}), "$defs": {"Loop": {"$ref": "#/$defs/Loop"}}}

    with pytest.raises(ValueError, match=r"cannot resolve \$ref"):
        compare_event_schemas(GIVEN, schema, copy.deepcopy(schema))
