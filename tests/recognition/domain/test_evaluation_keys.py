"""What ties an evaluation to the facts it needs and to the outcomes it records: each rule's count
is its own (per policy, version and rule), a count of another event tests only its own
conditions, only the trigger's own goal tells its template, and an outcome's id never changes
from one release to the next (a redelivered event must land on the outcome it caused)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from tests.recognition.domain.builders import (
    GOAL,
    at,
    facts_for,
    goal_completed,
    goal_facts,
    milestone_reached,
    policy,
    published,
    rule,
)
from trellis_kernel.decider import DomainError
from trellis_recognition.domain.evaluation import CountKey, Facts, count_queries, evaluate, outcome_id

MARCH = at(date(2026, 3, 10))
COUNT = {"at_least": 2, "window": "year"}


def test_each_policy_versions_rule_has_a_count_of_its_own() -> None:
    first = published(policy(rules=[rule("goals.MilestoneReached", count=COUNT)]))
    second = published(
        policy(policy_id="pol-2", rules=[rule("goals.MilestoneReached", count=COUNT)]), version=3
    )
    queries = count_queries(milestone_reached("m1", MARCH), [first, second])
    assert [query.key for query in queries] == [
        CountKey("pol-1", 1, "r1"),
        CountKey("pol-2", 3, "r1"),
    ]


def test_a_count_of_another_event_tests_only_its_own_conditions() -> None:
    document = policy(
        rules=[
            rule(
                "goals.GoalCompleted",
                where={"goal_id": {"equals": GOAL}},
                count={"at_least": 2, "window": "year", "event": "goals.MilestoneReached"},
            )
        ]
    )
    [query] = count_queries(goal_completed("g1", MARCH), [published(document)])
    assert (query.event, dict(query.where)) == ("goals.MilestoneReached", {})


def test_only_the_triggers_own_goal_tells_its_template() -> None:
    versions = [published(policy(rules=[rule("goals.MilestoneReached", goal_template=["mentoring"])]))]
    event = milestone_reached("m1", MARCH)
    own = goal_facts(template="mentoring")
    assert len(evaluate(event, facts_for(event, versions, goal=own), versions)) == 1
    another = replace(own, goal_id="goal_9")
    assert evaluate(event, facts_for(event, versions, goal=another), versions) == []


def test_a_count_not_gathered_says_which_rule_it_belongs_to() -> None:
    versions = [published(policy(rules=[rule("goals.MilestoneReached", count=COUNT, rule_id="steady")]))]
    with pytest.raises(DomainError) as raised:
        evaluate(milestone_reached("m1", MARCH), Facts(), versions)
    assert (raised.value.field, raised.value.message) == (
        "counts",
        "the count for rule 'steady' was not gathered",
    )


def test_an_outcomes_id_is_the_same_in_every_release() -> None:
    assert outcome_id("org_1", "pol-1", "r1", "event:e1", 0) == "e1e6e020-643f-5cbd-af04-c8d0329be1cc"
    assert outcome_id("org_1", "pol-1", "r1", "event:e1", 1) == "2e2d9147-c690-59f0-bd56-bcfd7796ad92"
