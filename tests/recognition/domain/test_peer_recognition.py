"""Colleagues recognising each other within the limits of the policy in effect."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from tests.recognition.domain.builders import (
    EMPLOYEE,
    MANAGER,
    ORG,
    TEAMMATE,
    at,
    example,
    goal_facts,
    policy,
    published,
)
from trellis_contracts.recognition import PeerRecognitionGiven
from trellis_kernel.testing import given, replay
from trellis_recognition.domain.peer_recognition import (
    PeerLimits,
    RecogniseColleague,
    peer_limits_in_effect,
    peer_recognition_decider,
)

MAY_4 = at(date(2026, 5, 4))  # a Monday
PRAISE = published(example("praise.yaml"))
LIMITS = peer_limits_in_effect([PRAISE], ORG, MAY_4)


def recognise(
    number: int, recipient: str = EMPLOYEE, now: datetime = MAY_4, **overrides: object
) -> RecogniseColleague:
    command = RecogniseColleague(
        organisation_id=ORG,
        recognition_id=f"kudos-{number}",
        giver_id=TEAMMATE,
        recipient_id=recipient,
        visibility="public",
        message="Thanks for the launch checklist",
        limits=LIMITS,
        now=now,
    )
    return replace(command, **overrides)  # type: ignore[arg-type]


def test_a_colleague_is_recognised_under_the_policy_that_allows_it() -> None:
    assert PeerLimits("praise", 1, PRAISE.document.peer_recognition) == LIMITS  # type: ignore[arg-type]
    [event] = given(peer_recognition_decider).when(
        recognise(1, goal_id="goal_1", milestone_id="ms_1", goal=goal_facts())
    )
    assert isinstance(event, PeerRecognitionGiven)
    assert (event.giver_id, event.recipient_id, event.recognition_id, event.visibility) == (
        TEAMMATE,
        EMPLOYEE,
        "kudos-1",
        "public",
    )
    assert (event.goal_id, event.milestone_id, event.policy_id, event.policy_version, event.given_at) == (
        "goal_1",
        "ms_1",
        "praise",
        1,
        MAY_4,
    )


def test_the_fifth_in_a_month_is_allowed_and_the_sixth_is_not() -> None:
    recipients = ["emp_a", "emp_b", "emp_c", "emp_d", "emp_e", "emp_f"]
    four = replay(peer_recognition_decider, *(recognise(n, r) for n, r in enumerate(recipients[:4])))
    [fifth] = given(peer_recognition_decider, *four).when(
        recognise(5, recipients[4], now=at(date(2026, 5, 31), 23))
    )
    given(peer_recognition_decider, *four, fifth).when_rejected(
        recognise(6, recipients[5], now=at(date(2026, 5, 31), 23)),
        field=None,
        match="5 recognitions per month",
    )
    assert given(peer_recognition_decider, *four, fifth).when(
        recognise(6, recipients[5], now=at(date(2026, 6, 1), 0))
    )


def test_one_colleague_once_a_week() -> None:
    first = replay(peer_recognition_decider, recognise(1))
    given(peer_recognition_decider, *first).when_rejected(
        recognise(2, now=at(date(2026, 5, 10), 23)), field="recipient_id", match="of one colleague per week"
    )
    assert given(peer_recognition_decider, *first).when(recognise(2, now=at(date(2026, 5, 11), 0)))
    assert given(peer_recognition_decider, *first).when(recognise(2, recipient=MANAGER))


def test_nobody_recognises_themselves_or_without_a_message() -> None:
    given(peer_recognition_decider).when_rejected(
        recognise(1, recipient=TEAMMATE), field="recipient_id", match="themselves"
    )
    given(peer_recognition_decider).when_rejected(recognise(1, message="  "), field="message", match="blank")


def test_without_a_policy_allowing_it_there_is_no_peer_recognition() -> None:
    given(peer_recognition_decider).when_rejected(
        recognise(1, limits=None), field=None, match="no reward policy"
    )
    no_limits = published(example("leadership-milestones.yaml"))
    assert peer_limits_in_effect([no_limits], ORG, MAY_4) is None
    assert peer_limits_in_effect([PRAISE], ORG, at(date(2025, 12, 31))) is None  # before it applies
    assert peer_limits_in_effect([PRAISE], "org_2", MAY_4) is None


def test_the_latest_effective_policy_setting_limits_applies() -> None:
    tighter = published(
        policy(
            policy_id="pol-z",
            effective_on="2026-04-01",
            peer_recognition={"per_giver": {"at_most": 1, "window": "year"}},
        )
    )
    limits = peer_limits_in_effect([PRAISE, tighter], ORG, MAY_4)
    assert limits is not None and (limits.policy_id, limits.limits.per_giver.at_most) == ("pol-z", 1)
    assert peer_limits_in_effect([PRAISE, tighter], ORG, at(date(2026, 3, 31))) == LIMITS


def test_only_the_visibilities_the_policy_allows() -> None:
    given(peer_recognition_decider).when_rejected(
        recognise(1, visibility="private"), field="visibility", match="public, team"
    )


def test_a_goal_or_milestone_named_must_be_the_recipients() -> None:
    given(peer_recognition_decider).when_rejected(
        recognise(1, goal_id="goal_1"), field="goal_id", match="no goal"
    )
    theirs = goal_facts(employee=MANAGER)
    given(peer_recognition_decider).when_rejected(
        recognise(1, goal_id="goal_1", goal=theirs), field="goal_id", match="not the recipient"
    )
    given(peer_recognition_decider).when_rejected(
        recognise(1, goal_id="goal_1", milestone_id="ms_9", goal=goal_facts()), field="milestone_id"
    )
    given(peer_recognition_decider).when_rejected(
        recognise(1, milestone_id="ms_1"), field="goal_id", match="with its goal"
    )
    elsewhere = replace(goal_facts(), organisation_id="org_2")
    given(peer_recognition_decider).when_rejected(
        recognise(1, goal_id="goal_1", goal=elsewhere), field="goal_id"
    )


def test_a_retried_recognition_changes_nothing_and_a_reused_id_is_refused() -> None:
    first = replay(peer_recognition_decider, recognise(1))
    assert given(peer_recognition_decider, *first).when(recognise(1)) == []
    given(peer_recognition_decider, *first).when_rejected(
        recognise(1, message="Something else"), field="recognition_id", match="other content"
    )
