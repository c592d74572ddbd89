"""A published policy as integrators read it, recognitions and courses as the policy words them,
and a backtest's period, taken from its first day up to, not including, its last."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.recognition.domain.builders import (
    HR,
    ORG,
    PUBLISHED_AT,
    at,
    milestone_reached,
    policy,
    rule,
)
from trellis_contracts.recognition import LearningAssignmentRequestedV2, RecognitionAwardedV2
from trellis_kernel.testing import given
from trellis_recognition.domain.backtest import BacktestLine, HistoricalTrigger, backtest
from trellis_recognition.domain.evaluation import Facts, evaluate
from trellis_recognition.domain.outcomes import RecordOutcome, outcome_decider
from trellis_recognition.domain.policies import (
    PolicyHistory,
    PublishPolicy,
    draft_version,
    in_effect,
    policy_decider,
    version_of,
)

POINTS = {"points": {"amount": 10}}


def test_a_published_version_carries_the_document_as_json_with_its_own_field_names() -> None:
    document = policy(
        effective_on="2026-01-01",
        rules=[rule("feedback.FeedbackGiven", where={"kind": {"in": ["praise", "upward"]}})],
    )
    [event] = policy_decider.decide(
        PublishPolicy(organisation_id=ORG, document=document, published_by=HR, now=PUBLISHED_AT),
        PolicyHistory(),
    )
    assert event.document["effective_on"] == "2026-01-01"
    assert event.document["rules"][0]["when"]["where"] == {"kind": {"in": ["praise", "upward"]}}
    assert version_of(event).document == document


def test_a_recognition_and_a_course_are_worded_as_the_policy_says() -> None:
    document = policy(
        rules=[
            rule(
                "goals.MilestoneReached",
                {"recognition": {"message": "The guild is yours"}},
                {
                    "learning_assignment": {
                        "activity_id": "https://lms.example.com/a/1",
                        "activity_kind": "course",
                    }
                },
            )
        ]
    )
    version = version_of(
        policy_decider.decide(
            PublishPolicy(organisation_id=ORG, document=document, published_by=HR, now=PUBLISHED_AT),
            PolicyHistory(),
        )[0]
    )
    recognition, course = evaluate(milestone_reached("m1", at(date(2026, 3, 10))), Facts(), [version])
    [awarded] = given(outcome_decider).when(RecordOutcome(planned=recognition, now=at(date(2026, 3, 10))))
    assert isinstance(awarded, RecognitionAwardedV2) and awarded.message == "The guild is yours"
    [requested] = given(outcome_decider).when(RecordOutcome(planned=course, now=at(date(2026, 3, 10))))
    assert isinstance(requested, LearningAssignmentRequestedV2) and requested.due_on is None


def test_a_backtest_takes_its_first_day_and_leaves_out_its_end_day() -> None:
    draft = policy(rules=[rule("goals.MilestoneReached", POINTS)])
    history = [
        HistoricalTrigger(milestone_reached("m0", at(date(2026, 1, 31), 23))),
        HistoricalTrigger(milestone_reached("m1", at(date(2026, 2, 1), 0))),
        HistoricalTrigger(milestone_reached("m2", at(date(2026, 2, 28), 23))),
        HistoricalTrigger(milestone_reached("m3", at(date(2026, 3, 1), 0))),
    ]
    report = backtest(draft, ORG, history, period_start=date(2026, 2, 1), period_end=date(2026, 3, 1))
    assert (report.period_start, report.period_end, report.events_considered) == (
        date(2026, 2, 1),
        date(2026, 3, 1),
        2,
    )
    assert [planned.cause.triggering_event_id for planned in report.outcomes] == [
        history[1].event.event_id,
        history[2].event.event_id,
    ]
    assert {planned.cause.policy_version for planned in report.outcomes} == {0}


def test_a_backtest_lists_employees_without_a_team_before_the_teams() -> None:
    draft = policy(rules=[rule("goals.MilestoneReached", POINTS)])
    history = [
        HistoricalTrigger(milestone_reached("m1", at(date(2026, 2, 2))), team_id="0042"),
        HistoricalTrigger(milestone_reached("m2", at(date(2026, 2, 3)))),
        HistoricalTrigger(milestone_reached("m3", at(date(2026, 2, 4))), team_id="0017"),
    ]
    report = backtest(draft, ORG, history, period_start=date(2026, 2, 1), period_end=date(2026, 3, 1))
    assert report.lines == (
        BacktestLine(None, "points", 1, {"points": Decimal(10)}),
        BacktestLine("0017", "points", 1, {"points": Decimal(10)}),
        BacktestLine("0042", "points", 1, {"points": Decimal(10)}),
    )


def test_a_draft_counts_as_published_long_before_its_effective_day() -> None:
    draft = draft_version(policy(effective_on="2026-01-01"), ORG)
    assert (draft.organisation_id, draft.version) == (ORG, 0)
    assert in_effect([draft], ORG, at(date(2026, 1, 1), 0)) == [draft]
    assert in_effect([draft], ORG, at(date(2025, 12, 31), 23)) == []
    assert in_effect([draft], "org_2", at(date(2026, 3, 1))) == []
