"""The catalogue, the models' shape rules (opaque ids, money, personal data) and topics."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, ClassVar, get_args

import pytest
from pydantic import AwareDatetime, TypeAdapter, ValidationError

from trellis_contracts.base import EventContract
from trellis_contracts.catalogue import (
    CATALOGUE,
    EVENTS_BY_SERVICE,
    RETIRED_TYPES,
    UnknownEventType,
    contract_for,
    every_contract,
)
from trellis_contracts.envelope import encode_binary, envelope_for
from trellis_contracts.feedback import FEEDBACK_EVENTS, FeedbackGivenV2
from trellis_contracts.goals import GOALS_EVENTS, GoalsEvent, MilestoneReached
from trellis_contracts.personal import declaration_problems, personal_fields
from trellis_contracts.recognition import (
    RECOGNITION_EVENTS,
    CompensationAdjustmentApprovedV2,
    RecognitionAwardedV2,
    RecognitionEvent,
    RewardGrantedV2,
)
from trellis_contracts.schemas import event_schema
from trellis_contracts.topics import TOPICS, topic_for

from .examples import examples_of

OURS = FEEDBACK_EVENTS + RECOGNITION_EVENTS
NOT_AN_ID = ["jane.doe@example.com", "Jane Doe", "", "x" * 200]
# Strings that are neither ids nor personal data, with the reason.
NOT_PERSONAL = {
    ("PolicyPublishedV2", "title"): "a policy's title",
    ("PolicyPublishedV2", "document_schema"): "the URI of the policy document's schema",
    ("LearningAssignmentRequestedV2", "activity_id"): "the LMS's course code or xAPI IRI",
}


def test_catalogue_holds_every_event_of_the_three_services_by_type() -> None:
    assert set(EVENTS_BY_SERVICE) == {"goals", "feedback", "recognition"}
    every = GOALS_EVENTS + FEEDBACK_EVENTS + RECOGNITION_EVENTS
    assert len(CATALOGUE) == len(every)
    for contract in every:
        assert contract_for(contract.event_type()) is contract
    assert contract_for("dev.trellis.feedback.FeedbackGiven.v2") is FeedbackGivenV2
    assert contract_for("dev.trellis.goals.MilestoneReached.v1") is MilestoneReached


def _contracts_below(base: type[EventContract]) -> set[type[EventContract]]:
    # A protecting major subclasses the major it replaces.
    return {c for sub in base.__subclasses__() for c in ({sub} | _contracts_below(sub))}


def test_each_module_lists_all_of_its_event_classes() -> None:
    for module_events in (GOALS_EVENTS, FEEDBACK_EVENTS, RECOGNITION_EVENTS):
        module = module_events[0].__module__
        defined = {c for c in _contracts_below(EventContract) if c.__module__ == module}
        # A service may keep a retired class in its list, so that its stored history decodes.
        current = {c for c in module_events if c.event_type() not in RETIRED_TYPES}
        assert {c for c in defined if c.event_type() not in RETIRED_TYPES} == current
        assert set(module_events) <= defined
    assert set(get_args(GoalsEvent)) == set(GOALS_EVENTS)
    assert set(get_args(RecognitionEvent)) == set(RECOGNITION_EVENTS)


def test_unknown_type_is_a_distinct_error() -> None:
    with pytest.raises(UnknownEventType, match=r"FeedbackGiven\.v9"):
        contract_for("dev.trellis.feedback.FeedbackGiven.v9")


def test_retired_majors_still_name_their_class_for_records_kept_from_before_a_switch() -> None:
    known = every_contract()
    assert dict(CATALOGUE).items() <= dict(known).items()
    retired_kept = {t for t in RETIRED_TYPES if t in known}
    assert RecognitionAwardedV2.event_type() in retired_kept - set(CATALOGUE)
    assert known[RecognitionAwardedV2.event_type()] is RecognitionAwardedV2
    assert all(contract.__module__.startswith("trellis_contracts.") for contract in known.values())


def _properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every property of the event and of the objects nested in it, by dotted name."""
    found: dict[str, dict[str, Any]] = {}
    definitions = schema.get("$defs", {})

    def walk(node: dict[str, Any], prefix: str) -> None:
        for name, prop in node.get("properties", {}).items():
            found[prefix + name] = prop
            for option in [prop, *prop.get("anyOf", []), prop.get("items", {})]:
                ref = option.get("$ref", "")
                if ref.startswith("#/$defs/"):
                    walk(definitions[ref.removeprefix("#/$defs/")], f"{prefix}{name}.")

    walk(schema, "")
    return found


