"""Platform admins ask the goals service to replay its history; nobody else may."""

from __future__ import annotations

import uuid

import httpx

from tests.goals.api.conftest import bearer

ADMIN = bearer("ops_1", roles=("platform_admin",))


async def test_a_platform_admin_requests_a_backfill_and_sees_its_progress(client: httpx.AsyncClient) -> None:
    backfill_id = str(uuid.uuid4())
    body = {
        "backfill_id": backfill_id,
        "topic": "payroll.goals.history",
        "since": "2026-01-01T00:00:00Z",
        "event_types": ["dev.trellis.goals.MilestoneReached.v2"],
        "organisation_id": "org_1",
        "rate_per_second": 500,
    }
    created = await client.post("/admin/backfills", json=body, headers=ADMIN)
    assert created.status_code == 201, created.text
    assert created.json()["state"] == "requested"
    assert created.json()["requested_by"] == "ops_1"

    again = await client.post("/admin/backfills", json=body, headers=ADMIN)
    assert again.status_code == 201  # the same request, answered as the first time
    other = await client.post("/admin/backfills", json={**body, "topic": "elsewhere"}, headers=ADMIN)
    assert other.status_code == 409

    shown = await client.get(f"/admin/backfills/{backfill_id}", headers=ADMIN)
    assert shown.json()["event_types"] == ["dev.trellis.goals.MilestoneReached.v2"]
    listed = await client.get("/admin/backfills", headers=ADMIN)
    assert [b["backfill_id"] for b in listed.json()] == [backfill_id]
    cancelled = await client.post(f"/admin/backfills/{backfill_id}/cancel", headers=ADMIN)
    assert cancelled.json()["state"] == "cancelled"


async def test_only_platform_admins_may_replay_and_bad_requests_say_why(client: httpx.AsyncClient) -> None:
    hr = bearer("hr_1", roles=("hr_admin",))
    refused = await client.post("/admin/backfills", json={"topic": "t"}, headers=hr)
    assert refused.status_code == 403
    assert (await client.post("/admin/backfills", json={"topic": "t"})).status_code == 401

    unknown = await client.post(
        "/admin/backfills",
        json={"topic": "t", "event_types": ["dev.trellis.goals.Nothing.v1"]},
        headers=ADMIN,
    )
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["field"] == "event_types"
    bad_topic = await client.post("/admin/backfills", json={"topic": "no spaces"}, headers=ADMIN)
    assert bad_topic.status_code == 422
    assert bad_topic.json()["detail"][0]["field"] == "topic"
    missing = await client.get(f"/admin/backfills/{uuid.uuid4()}", headers=ADMIN)
    assert missing.status_code == 404
