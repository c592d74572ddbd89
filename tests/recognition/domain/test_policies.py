"""Publishing reward policy versions, and which version decides at a given moment."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.recognition.domain.builders import HR, ORG, OTHER_ORG, at, policy, published, rule
from trellis_contracts.recognition import PolicyPublishedV2
from trellis_contracts.reward_policy import POLICY_SCHEMA_ID, RewardPolicy
from trellis_kernel.testing import given
from trellis_recognition.domain.policies import PublishPolicy, in_effect, policy_decider, version_of

JAN_1 = date(2026, 1, 1)
NOW = at(date(2025, 12, 15), 9)
MILESTONES = rule("goals.MilestoneReached", {"recognition": {"visibility": "public"}})


def publish(document: RewardPolicy, now: datetime = NOW, organisation_id: str = ORG) -> PublishPolicy:
    return PublishPolicy(organisation_id=organisation_id, document=document, published_by=HR, now=now)


def test_the_first_version_is_published_with_the_whole_document() -> None:
    document = policy(rules=[MILESTONES])
    [event] = given(policy_decider).when(publish(document))
    assert isinstance(event, PolicyPublishedV2)
    assert (event.policy_id, event.organisation_id, event.policy_version) == ("pol-1", ORG, 1)
    assert (event.effective_on, event.published_by_id, event.published_at) == (JAN_1, HR, NOW)
    assert event.document_schema == POLICY_SCHEMA_ID
    assert RewardPolicy.model_validate(event.document) == document


def test_each_publication_is_the_next_version() -> None:
    first = given(policy_decider).when(publish(policy()))
    [second] = given(policy_decider, *first).when(publish(policy(title="Renamed")))
    assert second.policy_version == 2
    [third] = given(policy_decider, *first, second).when(publish(policy(title="Again")))
    assert third.policy_version == 3


def test_publishing_the_same_document_again_records_nothing() -> None:
    first = given(policy_decider).when(publish(policy()))
    assert given(policy_decider, *first).when(publish(policy(), now=at(date(2025, 12, 20)))) == []


def test_a_version_effective_today_may_be_published_but_not_one_effective_yesterday() -> None:
    today = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)
    assert given(policy_decider).when(publish(policy(effective_on="2026-03-01"), now=today))
    given(policy_decider).when_rejected(
        publish(policy(effective_on="2026-02-28"), now=today), field="effective_on", match="never changes"
    )


def test_the_publication_day_is_the_day_in_utc() -> None:
    # 00:30 on 2 March in Berlin is still 1 March in UTC.
    from zoneinfo import ZoneInfo

    berlin = datetime(2026, 3, 2, 0, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert given(policy_decider).when(publish(policy(effective_on="2026-03-01"), now=berlin))


def test_a_rule_must_name_an_event_the_service_reacts_to() -> None:
    unknown = policy(rules=[MILESTONES, rule("goals.GoalProposed", rule_id="r2")])
    given(policy_decider).when_rejected(
        publish(unknown), field="rules[1].when.event", match="goals.GoalProposed"
    )
    counted = policy(
        rules=[rule("goals.MilestoneReached", count={"at_least": 2, "window": "year", "event": "x.Y"})]
    )
    given(policy_decider).when_rejected(publish(counted), field="rules[0].when.count.event", match="x.Y")


def test_a_newer_major_version_of_a_known_event_may_be_named() -> None:
    pinned = policy(rules=[rule("feedback.FeedbackGiven.v2", where={"kind": {"equals": "praise"}})])
    assert given(policy_decider).when(publish(pinned))


def test_another_organisation_cannot_publish_into_the_stream() -> None:
    first = given(policy_decider).when(publish(policy()))
    given(policy_decider, *first).when_rejected(
        publish(policy(title="Mine"), organisation_id=OTHER_ORG), field="organisation_id", match="another"
    )


def test_a_command_without_a_utc_offset_is_refused() -> None:
    given(policy_decider).when_rejected(publish(policy(), now=datetime(2025, 12, 15)), field="now")


# --- which version decides -----------------------------------------------------------------


def test_a_version_decides_from_its_effective_day_on() -> None:
    v1 = published(policy(effective_on="2026-01-01"))
    v2 = published(policy(effective_on="2026-04-01", title="Q2"), version=2)
    assert in_effect([v1, v2], ORG, at(date(2025, 12, 31))) == []
    assert in_effect([v1, v2], ORG, at(date(2026, 3, 31), 23)) == [v1]
    assert in_effect([v1, v2], ORG, at(date(2026, 4, 1), 0)) == [v2]


def test_a_new_version_never_changes_what_an_earlier_one_decided() -> None:
    v1 = published(policy(effective_on="2026-01-01"))
    before = in_effect([v1], ORG, at(date(2026, 3, 10)))
    v2 = published(policy(effective_on="2026-03-11", title="New"), version=2, at=at(date(2026, 3, 11), 8))
    assert in_effect([v1, v2], ORG, at(date(2026, 3, 10))) == before == [v1]


def test_a_version_published_during_its_effective_day_decides_from_its_publication() -> None:
    v1 = published(policy(effective_on="2026-01-01"))
    v2 = published(policy(effective_on="2026-03-11", title="New"), version=2, at=at(date(2026, 3, 11), 10))
    assert in_effect([v1, v2], ORG, at(date(2026, 3, 11), 9)) == [v1]
    assert in_effect([v1, v2], ORG, at(date(2026, 3, 11), 10)) == [v2]


def test_of_two_versions_effective_the_same_day_the_higher_decides() -> None:
    v1 = published(policy(effective_on="2026-02-01"))
    v2 = published(policy(effective_on="2026-02-01", title="Fixed"), version=2)
    assert in_effect([v2, v1], ORG, at(date(2026, 2, 1))) == [v2]


def test_every_policy_of_the_organisation_decides_and_no_other_organisations() -> None:
    a = published(policy(policy_id="pol-a"))
    b = published(policy(policy_id="pol-b"))
    elsewhere = published(policy(policy_id="pol-c"), organisation_id=OTHER_ORG)
    assert in_effect([b, elsewhere, a], ORG, at(date(2026, 2, 1))) == [a, b]


def test_the_stream_folds_back_into_its_versions() -> None:
    events = [e for e in given(policy_decider).when(publish(policy()))]
    state = given(policy_decider, *events).then_state()
    assert state.versions == (version_of(events[0]),)
    assert state.latest is not None and state.latest.version == 1