def _string_schema(prop: dict[str, Any]) -> dict[str, Any] | None:
    option: dict[str, Any]
    inner: dict[str, Any]
    for option in [prop, *prop.get("anyOf", []), prop.get("items", {})]:
        if option.get("type") == "string":
            return option
        for inner in option.get("anyOf", []):
            if inner.get("type") == "string":
                return inner
    return None


@pytest.mark.parametrize("contract", list(CATALOGUE.values()), ids=lambda c: c.event_type())
def test_identifiers_are_opaque(contract: type[EventContract]) -> None:
    for name, prop in _properties(contract.model_json_schema()).items():
        leaf = name.rsplit(".", 1)[-1]
        if not (leaf.endswith("_id") or leaf.endswith("_ids") or leaf.endswith("_by")):
            continue
        if (contract.__name__, leaf) in NOT_PERSONAL:
            continue
        string = _string_schema(prop)
        assert string is not None, f"{name} is not a string id"
        if leaf.endswith("_by") and "format" in string:
            continue  # a date such as respond_by
        pattern = string.get("pattern")
        assert pattern, f"{name} accepts any text; use OpaqueId"
        for bad in NOT_AN_ID:
            assert not re.match(pattern, bad), f"{name} accepts {bad!r}"


@pytest.mark.parametrize("contract", list(CATALOGUE.values()), ids=lambda c: c.event_type())
def test_every_event_says_which_field_holds_when_it_happened(contract: type[EventContract]) -> None:
    field = contract.model_fields.get(contract.moment_field)
    assert field is not None and field.is_required(), f"{contract.moment_field} is not a required field"
    schema = contract.model_json_schema()["properties"][contract.moment_field]
    assert schema.get("format") == "date-time", f"{contract.moment_field} is not a date-time"
    for payload in examples_of(contract):
        event = contract.model_validate(payload)
        assert event.moment() == getattr(event, contract.moment_field)
        assert event.moment() is not None and event.moment().utcoffset() is not None


@pytest.mark.parametrize("contract", OURS, ids=lambda c: c.event_type())
def test_free_text_is_marked_as_personal_data(contract: type[EventContract]) -> None:
    for name, prop in _properties(contract.model_json_schema()).items():
        string = _string_schema(prop)
        if string is None or {"pattern", "format", "enum", "const"} & set(string):
            continue
        if (contract.__name__, name) in NOT_PERSONAL:
            continue
        assert prop.get("x-personal-data") is True, f"{name} is free text: use personal_data()"


@pytest.mark.parametrize("contract", OURS, ids=lambda c: c.event_type())
def test_every_field_is_documented_and_every_event_has_an_example(
    contract: type[EventContract],
) -> None:
    schema = contract.model_json_schema()
    for name, prop in _properties(schema).items():
        assert prop.get("description"), f"{name} has no description"
    assert examples_of(contract), "no example payload"


@pytest.mark.parametrize("contract", OURS, ids=lambda c: c.event_type())
def test_personal_data_never_reaches_the_kafka_headers(contract: type[EventContract]) -> None:
    for payload in examples_of(contract):
        event = contract.model_validate(payload)
        subject = getattr(event, next(iter(contract.model_fields)))  # the aggregate id
        record = encode_binary(
            envelope_for(event, id="e-1", subject=subject, time=event_time(payload)), event
        )
        header_text = b" ".join(value for _, value in record.headers).decode()
        for name, prop in _properties(contract.model_json_schema()).items():
            if prop.get("x-personal-data") and isinstance(payload.get(name), str):
                assert payload[name] not in header_text


