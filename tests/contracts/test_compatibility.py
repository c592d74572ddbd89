"""The compatibility gate: breaking changes to published events fail with what broke and how
to version it; adding an optional field passes."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import Field, create_model

from trellis_contracts import feedback, goals
from trellis_contracts.artefacts import SOURCE_ROOT, load_schema, published_schemas
from trellis_contracts.base import EventContract
from trellis_contracts.catalogue import RETIRED_TYPES
from trellis_contracts.compatibility import compare_catalogues, compare_event_schemas
from trellis_contracts.fields import NO_NUL_PATTERN
from trellis_contracts.generate import current_schemas, main
from trellis_contracts.personal import personal_fields
from trellis_contracts.schemas import event_schema

GIVEN = "dev.trellis.feedback.FeedbackGiven.v2"
HELD = "dev.trellis.feedback.ConversationHeld.v2"


def published(event_type: str) -> dict[str, Any]:
    return copy.deepcopy(load_schema(event_type))


def problems(event_type: str, new: dict[str, Any]) -> list[str]:
    return [b.message() for b in compare_event_schemas(event_type, published(event_type), new)]


def test_current_models_are_compatible_with_every_published_schema() -> None:
    breakages = compare_catalogues(published_schemas(), current_schemas(), RETIRED_TYPES)
    assert not breakages, "\n".join(b.message() for b in breakages)


def test_a_removed_field_fails_and_says_how_to_version_it() -> None:
    broken = published(GIVEN)
    del broken["properties"]["relationship"]
    broken["required"].remove("relationship")

    [message] = problems(GIVEN, broken)

    assert "field 'relationship' was removed" in message
    assert "FeedbackGivenV3 with `major = 3`" in message
    assert "dev.trellis.feedback.FeedbackGiven.v3" in message
    assert "deprecation window" in message


def test_a_retyped_field_fails() -> None:
    broken = published(GIVEN)
    broken["properties"]["given_at"] = {"type": "integer", "description": "epoch seconds"}

    [message] = problems(GIVEN, broken)

    assert "'given_at' changed type from 'string' to 'integer'" in message


def test_an_optional_field_made_required_fails() -> None:
    broken = published(GIVEN)
    broken["required"].append("request_id")

    [message] = problems(GIVEN, broken)

    assert "'request_id' became required" in message


def test_a_new_required_field_fails() -> None:
    broken = published(GIVEN)
    broken["properties"]["rating"] = {"type": "integer"}
    broken["required"].append("rating")

    assert any("'rating' was added as a required field" in m for m in problems(GIVEN, broken))


def test_narrowed_values_and_nullability_fail() -> None:
    broken = published(GIVEN)
    broken["properties"]["relationship"]["enum"].remove("mentor")
    broken["properties"]["request_id"] = broken["properties"]["request_id"]["anyOf"][0]

    messages = problems(GIVEN, broken)

    assert any("'relationship' changed its allowed values (removed ['mentor'])" in m for m in messages)
    assert any("'request_id' no longer accepts null" in m for m in messages)


def test_a_change_inside_a_nested_object_fails_with_its_path() -> None:
    broken = published(HELD)
    action = broken["$defs"]["AgreedAction"]
    del action["properties"]["owner_id"]
    action["required"].remove("owner_id")

    [message] = problems(HELD, broken)

    assert "field 'agreed_actions[].owner_id' was removed" in message


def test_an_added_optional_field_and_new_wording_pass() -> None:
    evolved = published(GIVEN)
    evolved["properties"]["sentiment"] = {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "default": None,
    }
    evolved["properties"]["content"]["description"] = "The feedback, in the giver's words."
    evolved["examples"] = []

    assert problems(GIVEN, evolved) == []


def _model_like_feedback_given(
    drop: str | None = None, add: dict[str, Any] | None = None
) -> type[EventContract]:
    fields: dict[str, Any] = {
        name: (info.annotation, info)
        for name, info in feedback.FeedbackGivenV2.model_fields.items()
        if name != drop
    }
    fields.update(add or {})
    model = create_model(
        "FeedbackGivenV2", __base__=_NoMoment, __doc__=feedback.FeedbackGivenV2.__doc__, **fields
    )
    model.service = "feedback"
    model.major = 2
    return model


class _NoMoment(EventContract):
    """A base for models built field by field: the moment is named once the fields exist."""

    moment_field: ClassVar[str | None] = None


def test_text_may_gain_the_pattern_that_refuses_nul_but_no_other() -> None:
    # Published before text refused NUL: the field had no pattern. No stored payload can hold a
    # NUL (jsonb cannot), so forbidding it breaks no consumer; any other new pattern does.
    before = published(GIVEN)
    assert before["properties"]["content"]["pattern"] == NO_NUL_PATTERN
    del before["properties"]["content"]["pattern"]
    assert compare_event_schemas(GIVEN, before, published(GIVEN)) == []

    stricter = published(GIVEN)
    stricter["properties"]["content"]["pattern"] = "^[a-z ]*$"
    [breakage] = compare_event_schemas(GIVEN, before, stricter)
    assert "'content' changed pattern from None to '^[a-z ]*$'" in breakage.message()


def test_every_text_field_of_every_event_refuses_nul() -> None:
    """Any API validating against a contract answers 422 for a NUL, never a database error."""
    unchecked: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            free_text = node.get("type") == "string" and not (
                {"enum", "const"} & node.keys() or node.get("format") in ("date", "date-time")
            )
            if free_text and re.search(node.get("pattern") or "", "a\x00b"):
                unchecked.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    for event_type, schema in current_schemas().items():
        walk(schema, event_type)
    assert unchecked == []


def test_the_gate_catches_an_edited_model_not_only_edited_json() -> None:
    without_giver = _model_like_feedback_given(drop="giver_id")
    with_sentiment = _model_like_feedback_given(
        add={"sentiment": (str | None, Field(default=None, description="Tone."))}
    )
    assert without_giver.event_type() == GIVEN

    assert any("'giver_id' was removed" in m for m in problems(GIVEN, event_schema(without_giver)))
    assert problems(GIVEN, event_schema(with_sentiment)) == []


def test_a_removed_or_renamed_event_fails_unless_retired() -> None:
    before = {GIVEN: published(GIVEN)}
    renamed = {"dev.trellis.feedback.FeedbackShared.v1": published(GIVEN)}

    [breakage] = compare_catalogues(before, renamed)
    assert "no longer in the catalogue (removed or renamed)" in breakage.message()
    assert "FeedbackGivenV3" in breakage.message()

    assert compare_catalogues(before, renamed, retired=[GIVEN]) == []


def test_a_new_major_version_beside_the_old_one_passes() -> None:
    class FeedbackGivenV3(EventContract):
        service: ClassVar[str] = "feedback"
        major: ClassVar[int] = 3
        moment_field: ClassVar[str | None] = None
        feedback_id: str
        rating: int

    assert FeedbackGivenV3.event_type() == "dev.trellis.feedback.FeedbackGiven.v3"
    before = {GIVEN: published(GIVEN)}
    after = {GIVEN: published(GIVEN), FeedbackGivenV3.event_type(): event_schema(FeedbackGivenV3)}
    assert compare_catalogues(before, after) == []


@pytest.fixture
def contracts_copy(tmp_path: Path) -> Path:
    root = tmp_path / "contracts"
    shutil.copytree(SOURCE_ROOT / "schemas", root / "schemas")
    shutil.copytree(SOURCE_ROOT / "policies", root / "policies")
    shutil.copy(SOURCE_ROOT / "asyncapi.json", root / "asyncapi.json")
    return root


def test_generator_refuses_to_overwrite_a_schema_with_a_breaking_one(
    contracts_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema_file = contracts_copy / "schemas/feedback/FeedbackGiven.v2.json"
    # As if the published schema had a field the current model dropped.
    schema = json.loads(schema_file.read_text())
    schema["properties"]["mood"] = {"type": "string"}
    schema["required"].append("mood")
    schema_file.write_text(json.dumps(schema))
    before = schema_file.read_text()

    assert main(["--root", str(contracts_copy)]) == 2

    assert schema_file.read_text() == before
    assert "field 'mood' was removed" in capsys.readouterr().err


def test_generator_check_reports_stale_artefacts(
    contracts_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(contracts_copy), "--check"]) == 0

    schema_file = contracts_copy / "schemas/feedback/FeedbackGiven.v2.json"
    schema = json.loads(schema_file.read_text())
    schema["properties"]["content"]["description"] = "edited by hand"
    schema_file.write_text(json.dumps(schema))

    assert main(["--root", str(contracts_copy), "--check"]) == 1
    assert "schemas/feedback/FeedbackGiven.v2.json" in capsys.readouterr().err
    assert main(["--root", str(contracts_copy)]) == 0
    assert main(["--root", str(contracts_copy), "--check"]) == 0


def test_a_release_baseline_catches_a_schema_deleted_and_regenerated(
    contracts_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release = tmp_path / "release"
    shutil.copytree(contracts_copy / "schemas", release / "schemas")
    released = release / "schemas/feedback/FeedbackGiven.v2.json"
    schema = json.loads(released.read_text())
    schema["properties"]["mood"] = {"type": "string"}  # the release had a field we lost
    released.write_text(json.dumps(schema))

    assert main(["--root", str(contracts_copy), "--check"]) == 0
    assert main(["--root", str(contracts_copy), "--check", "--baseline", str(release)]) == 2
    assert "field 'mood' was removed" in capsys.readouterr().err


# --- protected personal fields ------------------------------------------------------------------


def _protected_copy(contract: type[EventContract], **changes: Any) -> type[EventContract]:
    """The same model with its personal data protected (and ``changes`` to its fields)."""
    fields: dict[str, Any] = {name: (info.annotation, info) for name, info in contract.model_fields.items()}
    fields.update(changes)
    fields["moment_field"] = (ClassVar[str | None], contract.moment_field)
    model = create_model(contract.__name__, __base__=EventContract, __doc__=contract.__doc__, **fields)
    model.service = contract.service
    model.major = contract.major
    model.protects_personal_data = True
    return model


def test_protecting_a_published_field_is_a_new_major_and_the_gate_says_so() -> None:
    from tests.contracts.protected_contracts import GoalPlanned, GoalPlannedV2

    published_v1 = event_schema(GoalPlanned)
    protected_in_place = event_schema(_protected_copy(GoalPlanned))

    messages = [
        b.message() for b in compare_event_schemas(GoalPlanned.event_type(), published_v1, protected_in_place)
    ]

    assert len(messages) == 2, messages  # the goal's title and each step's title
    assert any("field 'title' is now a protected value (trellis.protected.v1" in m for m in messages)
    assert any("field 'steps[].title' is now a protected value" in m for m in messages)
    assert all("where it was 'string'; every consumer reading it breaks" in m for m in messages)
    assert all("add a new class GoalPlannedV2 with `major = 2`" in m for m in messages)

    # Published as its own major beside v1, it passes.
    before = {GoalPlanned.event_type(): published_v1}
    after = {GoalPlanned.event_type(): published_v1, GoalPlannedV2.event_type(): event_schema(GoalPlannedV2)}
    assert compare_catalogues(before, after) == []


def test_a_published_event_of_the_catalogue_cannot_switch_to_protected_in_place() -> None:
    switched = event_schema(_protected_copy(feedback.FeedbackGivenV2))

    [message] = problems(GIVEN, switched)

    assert "field 'content' is now a protected value" in message
    assert "FeedbackGivenV3 with `major = 3`" in message


def test_a_protected_field_going_plain_or_changing_its_person_breaks_but_a_plain_owner_is_wording() -> None:
    from tests.contracts.protected_contracts import PraiseGiven

    protected = event_schema(PraiseGiven)
    plain = copy.deepcopy(protected)
    plain["properties"]["message"] = {"type": "string", "x-personal-data": True, "description": "The praise."}
    [went_plain] = compare_event_schemas(PraiseGiven.event_type(), protected, plain)
    assert (
        "'message' is no longer a protected value (trellis.protected.v1) but 'string'" in went_plain.message()
    )

    giver_keyed = copy.deepcopy(protected)
    giver_keyed["properties"]["message"]["x-personal-data-about"] = "giver_id"
    [new_owner] = compare_event_schemas(PraiseGiven.event_type(), protected, giver_keyed)
    assert "field 'message' is now encrypted with the key of 'giver_id' instead of 'recipient_id'" in (
        new_owner.message()
    )

    reworded = published(GIVEN)
    reworded["properties"]["content"]["x-personal-data-about"] = "giver_id"
    assert problems(GIVEN, reworded) == []


def test_a_protected_field_left_alone_passes_and_a_new_protected_shape_breaks() -> None:
    from tests.contracts.protected_contracts import PraiseGiven

    protected = event_schema(PraiseGiven)
    assert compare_event_schemas(PraiseGiven.event_type(), protected, copy.deepcopy(protected)) == []

    reshaped = copy.deepcopy(protected)
    shape = reshaped["$defs"]["ProtectedValue"]
    shape["x-trellis-protected"] = "trellis.protected.v2"
    shape["properties"]["encrypted_key"] = {"type": "string"}
    shape["required"].append("encrypted_key")  # said once, as the new shape, not member by member
    [breakage] = compare_event_schemas(PraiseGiven.event_type(), protected, reshaped)
    assert (
        "field 'message' changed its protected shape from trellis.protected.v1 to trellis.protected.v2"
        in (breakage.message())
    )


@pytest.mark.parametrize(
    ("plain", "protected"),
    list(goals.PROTECTED_MAJORS.items()),
    ids=lambda contract: contract.__name__,
)
def test_each_goals_event_that_protects_its_personal_fields_is_a_new_major(
    plain: type[EventContract], protected: type[EventContract]
) -> None:
    published_v1 = load_schema(plain.event_type())
    fields = personal_fields(plain)
    assert fields and {f.about for f in fields} == {"employee_id"}
    assert protected.major == 2 and protected.protects_personal_data and issubclass(protected, plain)
    assert protected.model_fields.keys() == plain.model_fields.keys()

    # In place, each personal field going protected breaks, and the gate says which major to add.
    in_place = {**event_schema(protected), "$id": published_v1["$id"], "x-cloudevents-type": plain.event_type()}
    messages = [b.message() for b in compare_event_schemas(plain.event_type(), published_v1, in_place)]
    assert messages
    assert all("is now a protected value (trellis.protected.v1" in m for m in messages), messages
    assert all(f"add a new class {plain.__name__}V2 with `major = 2`" in m for m in messages)

    # As its own major, with the plain one retired, the catalogue passes.
    assert plain.event_type() in RETIRED_TYPES
    assert compare_catalogues(
        {plain.event_type(): published_v1},
        {protected.event_type(): event_schema(protected)},
        RETIRED_TYPES,
    ) == []


def test_every_goals_event_with_personal_text_has_a_protecting_major() -> None:
    carrying = {c for c in goals.GOALS_EVENTS if personal_fields(c) and not c.protects_personal_data}
    assert carrying == set(goals.PROTECTED_MAJORS)
    assert len(goals.PROTECTED_MAJORS) == 18
