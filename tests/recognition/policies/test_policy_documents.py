"""Uploaded reward policies: the published examples read, and every mistake is reported with
the line and the field it is at."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from trellis_contracts.artefacts import load_policy_schema
from trellis_contracts.reward_policy import policy_schema
from trellis_recognition.policy_documents import InvalidPolicy, PolicyProblem, parse_policy

EXAMPLES = Path(__file__).parent / "examples"


def example(name: str) -> str:
    return (EXAMPLES / name).read_text()


def problems(text: str) -> list[PolicyProblem]:
    with pytest.raises(InvalidPolicy) as raised:
        parse_policy(text)
    return list(raised.value.problems)


def only_problem(text: str) -> PolicyProblem:
    [problem] = problems(text)
    return problem


# --- the examples ---------------------------------------------------------------------------


def test_leadership_milestones_recognise_in_public_and_propose_an_initiative() -> None:
    policy = parse_policy(example("leadership-milestones.yaml"))
    assert (policy.policy_id, policy.effective_on) == ("leadership-milestones", date(2026, 1, 1))
    [rule] = policy.rules
    assert rule.when.event == "goals.MilestoneReached"
    assert rule.when.career_track == ("leadership",)
    assert [outcome.kind for outcome in rule.then] == ["recognition", "lead_initiative"]
    assert rule.then[0].recognition is not None and rule.then[0].recognition.visibility == "public"
    assert policy.peer_recognition is None


def test_a_certification_earns_a_spot_bonus_and_the_next_course() -> None:
    policy = parse_policy(example("certification-bonus.json"))
    [rule] = policy.rules
    assert rule.when.event == "goals.GoalCompleted"
    assert rule.when.goal_template == ("aws-associate-certification",)
    bonus, course = rule.then
    assert bonus.bonus is not None and bonus.bonus.money().as_decimal() == Decimal("200.00")
    assert bonus.bonus.currency == "EUR" and bonus.bonus.kind == "spot_award"
    assert course.learning_assignment is not None
    assert course.learning_assignment.activity_id.endswith("/aws-professional")


def test_three_praises_in_a_quarter_are_recognised_and_peers_have_limits() -> None:
    policy = parse_policy(example("praise.yaml"))
    [rule] = policy.rules
    assert rule.when.where["kind"].equals == "praise"
    assert rule.when.count is not None
    assert (rule.when.count.at_least, rule.when.count.window) == (3, "quarter")
    limits = policy.peer_recognition
    assert limits is not None
    assert (limits.per_giver.at_most, limits.per_giver.window) == (5, "month")
    assert limits.per_recipient is not None and limits.per_recipient.window == "week"
    assert limits.visibility == ("public", "team")


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.iterdir()))
def test_the_examples_follow_the_published_schema(name: str) -> None:
    text = example(name)
    data = json.loads(text) if name.endswith(".json") else _yaml_as_json(text)
    Draft202012Validator(load_policy_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        data
    )


def _yaml_as_json(text: str) -> object:
    import yaml

    return json.loads(json.dumps(yaml.safe_load(text), default=str))


def test_the_published_schema_is_what_the_models_generate() -> None:
    published = load_policy_schema()
    assert published == policy_schema()
    Draft202012Validator.check_schema(published)
    assert published["$id"] == "https://trellis.dev/policies/reward-policy.v1.json"


def test_json_and_yaml_of_one_policy_read_the_same() -> None:
    from_json = parse_policy(example("certification-bonus.json"))
    as_yaml = "\n".join(
        f"{key}: {json.dumps(value)}"
        for key, value in json.loads(example("certification-bonus.json")).items()
    )
    assert parse_policy(as_yaml) == from_json


# --- mistakes, each at its line and field ---------------------------------------------------

HEAD = """format: trellis.reward-policy.v1
policy_id: pol-1
title: A policy
effective_on: 2026-01-01
"""


def with_rules(rules: str) -> str:
    return HEAD + "rules:\n" + rules


RULE = """  - id: r1
    when:
      event: goals.MilestoneReached
    then:
      - recognition: {visibility: public}