def event_time(payload: dict[str, Any]) -> Any:

    stamp = next(value for key, value in payload.items() if key.endswith("_at"))
    return datetime.fromisoformat(stamp)


def test_money_is_a_decimal_string_with_an_iso_currency() -> None:
    example = RewardGrantedV2.model_json_schema()["examples"][0]
    reward = RewardGrantedV2.model_validate(example)
    assert reward.amount is not None
    assert str(reward.amount.as_decimal()) == "200.00"
    for amount in (500, 500.0, "5e2", "1,000.00", ""):
        with pytest.raises(ValidationError):
            RewardGrantedV2.model_validate({**example, "amount": {"amount": amount, "currency": "EUR"}})
    for currency in ("eur", "EURO", "€"):
        with pytest.raises(ValidationError):
            RewardGrantedV2.model_validate({**example, "amount": {"amount": "1.00", "currency": currency}})


def test_monetary_rewards_need_an_amount_and_points_need_points() -> None:
    cash, points = RewardGrantedV2.model_json_schema()["examples"]
    with pytest.raises(ValidationError, match="needs amount"):
        RewardGrantedV2.model_validate({**cash, "amount": None})
    with pytest.raises(ValidationError, match="carries no amount"):
        RewardGrantedV2.model_validate({**points, "amount": cash["amount"]})
    with pytest.raises(ValidationError, match="needs points"):
        RewardGrantedV2.model_validate({**points, "points": None})
    with pytest.raises(ValidationError, match="carries no points"):
        RewardGrantedV2.model_validate({**cash, "points": 5})


def test_payroll_events_carry_what_payroll_needs() -> None:
    required = set(CompensationAdjustmentApprovedV2.model_json_schema()["required"])
    assert {
        "adjustment_id",
        "organisation_id",
        "employee_id",
        "change",
        "pay_period",
        "effective_on",
    } <= required
    assert {"triggering_event_id", "policy_id", "policy_version"} <= required


def test_every_recognition_event_names_its_organisation_and_every_outcome_its_cause() -> None:
    cause = {"triggering_event_id", "triggering_event_type", "policy_id", "policy_version", "rule_id"}
    outcomes = {
        "RecognitionAwardedV3",
        "RewardGrantedV2",
        "RewardHeldForApproval",
        "CompensationAdjustmentProposedV3",
        "LearningAssignmentRequestedV2",
        "InitiativeLeadProposedV2",
    }
    for contract in RECOGNITION_EVENTS:
        required = set(contract.model_json_schema()["required"])
        assert "organisation_id" in required, contract.__name__
        if contract.__name__ in outcomes:
            assert cause <= required, contract.__name__


def test_models_are_frozen_and_ignore_unknown_fields() -> None:
    example = FeedbackGivenV2.model_json_schema()["examples"][0]
    event = FeedbackGivenV2.model_validate({**example, "added_in_a_later_minor": 1})
    assert not hasattr(event, "added_in_a_later_minor")
    with pytest.raises(ValidationError):
        event.content = "changed"  # type: ignore[misc]


def test_one_topic_per_service_keyed_by_aggregate() -> None:
    assert {t.name for t in TOPICS.values()} == {
        "trellis.goals.events.v1",
        "trellis.feedback.events.v1",
        "trellis.recognition.events.v1",
    }
    feedback = topic_for("feedback")
    assert feedback.partitions == 12
    assert feedback.topic_config()["cleanup.policy"] == "delete"
    assert int(feedback.topic_config()["retention.ms"]) == 30 * 24 * 3600 * 1000
    with pytest.raises(LookupError):
        topic_for("payroll")


@pytest.mark.parametrize("contract", list(CATALOGUE.values()), ids=lambda c: c.event_type())
def test_every_published_event_says_which_of_its_fields_is_its_moment(
    contract: type[EventContract],
) -> None:
    assert contract.moment_field is not None
    assert contract.model_fields[contract.moment_field].annotation is AwareDatetime
    for example in examples_of(contract):
        event = contract.model_validate(example)
        moment = event.moment()
        assert moment is not None and moment == getattr(event, contract.moment_field)


