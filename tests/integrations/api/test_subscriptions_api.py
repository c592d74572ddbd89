"""Managing subscriptions over HTTP: who may, what is refused and why, and retrying safely."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.integrations.conftest import HR, PLATFORM, SECRET, bearer, running
from trellis_integrations.delivery.webhooks import new_secret
from trellis_integrations.settings import IntegrationsSettings

APPROVED = "dev.trellis.recognition.CompensationAdjustmentApproved.v2"
REACHED = "dev.trellis.goals.MilestoneReached.v1"
URL = "https://payroll.example.com/hooks"


def settings(dsn: str, **overrides: object) -> IntegrationsSettings:
    values: dict[str, Any] = {"database_url": dsn, "jwt_secret": SECRET, "loopback_http": True, **overrides}
    return IntegrationsSettings(**values)


@pytest.fixture
async def database(postgres: Any) -> str:
    dsn: str = await postgres.create_database("integrations")
    return dsn


@pytest.fixture
async def client(database: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running(settings(database)) as service:
        yield service.client


async def _create(client: httpx.AsyncClient, **body: object) -> httpx.Response:
    return await client.post(
        "/subscriptions/webhooks", json={"endpoint": URL, "event_types": [APPROVED], **body}, headers=HR
    )


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"endpoint": "http://payroll.example.com/hooks"}, "endpoint", "https"),
        ({"endpoint": "ftp://payroll.example.com"}, "endpoint", "absolute https URL"),
        ({"endpoint": "not a url"}, "endpoint", "absolute https URL"),
        ({"endpoint": "https://user:pw@payroll.example.com/"}, "endpoint", "credentials"),
        ({"event_types": ["dev.trellis.goals.Nothing.v1"]}, "event_types", "unknown event types"),
        ({"event_types": ["dev.trellis.recognition.RewardGranted.v1"]}, "event_types", "unknown event types"),
        ({"event_types": []}, "event_types", "at least 1"),
        ({"max_in_flight": 100}, "max_in_flight", "less than or equal to 16"),
        ({"secret": "not-a-secret"}, "secret", "pattern"),
    ],
)
async def test_a_configuration_error_is_a_422_naming_the_field_and_why(
    client: httpx.AsyncClient, body: dict[str, object], field: str, reason: str
) -> None:
    refused = await _create(client, **body)
    assert refused.status_code == 422, refused.text
    (problem,) = refused.json()["detail"]
    assert problem["field"] == field
    assert reason in problem["reason"]


async def test_plain_http_to_this_machine_is_a_development_setting(database: str) -> None:
    loopback = {"endpoint": "http://127.0.0.1:9/hooks", "event_types": [APPROVED]}
    async with running(settings(database, loopback_http=False)) as production:
        refused = await production.client.post("/subscriptions/webhooks", json=loopback, headers=HR)
        assert refused.status_code == 422
        assert "https" in refused.json()["detail"][0]["reason"]
    async with running(settings(database, loopback_http=True)) as development:
        assert (
            await development.client.post("/subscriptions/webhooks", json=loopback, headers=HR)
        ).status_code == 201
        elsewhere = {**loopback, "endpoint": "http://10.0.0.7/hooks"}
        assert (
            await development.client.post("/subscriptions/webhooks", json=elsewhere, headers=HR)
        ).status_code == 422


async def test_the_same_id_with_the_same_content_answers_as_the_first_time_other_content_is_a_409(
    client: httpx.AsyncClient,
) -> None:
    first = await _create(client, subscription_id="payroll")
    again = await _create(client, subscription_id="payroll")
    assert first.status_code == again.status_code == 201
    assert (again.json()["version"], again.json()["events"]) == (1, [])
    other = await _create(client, subscription_id="payroll", event_types=[REACHED])
    assert other.status_code == 409
    assert other.json()["current_version"] == 1
    secrets = (await client.get("/subscriptions/payroll/secrets", headers=HR)).json()
    assert len(secrets) == 1 and secrets[0]["secret"].startswith("whsec_")  # generated once


async def test_only_admins_of_the_organisation_manage_it_and_another_organisation_sees_nothing(
    client: httpx.AsyncClient,
) -> None:
    assert (await _create(client, subscription_id="payroll")).status_code == 201
    employee = bearer("emp_1", roles=())
    assert (await client.get("/subscriptions/payroll", headers=employee)).status_code == 403
    assert (await client.get("/subscriptions/payroll")).status_code == 401
    assert (await client.get("/subscriptions/payroll", headers=PLATFORM)).status_code == 200
    stranger = bearer("hr_9", org="org_2")
    for path in (
        "/subscriptions/payroll",
        "/subscriptions/payroll/secrets",
        "/subscriptions/payroll/deliveries",
    ):
        missing = await client.get(path, headers=stranger)
        assert missing.status_code == 404
        assert (await client.get(path.replace("payroll", "nothing"), headers=stranger)).json() == {
            "detail": "there is no subscription 'nothing'"
        }
    assert (await client.post("/subscriptions/payroll/disable", headers=stranger)).status_code == 404
    assert (await client.get("/subscriptions", headers=stranger)).json() == []


async def test_an_admin_disables_enables_reconfigures_and_removes_with_a_history(
    client: httpx.AsyncClient,
) -> None:
    assert (await _create(client, subscription_id="lms", secret=new_secret())).status_code == 201
    disabled = await client.post("/subscriptions/lms/disable", json={"reason": "receiver moving"}, headers=HR)
    assert disabled.json()["events"] == ["dev.trellis.integrations.SubscriptionDisabled.v1"]
    shown = (await client.get("/subscriptions/lms", headers=HR)).json()
    assert (shown["status"], shown["disabled_reason"], shown["disabled_detail"]) == (
        "disabled",
        "admin",
        "receiver moving",
    )
    assert (await client.post("/subscriptions/lms/enable", headers=HR)).json()["version"] == 3
    stale = await client.post(
        "/subscriptions/lms/configuration",
        json={"endpoint": URL, "event_types": [APPROVED, REACHED], "expected_version": 1},
        headers=HR,
    )
    assert stale.status_code == 409 and stale.json()["current_version"] == 3
    changed = await client.post(
        "/subscriptions/lms/configuration",
        json={"endpoint": URL, "event_types": [APPROVED, REACHED], "expected_version": 3},
        headers=HR,
    )
    assert changed.json()["events"] == ["dev.trellis.integrations.SubscriptionReconfigured.v1"]
    assert (await client.get("/subscriptions/lms", headers=HR)).json()["event_types"] == sorted(
        [APPROVED, REACHED]
    )
    removed = await client.post("/subscriptions/lms/remove", headers=HR)
    assert removed.json()["events"] == ["dev.trellis.integrations.SubscriptionRemoved.v1"]
    again = await client.post("/subscriptions/lms/enable", headers=HR)
    assert again.status_code == 422
    listed = (await client.get("/subscriptions?status=removed", headers=HR)).json()
    assert [s["subscription_id"] for s in listed] == ["lms"]


async def test_xapi_subscriptions_take_only_events_that_make_statements(client: httpx.AsyncClient) -> None:
    base = {
        "subscription_id": "lrs",
        "endpoint": "https://lrs.example.com/xAPI",
        "username": "trellis",
        "password": "s3cret",
        "home_page": "https://people.example.com",
    }
    refused = await client.post("/subscriptions/xapi", json={**base, "event_types": [APPROVED]}, headers=HR)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "event_types"
    created = await client.post("/subscriptions/xapi", json=base, headers=HR)
    assert created.status_code == 201
    shown = (await client.get("/subscriptions/lrs", headers=HR)).json()
    # The three goals events in both majors (version 2 protects their texts), and the assignment.
    assert shown["kind"] == "xapi" and len(shown["event_types"]) == 7 and shown["username"] == "trellis"
    assert (
        await client.get("/subscriptions/lrs/secrets", headers=HR)
    ).status_code == 422  # no signing secret
    no_password = await client.post("/subscriptions/lrs/secret-rotations", json={}, headers=HR)
    assert no_password.status_code == 422
    rotated = await client.post("/subscriptions/lrs/secret-rotations", json={"secret": "n3w"}, headers=HR)
    assert rotated.status_code == 200


async def test_backfills_are_for_platform_admins_and_must_match_the_subscription(
    client: httpx.AsyncClient,
) -> None:
    assert (await _create(client, subscription_id="payroll")).status_code == 201
    body = {"service": "recognition"}
    assert (await client.post("/subscriptions/payroll/backfills", json=body, headers=HR)).status_code == 403
    wrong = await client.post("/subscriptions/payroll/backfills", json={"service": "goals"}, headers=PLATFORM)
    assert wrong.status_code == 422
    created = await client.post("/subscriptions/payroll/backfills", json=body, headers=PLATFORM)
    assert created.status_code == 201, created.text
    job = created.json()
    assert job["state"] == "replaying" and job["event_types"] == [APPROVED]
    assert job["replay_request"]["organisation_id"] == "org_1"
    assert job["replay_request"]["backfill_id"] == job["backfill_id"]