"""


def test_a_valid_minimal_document_reads() -> None:
    policy = parse_policy(with_rules(RULE))
    assert policy.rules[0].then[0].kind == "recognition"


def test_a_misspelt_field_is_named_at_its_own_line() -> None:
    text = with_rules(RULE) + "peer_recogniton:\n  per_giver: {at_most: 1, window: week}\n"
    problem = only_problem(text)
    assert (problem.line, problem.column, problem.field) == (11, 1, "peer_recogniton")
    assert "unknown field 'peer_recogniton'" in problem.reason
    assert "peer_recognition" in problem.reason


def test_a_missing_field_is_named_where_it_belongs() -> None:
    text = with_rules(RULE.replace("      event: goals.MilestoneReached\n", "      career_track: [lead]\n"))
    problem = only_problem(text)
    assert (problem.line, problem.field) == (8, "rules[0].when.event")
    assert "required field 'event' is missing" in problem.reason


def test_a_value_outside_its_choices_lists_them() -> None:
    problem = only_problem(with_rules(RULE.replace("visibility: public", "visibility: everyone")))
    assert (problem.line, problem.field) == (10, "rules[0].then[0].recognition.visibility")
    assert problem.reason == "must be one of: public, team, private"


def test_an_impossible_date_is_refused() -> None:
    problem = only_problem(with_rules(RULE).replace("effective_on: 2026-01-01", "effective_on: 2026-02-30"))
    assert (problem.line, problem.column, problem.field) == (4, 15, "effective_on")
    assert "is not a valid date" in problem.reason


def test_money_is_a_decimal_string_not_a_number() -> None:
    bonus = "      - bonus: {amount: 200, currency: EUR}\n"
    problem = only_problem(with_rules(RULE + bonus))
    assert (problem.line, problem.field) == (11, "rules[0].then[1].bonus.amount")
    assert "must be of type string, not number" in problem.reason
    problem = only_problem(with_rules(RULE + bonus.replace("200", '"-5"')))
    assert (problem.line, problem.field) == (11, "rules[0].then[1].bonus")
    assert "more than zero" in problem.reason


def test_an_outcome_names_exactly_one_thing() -> None:
    both = "      - points: {amount: 5}\n        lead_initiative: {initiative: Guild}\n"
    problem = only_problem(with_rules(RULE + both))
    assert (problem.line, problem.field) == (11, "rules[0].then[1]")
    assert problem.reason == "must name exactly one thing, found lead_initiative, points"
    problem = only_problem(with_rules(RULE + "      - {}\n"))
    assert (problem.line, problem.field, problem.reason) == (11, "rules[0].then[1]", "must not be empty")


def test_an_empty_condition_and_a_wrong_scalar_are_refused() -> None:
    where = "      where:\n        on_time: {}\n        title: {equals: [1, 2]}\n"
    rule = RULE.replace(
        "      event: goals.MilestoneReached\n", "      event: goals.MilestoneReached\n" + where
    )
    found = problems(with_rules(rule))
    assert [(p.line, p.field) for p in found] == [
        (10, "rules[0].when.where.on_time"),
        (11, "rules[0].when.where.title.equals"),
    ]
    assert found[0].reason == "must not be empty"
    assert found[1].reason == "must be one of the types boolean, integer, number, string, not array"


def test_an_event_name_has_the_service_and_the_event() -> None:
    problem = only_problem(with_rules(RULE.replace("goals.MilestoneReached", "MilestoneReached")))
    assert (problem.line, problem.field) == (8, "rules[0].when.event")
    assert "'MilestoneReached' does not have the expected form" in problem.reason


def test_rule_ids_are_unique() -> None:
    problem = only_problem(with_rules(RULE + RULE))
    assert (problem.line, problem.field) == (1, "")
    assert problem.reason == "rule id 'r1' appears twice"


def test_a_key_given_twice_is_refused_at_the_second() -> None:
    problem = only_problem(with_rules(RULE) + "title: Again\n")
    assert (problem.line, problem.column, problem.field) == (11, 1, "title")
    assert problem.reason == "is given twice"


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    text = with_rules(RULE.replace("visibility: public", "visibility: loud")).replace(
        "title: A policy", "title: A policy\nversion: 3"
    )
    found = problems(text)
    assert [(p.line, p.field) for p in found] == [
        (4, "version"),
        (11, "rules[0].then[0].recognition.visibility"),
    ]
    assert str(found[0]).startswith("line 4, column 1: version: unknown field 'version'")


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("format: [unclosed\n", 2, "cannot be read"),
        ('{"format": "trellis.reward-policy.v1",\n "title": }', 2, "a value is missing"),
        ('{"format": "trellis.reward-policy.v1",\n "title" "x"}', 2, "cannot be read"),
        ("", 1, "the document is empty"),
        ("# only a comment\n", 1, "the document is empty"),
        (HEAD + "---\n" + HEAD, 6, "one policy per document"),
        (HEAD.replace("A policy", "!!binary aGVsbG8="), 3, "is not supported"),
        ("- a list\n", 1, "must be of type object, not array"),
    ],
)
def test_text_that_is_no_policy_says_why(text: str, line: int, reason: str) -> None:
    problem = problems(text)[0]
    assert problem.line == line
    assert reason in problem.reason


def test_json_numbers_keep_their_json_meaning() -> None:
    document = json.loads(example("certification-bonus.json"))
    document["rules"][0]["then"][1]["learning_assignment"]["due_in_days"] = 1.8e2
    text = json.dumps(document).replace("180.0", "1.8e2")
    assert "1.8e2" in text
    assignment = parse_policy(text).rules[0].then[1].learning_assignment
    assert assignment is not None and assignment.due_in_days == 180
