"""A subscription's rules, given events, when a command, then events or the reason it is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from trellis_integrations.domain.endpoints import HTTPS_ONLY, EndpointRules
from trellis_integrations.domain.events import (
    SecretRotated,
    SubscriptionCreated,
    SubscriptionDisabled,
    SubscriptionEnabled,
    SubscriptionRemoved,
)
from trellis_integrations.domain.subscription import (
    Configuration,
    CreateSubscription,
    Disable,
    Enable,
    Reconfigure,
    Remove,
    RotateSecret,
    SubscriptionExists,
    subscription_decider,
)
from trellis_kernel.testing import given

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
APPROVED = "dev.trellis.recognition.CompensationAdjustmentApproved.v2"
GRANTED = "dev.trellis.recognition.RewardGranted.v2"
PAYROLL = Configuration(endpoint="https://payroll.example.com/hooks", event_types=(GRANTED, APPROVED))


def create(
    configuration: Configuration = PAYROLL, *, kind: str = "webhook", rules: EndpointRules = HTTPS_ONLY
) -> CreateSubscription:
    return CreateSubscription("payroll", "org_1", kind, configuration, "s1", "hr_1", NOW, rules)  # type: ignore[arg-type]


def created() -> SubscriptionCreated:
    return SubscriptionCreated(
        subscription_id="payroll",
        organisation_id="org_1",
        occurred_at=NOW,
        kind="webhook",
        endpoint=PAYROLL.endpoint,
        event_types=(APPROVED, GRANTED),
        max_in_flight=4,
        timeout_seconds=10.0,
        secret_id="s1",
        created_by="hr_1",
    )


def test_a_subscription_is_created_with_its_event_types_sorted() -> None:
    assert given(subscription_decider).when(create()) == [created()]


def test_creating_it_again_alike_records_nothing_and_otherwise_is_refused() -> None:
    assert given(subscription_decider, created()).when(create()) == []
    with pytest.raises(SubscriptionExists):
        subscription_decider.handle(
            [created()], create(Configuration("https://elsewhere.example.com", (APPROVED,)))
        )


@pytest.mark.parametrize(
    ("configuration", "field", "match"),
    [
        (Configuration("http://payroll.example.com", (APPROVED,)), "endpoint", "https"),
        (Configuration("https://payroll.example.com#top", (APPROVED,)), "endpoint", "fragment"),
        (Configuration("https://payroll.example.com:port", (APPROVED,)), "endpoint", "not a URL"),
        (
            Configuration("https://payroll.example.com", ("dev.trellis.goals.Unknown.v1",)),
            "event_types",
            "unknown",
        ),
        (Configuration("https://payroll.example.com", ()), "event_types", "at least one"),
        (
            Configuration("https://payroll.example.com", (APPROVED,), max_in_flight=0),
            "max_in_flight",
            "between",
        ),
        (
            Configuration("https://payroll.example.com", (APPROVED,), timeout_seconds=60),
            "timeout_seconds",
            "at most",
        ),
        (Configuration("https://p.example.com", (APPROVED,), lrs_username="x"), "kind", "only an xAPI"),
    ],
)
def test_a_configuration_an_endpoint_cannot_have_is_refused(
    configuration: Configuration, field: str, match: str
) -> None:
    given(subscription_decider).when_rejected(create(configuration), field=field, match=match)


def test_plain_http_is_allowed_to_loopback_only_and_only_when_the_service_says_so() -> None:
    loopback = Configuration("http://127.0.0.1:8080/hooks", (APPROVED,))
    given(subscription_decider).when_rejected(create(loopback), field="endpoint", match="https")
    assert given(subscription_decider).when(create(loopback, rules=EndpointRules(loopback_http=True)))
    remote = Configuration("http://192.168.1.5/hooks", (APPROVED,))
    given(subscription_decider).when_rejected(
        create(remote, rules=EndpointRules(loopback_http=True)), field="endpoint", match="https"
    )


def test_xapi_needs_a_username_a_home_page_and_events_that_make_statements() -> None:
    lrs = Configuration(
        "https://lrs.example.com/xAPI",
        ("dev.trellis.goals.MilestoneReached.v1",),
        lrs_username="trellis",
        home_page="https://people.example.com",
    )
    assert given(subscription_decider).when(create(lrs, kind="xapi"))
    given(subscription_decider).when_rejected(
        create(
            Configuration(lrs.endpoint, (APPROVED,), lrs_username="t", home_page=lrs.home_page), kind="xapi"
        ),
        field="event_types",
        match="no xAPI statement",
    )
    given(subscription_decider).when_rejected(
        create(Configuration(lrs.endpoint, lrs.event_types, home_page=lrs.home_page), kind="xapi"),
        field="lrs_username",
    )


def test_disabling_twice_records_once_enabling_brings_it_back_and_a_removed_one_stays_removed() -> None:
    disabled = SubscriptionDisabled(
        subscription_id="payroll",
        organisation_id="org_1",
        occurred_at=NOW,
        reason="gone",
        detail="410",
        disabled_by="d",
    )
    assert given(subscription_decider, created()).when(Disable("gone", "410", "d", NOW)) == [disabled]
    assert given(subscription_decider, created(), disabled).when(Disable("failing", "x", "d", NOW)) == []
    assert given(subscription_decider, created(), disabled).when(Enable("hr_1", NOW)) == [
        SubscriptionEnabled(
            subscription_id="payroll", organisation_id="org_1", occurred_at=NOW, enabled_by="hr_1"
        )
    ]
    assert given(subscription_decider, created()).when(Enable("hr_1", NOW)) == []
    removed = SubscriptionRemoved(
        subscription_id="payroll", organisation_id="org_1", occurred_at=NOW, removed_by="hr_1"
    )
    assert given(subscription_decider, created()).when(Remove("hr_1", NOW)) == [removed]
    given(subscription_decider, created(), removed).when_rejected(
        Enable("hr_1", NOW), field=None, match="removed"
    )
    given(subscription_decider).when_rejected(
        Disable("admin", "x", "hr_1", NOW), field=None, match="no such subscription"
    )


def test_a_rotation_names_the_new_secret_and_how_long_the_previous_one_signs() -> None:
    until = NOW + timedelta(hours=24)
    assert given(subscription_decider, created()).when(RotateSecret("s2", until, "hr_1", NOW)) == [
        SecretRotated(
            subscription_id="payroll",
            organisation_id="org_1",
            occurred_at=NOW,
            secret_id="s2",
            previous_secret_id="s1",
            previous_valid_until=until,
            rotated_by="hr_1",
        )
    ]
    given(subscription_decider, created()).when_rejected(
        RotateSecret("s2", NOW - timedelta(seconds=1), "hr_1", NOW), field="overlap_seconds"
    )


def test_reconfiguring_to_the_same_records_nothing() -> None:
    assert given(subscription_decider, created()).when(Reconfigure(PAYROLL, "hr_1", NOW)) == []