def test_a_contract_naming_a_moment_it_does_not_have_is_refused_when_defined() -> None:
    with pytest.raises(TypeError, match="'given_at' as its moment"):

        class Muddled(EventContract):
            service: ClassVar[str] = "feedback"
            moment_field: ClassVar[str | None] = "given_at"
            feedback_id: str


@pytest.mark.parametrize("contract", list(CATALOGUE.values()), ids=lambda c: c.event_type())
def test_every_personal_field_of_every_published_event_names_its_person(contract: Any) -> None:
    assert declaration_problems(contract) == []
    schema = event_schema(contract)
    for field in personal_fields(contract):
        # Erased text must still be a valid value of the field, so that erased history decodes.
        node = contract
        for step in field.path[:-1]:
            annotation = node.model_fields[step.name].annotation
            node = _model_in(annotation)
        info = node.model_fields[field.path[-1].name]
        TypeAdapter(Annotated[info.annotation, info]).validate_python(field.erased())
    assert all(field.about in _all_property_names(schema) for field in personal_fields(contract))


def test_an_undeclared_owner_is_a_problem_the_catalogue_test_reports() -> None:
    from trellis_contracts import personal_data

    class Careless(EventContract):
        service: ClassVar[str] = "privacytests"
        moment_field: ClassVar[str | None] = None
        note: str = personal_data("A note.")
        other: str = personal_data("Another.", about="nobody_id")
        owner_id: str
        count: int = personal_data("Not text.", about="owner_id")

    problems = declaration_problems(Careless)
    assert any("Careless.note names nobody it is about" in p for p in problems)
    assert any("'nobody_id', which no model on its path has" in p for p in problems)
    assert any("Careless.count is personal data but neither text" in p for p in problems)
    assert any("no organisation_id" in p for p in problems)


def _model_in(annotation: Any) -> Any:
    from pydantic import BaseModel

    candidates = [annotation, *get_args(annotation)]
    for candidate in candidates:
        for inner in [candidate, *get_args(candidate)]:
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    raise AssertionError(f"no model in {annotation}")


def _all_property_names(schema: dict[str, Any]) -> set[str]:
    names = set(schema.get("properties", {}))
    for definition in schema.get("$defs", {}).values():
        names |= set(definition.get("properties", {}))
    return names


def test_the_person_each_kind_of_text_belongs_to() -> None:
    """Erasing this person makes the text unreadable everywhere (see the personal data design):
    a goal's texts are its employee's; feedback and recognition are about their recipient (the
    giver stays an id); a decline's reason speaks of the giver."""
    owners = {
        (contract.__name__, field.dotted): field.about
        for contract in CATALOGUE.values()
        for field in personal_fields(contract)
    }
    assert owners[("GoalCreated", "terms.title")] == "employee_id"
    assert owners[("GoalCreated", "milestones[].title")] == "employee_id"
    assert owners[("GoalProposalWithdrawn", "reason")] == "employee_id"
    assert owners[("CheckInRecorded", "agreed_actions[].action")] == "employee_id"
    assert owners[("FeedbackGivenV2", "content")] == "recipient_id"
    assert owners[("FeedbackRequestClosed", "released_answers[].content")] == "recipient_id"
    assert owners[("FeedbackDeclinedV2", "reason")] == "giver_id"
    assert owners[("ConversationHeldV2", "notes")] == "employee_id"
    assert owners[("PeerRecognitionGivenV2", "message")] == "recipient_id"
    assert owners[("RecognitionAwardedV3", "message")] == "recipient_id"
    assert owners[("CompensationAdjustmentProposedV3", "justification")] == "employee_id"
    assert owners[("RewardRejectedV2", "reason")] == "recipient_id"
    assert owners[("CompensationAdjustmentRejectedV3", "reason")] == "employee_id"
    assert owners[("InitiativeLeadProposedV2", "initiative")] == "employee_id"
