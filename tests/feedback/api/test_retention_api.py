"""Retention of feedback text per organisation, on a fixed clock: HR sets "older than N years",
the daily job shreds the key years wholly past the horizon, the read models forget those texts
(as a rebuild shows them), and each run is recorded and shown to HR."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.feedback.api.conftest import HR, ORG, Clock, Goals, bearer
from trellis_contracts.feedback import FeedbackRetentionSet, FeedbackTextExpired
from trellis_feedback.application import FeedbackApplication
from trellis_feedback.streams import retention_stream
from trellis_kernel.projections import rebuild

pytestmark = pytest.mark.infra

OLD = "said-in-2026"
NEW = "said-in-2027"


async def post(client: httpx.AsyncClient, who: str, path: str, body: dict[str, Any], **kw: Any) -> None:
    answer = await client.post(path, json=body, headers=bearer(who, **kw))
    assert answer.status_code in (200, 201), (path, answer.text)


async def every_row(service: FeedbackApplication) -> str:
    tables = [
        row["table_name"]
        for row in await service.pool.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
    ]
    rows = [row[0] for table in tables for row in await service.pool.fetch(f"SELECT t::text FROM {table} t")]
    return "\n".join(rows)


async def test_text_older_than_the_rule_is_erased_a_year_at_a_time(
    client: httpx.AsyncClient,
    service: FeedbackApplication,
    goals: Goals,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await goals.manages("mgr_1", "emp_1", "emp_2")
    clock.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    await post(
        client,
        "emp_2",
        "/feedback",
        {
            "feedback_id": "fb_old",
            "recipient_id": "emp_1",
            "relationship": "peer",
            "kind": "praise",
            "content": f"{OLD} notes",
        },
    )
    await post(
        client,
        "emp_1",
        "/feedback-requests",
        {
            "request_id": "req_old",
            "recipient_id": "emp_1",
            "due_on": "2026-03-13",
            "prompts": [f"{OLD} prompt"],
            "givers": [{"giver_id": "emp_2", "relationship": "peer"}],
        },
    )
    await post(
        client,
        "mgr_1",
        "/conversations",
        {
            "conversation_id": "conv_old",
            "employee_id": "emp_1",
            "kind": "check_in",
            "scheduled_for": "2026-03-04T14:00:00Z",
            "agenda": f"{OLD} agenda",
        },
    )
    await post(
        client,
        "mgr_1",
        "/conversations/conv_old/held",
        {
            "progress_summary": f"{OLD} progress",
            "agreed_actions": [
                {
                    "action_id": "act_1",
                    "owner_id": "emp_1",
                    "due_on": "2026-03-20",
                    "description": f"{OLD} action",
                }
            ],
        },
    )
    clock.now = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    await post(
        client,
        "emp_2",
        "/feedback",
        {
            "feedback_id": "fb_new",
            "recipient_id": "emp_1",
            "relationship": "peer",
            "kind": "praise",
            "content": f"{NEW} notes",
        },
    )
    await post(client, "hr_1", "/settings/retention", {"years": 1}, roles=HR)  # fmt: skip
    assert (await client.get("/settings/retention", headers=bearer("emp_1"))).status_code == 403

    # 2027-12-31: the horizon is 2026-12-31, so 2026 is not yet wholly older: nothing goes.
    clock.now = datetime(2027, 12, 31, 12, 0, tzinfo=UTC)
    [kept] = await service.apply_retention()
    assert (kept.scopes, kept.keys_shredded, kept.texts_forgotten) == ((), 0, 0)
    assert OLD in await every_row(service)

    # 2028-01-02: 2026 ended before the horizon; its keys and texts go, 2027's stay.
    clock.now = datetime(2028, 1, 2, 6, 0, tzinfo=UTC)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="trellis_feedback.application.privacy"):
        [run] = await service.apply_retention()
    [line] = [r.getMessage() for r in caplog.records if r.name == "trellis_feedback.application.privacy"]
    assert line == (
        "retention of org_1 (1 years): text before 2027-01-01 erased, years 2026, 1 keys shredded, 5 texts forgotten"
    )
    assert run.organisation_id == ORG and run.scopes == ("2026",)
    assert run.erased_before == datetime(2027, 1, 1, tzinfo=UTC)
    assert run.keys_shredded == 1  # emp_1's key of 2026: every text above is about them
    assert run.texts_forgotten == 5  # feedback, prompts, agenda, progress summary, action
    assert await service.apply_retention() == []  # once a day
    told = [e.event_type for e in await service.store.read_stream(retention_stream(ORG))]
    assert told == [
        FeedbackRetentionSet.event_type(),
        FeedbackTextExpired.event_type(),
    ]  # not for the run that shredded nothing

    stored = await every_row(service)
    assert OLD not in stored
    assert NEW in stored
    timeline = (await client.get("/employees/emp_1/feedback", headers=bearer("emp_1"))).json()["feedback"]
    assert sorted(entry["content"] for entry in timeline) == ["[erased]", f"{NEW} notes"]
    conversation = (await client.get("/conversations/conv_old", headers=bearer("emp_1"))).text
    assert OLD not in conversation and "[erased]" in conversation
    shown = (await client.get("/settings/retention", headers=bearer("hr_1", roles=HR))).json()
    assert shown["years"] == 1
    [recorded] = shown["runs"][:1]
    assert (recorded["scopes"], recorded["keys_shredded"], recorded["texts_forgotten"]) == (["2026"], 1, 5)
    assert len(shown["runs"]) == 2

    # A rebuild from the store, the 2026 keys gone, gives the same rows.
    async def snapshot() -> dict[str, list[str]]:
        return {
            table: sorted(row[0] for row in await service.pool.fetch(f"SELECT t::text FROM {table} t"))
            for projection in service.projections
            for table in projection.tables
        }

    before = await snapshot()
    for projection in service.projections:
        await rebuild(service.store, projection, inline=True)
    assert await snapshot() == before
