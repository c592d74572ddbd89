"""The policy evaluator: which rules fire for an event, with which facts, under which version,
and the outcome ids that make a redelivery harmless."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.recognition.domain.builders import (
    EMPLOYEE,
    MANAGER,
    ORG,
    TEAMMATE,
    at,
    event_id,
    example,
    facts_for,
    feedback_given,
    goal_completed,
    goal_facts,
    milestone_reached,
    policy,
    published,
    rule,
    trigger,
)
from trellis_contracts.reward_policy import (
    BonusOutcome,
    InitiativeOutcome,
    LearningOutcome,
    RecognitionOutcome,
)
from trellis_kernel.decider import DomainError
from trellis_recognition.domain.evaluation import Facts, count_queries, evaluate
from trellis_recognition.domain.triggers import TRIGGER_SOURCES, triggering_event

MARCH = at(date(2026, 3, 10))


# --- the three example policies -----------------------------------------------------------


def test_a_leadership_milestone_is_recognised_in_public_with_a_proposal_to_lead() -> None:
    versions = [published(example("leadership-milestones.yaml"))]
    event = milestone_reached("m1", MARCH, track="leadership")
    recognition, initiative = evaluate(event, facts_for(event, versions), versions)
    assert isinstance(recognition.detail, RecognitionOutcome) and recognition.detail.visibility == "public"
    assert isinstance(initiative.detail, InitiativeOutcome)
    for planned in (recognition, initiative):
        assert (planned.organisation_id, planned.employee_id, planned.team_id) == (ORG, EMPLOYEE, MANAGER)
        assert (planned.goal_id, planned.milestone_id) == ("goal_1", "ms_1")
        cause = planned.cause
        assert (cause.triggering_event_id, cause.triggering_event_type) == (event.event_id, event.event_type)
        assert (cause.policy_id, cause.policy_version, cause.rule_id) == (
            "leadership-milestones",
            1,
            "leadership-milestone",
        )
    assert recognition.outcome_id != initiative.outcome_id


def test_a_milestone_on_another_track_or_none_is_not_a_leadership_milestone() -> None:
    versions = [published(example("leadership-milestones.yaml"))]
    for track in ("ic", None):
        event = milestone_reached("m1", MARCH, track=track)
        assert evaluate(event, facts_for(event, versions), versions) == []


def test_the_goals_track_is_taken_from_the_goal_when_the_event_carries_none() -> None:
    versions = [published(example("leadership-milestones.yaml"))]
    event = milestone_reached("m1", MARCH)
    outcomes = evaluate(event, facts_for(event, versions, goal=goal_facts(track="leadership")), versions)
    assert len(outcomes) == 2


def test_a_goal_completed_from_a_certification_template_earns_a_bonus_and_the_next_course() -> None:
    versions = [published(example("certification-bonus.json"))]
    event = goal_completed("g1", MARCH)
    bonus, course = evaluate(
        event, facts_for(event, versions, goal=goal_facts(template="aws-associate-certification")), versions
    )
    assert isinstance(bonus.detail, BonusOutcome) and bonus.detail.amount == "200.00"
    assert isinstance(course.detail, LearningOutcome) and course.detail.activity_kind == "course"
    assert bonus.decided_on == date(2026, 3, 10)
    other = facts_for(event, versions, goal=goal_facts(template="photoshop-basics"))
    assert evaluate(event, other, versions) == []
    assert evaluate(event, facts_for(event, versions), versions) == []  # the goal is unknown


def test_the_third_praise_in_a_quarter_triggers_and_the_second_does_not() -> None:
    versions = [published(example("praise.yaml"))]
    first = feedback_given("p1", at(date(2026, 1, 5)))
    second = feedback_given("p2", at(date(2026, 2, 5)))
    third = feedback_given("p3", at(date(2026, 3, 31), 23))
    assert evaluate(second, facts_for(second, versions, (first,)), versions) == []
    [recognition] = evaluate(third, facts_for(third, versions, (first, second)), versions)
    assert isinstance(recognition.detail, RecognitionOutcome) and recognition.detail.visibility == "team"
    assert recognition.cause.triggering_event_id == third.event_id


def test_praise_of_the_previous_quarter_or_other_feedback_does_not_count() -> None:
    versions = [published(example("praise.yaml"))]
    december = feedback_given("p0", at(date(2025, 12, 31), 23))
    criticism = feedback_given("c1", at(date(2026, 1, 7)), kind="constructive")
    untyped = feedback_given("u1", at(date(2026, 1, 8)), kind=None)
    colleague = feedback_given("o1", at(date(2026, 1, 9)), recipient=TEAMMATE)
    first = feedback_given("p1", at(date(2026, 1, 5)))
    second = feedback_given("p2", at(date(2026, 2, 5)))
    known = (december, criticism, untyped, colleague, first)
    assert evaluate(second, facts_for(second, versions, known), versions) == []


def test_a_count_rule_fires_once_per_employee_and_window() -> None:
    versions = [published(example("praise.yaml"))]
    praises = [feedback_given(f"p{n}", at(date(2026, 1, n))) for n in range(1, 5)]
    [third] = evaluate(praises[2], facts_for(praises[2], versions, tuple(praises[:2])), versions)
    [fourth] = evaluate(praises[3], facts_for(praises[3], versions, tuple(praises[:3])), versions)
    assert third.outcome_id == fourth.outcome_id  # recording the second one changes nothing
    april = feedback_given("p5", at(date(2026, 4, 1)))
    assert evaluate(april, facts_for(april, versions, tuple(praises)), versions) == []


def test_a_redelivered_event_is_counted_once() -> None:
    versions = [published(example("praise.yaml"))]
    first, second = feedback_given("p1", at(date(2026, 1, 5))), feedback_given("p2", at(date(2026, 1, 6)))
    assert evaluate(second, facts_for(second, versions, (first, second, first)), versions) == []


def test_outcome_ids_are_the_same_whenever_the_event_is_decided() -> None:
    versions = [published(example("leadership-milestones.yaml"))]
    event = milestone_reached("m1", MARCH, track="leadership")
    once = evaluate(event, facts_for(event, versions), versions)
    again = evaluate(event, facts_for(event, versions), versions)
    assert [o.outcome_id for o in once] == [o.outcome_id for o in again]
    other = milestone_reached("m2", MARCH, track="leadership")
    assert not {o.outcome_id for o in once} & {
        o.outcome_id for o in evaluate(other, facts_for(other, versions), versions)
    }


def test_a_later_version_keeps_the_outcome_ids_of_a_rule() -> None:
    v1 = published(example("leadership-milestones.yaml"))
    v2_document = example("leadership-milestones.yaml").model_copy(update={"title": "Renamed"})
    v2 = published(v2_document, version=2)
    event = milestone_reached("m1", MARCH, track="leadership")
    by_v1 = evaluate(event, facts_for(event, [v1]), [v1])
    by_v2 = evaluate(event, facts_for(event, [v2]), [v2])
    assert [o.outcome_id for o in by_v1] == [o.outcome_id for o in by_v2]
    assert {o.cause.policy_version for o in by_v2} == {2}


def test_the_version_in_effect_at_the_events_time_decides() -> None:
    v1 = published(policy(rules=[rule("goals.MilestoneReached", {"points": {"amount": 10}})]))
    v2 = published(
        policy(effective_on="2026-04-01", rules=[rule("goals.MilestoneReached", {"points": {"amount": 50}})]),
        version=2,
    )
    march = milestone_reached("m1", MARCH)
    april = milestone_reached("m2", at(date(2026, 4, 1), 0))
    [by_v1] = evaluate(march, Facts(), [v1, v2])
    [by_v2] = evaluate(april, Facts(), [v1, v2])
    assert (by_v1.cause.policy_version, by_v2.cause.policy_version) == (1, 2)


def test_the_policy_effective_today_applies_and_one_effective_tomorrow_does_not() -> None:
    today = published(policy(effective_on="2026-03-10", rules=[rule("goals.MilestoneReached")]))
    tomorrow = published(
        policy(policy_id="pol-2", effective_on="2026-03-11", rules=[rule("goals.MilestoneReached")])
    )
    event = milestone_reached("m1", at(date(2026, 3, 10), 0))
    [planned] = evaluate(event, Facts(), [today, tomorrow])
    assert planned.cause.policy_id == "pol-1"


def test_a_count_that_was_not_gathered_is_an_error_not_a_silent_no() -> None:
    versions = [published(example("praise.yaml"))]
    event = feedback_given("p1", MARCH)
    with pytest.raises(DomainError, match="count"):
        evaluate(event, Facts(), versions)


def test_count_queries_name_what_to_count_where() -> None:
    versions = [published(example("praise.yaml"))]
    [query] = count_queries(feedback_given("p1", MARCH), versions)
    assert (query.organisation_id, query.employee_id, query.event, query.at_least) == (
        ORG,
        EMPLOYEE,
        "feedback.FeedbackGiven",
        3,
    )
    assert (query.window.start, query.window.end, query.window.label) == (
        date(2026, 1, 1),
        date(2026, 4, 1),
        "2026-Q1",
    )
    assert count_queries(milestone_reached("m1", MARCH), versions) == []


def test_a_count_may_count_another_event_than_the_trigger() -> None:
    document = policy(
        rules=[
            rule(
                "goals.GoalCompleted",
                count={
                    "at_least": 2,
                    "window": "year",
                    "event": "goals.MilestoneReached",
                    "where": {"on_time": {"equals": True}},
                },
            )
        ]
    )
    versions = [published(document)]
    done = goal_completed("g1", MARCH)
    late = milestone_reached("m1", at(date(2026, 2, 1)), on_time=False)
    early = milestone_reached("m2", at(date(2026, 2, 2)))
    assert evaluate(done, facts_for(done, versions, (late, early)), versions) == []
    second = milestone_reached("m3", at(date(2026, 2, 3)))
    assert len(evaluate(done, facts_for(done, versions, (late, early, second)), versions)) == 1


def test_a_team_condition_names_teams_by_their_manager() -> None:
    versions = [published(policy(rules=[rule("goals.MilestoneReached", team=[MANAGER])]))]
    event = milestone_reached("m1", MARCH)
    assert len(evaluate(event, facts_for(event, versions), versions)) == 1
    assert evaluate(event, facts_for(event, versions, team_id="mgr_9"), versions) == []
    assert evaluate(event, facts_for(event, versions, team_id=None), versions) == []


def _fires(where: dict[str, Any], **payload: Any) -> bool:
    versions = [published(policy(rules=[rule("feedback.FeedbackGiven", where=where)]))]
    base = {
        "organisation_id": ORG,
        "recipient_id": EMPLOYEE,
        "given_at": MARCH.isoformat(),
        "feedback_id": "fb1",
        "giver_id": TEAMMATE,
    }
    event = trigger("f1", "dev.trellis.feedback.FeedbackGiven.v2", {**base, **payload})
    return bool(evaluate(event, Facts(), versions))


@pytest.mark.parametrize(
    ("where", "payload", "fires"),
    [
        ({"kind": {"equals": "praise"}}, {"kind": "praise"}, True),
        ({"kind": {"equals": "praise"}}, {"kind": "Praise"}, False),
        ({"kind": {"equals": "praise"}}, {}, False),
        ({"kind": {"not_equals": "praise"}}, {}, False),
        ({"kind": {"not_equals": "praise"}}, {"kind": "tip"}, True),
        ({"relationship": {"in": ["peer", "mentor"]}}, {"relationship": "mentor"}, True),
        ({"relationship": {"in": ["peer", "mentor"]}}, {"relationship": "manager"}, False),
        ({"relationship": {"not_in": ["self"]}}, {"relationship": "self"}, False),
        ({"goal_id": {"exists": True}}, {"goal_id": "g1"}, True),
        ({"goal_id": {"exists": True}}, {"goal_id": None}, False),
        ({"goal_id": {"exists": False}}, {}, True),
        ({"score": {"at_least": 4}}, {"score": 4}, True),
        ({"score": {"at_least": 4}}, {"score": 3.99}, False),
        ({"score": {"at_least": 4, "at_most": 5}}, {"score": 5.01}, False),
        ({"score": {"at_least": 1}}, {"score": "5"}, False),
        ({"score": {"equals": 1}}, {"score": True}, False),
        ({"flag": {"equals": True}}, {"flag": True}, True),
        ({"tags": {"contains": "launch"}}, {"tags": ["launch", "q3"]}, True),
        ({"tags": {"contains": "launch"}}, {"tags": "launch"}, False),
        ({"detail.kind": {"equals": "praise"}}, {"detail": {"kind": "praise"}}, True),
        ({"detail.kind": {"equals": "praise"}}, {"detail": "praise"}, False),
    ],
)
def test_conditions_on_the_events_fields(where: dict[str, Any], payload: dict[str, Any], fires: bool) -> None:
    assert _fires(where, **payload) is fires


def test_an_event_name_without_a_version_matches_every_major_and_with_one_only_it() -> None:
    any_major = [published(policy(rules=[rule("feedback.FeedbackGiven")]))]
    only_v3 = [published(policy(rules=[rule("feedback.FeedbackGiven.v3")]))]
    v2 = feedback_given("f1", MARCH, major=2)
    v3 = feedback_given("f2", MARCH, major=3)
    assert evaluate(v2, Facts(), any_major) and evaluate(v3, Facts(), any_major)
    assert not evaluate(v2, Facts(), only_v3) and evaluate(v3, Facts(), only_v3)


def test_what_no_policy_can_react_to_is_no_trigger() -> None:
    assert (
        triggering_event(event_id("x"), "dev.trellis.goals.GoalProposed.v1", {"organisation_id": ORG}) is None
    )
    assert triggering_event(event_id("x"), "not a type", {}) is None
    # FeedbackGiven v1 names no organisation: it cannot be attributed.
    v1 = {"recipient_id": EMPLOYEE, "given_at": MARCH.isoformat(), "feedback_id": "f"}
    assert triggering_event(event_id("x"), "dev.trellis.feedback.FeedbackGiven.v1", v1) is None
    naive = {"organisation_id": ORG, "recipient_id": EMPLOYEE, "given_at": "2026-03-10T12:00:00"}
    assert triggering_event(event_id("x"), "dev.trellis.feedback.FeedbackGiven.v2", naive) is None


def test_every_trigger_source_names_fields_its_contract_has() -> None:
    from trellis_contracts.catalogue import CATALOGUE

    for name, source in TRIGGER_SOURCES.items():
        versions = [c for t, c in CATALOGUE.items() if t.startswith(f"dev.trellis.{name}.v")]
        assert versions, name
        for contract in versions:
            fields = set(contract.model_fields)
            named = {source.employee, source.time, source.goal, source.milestone, source.career_track} - {
                None
            }
            assert named <= fields, (name, named - fields)
