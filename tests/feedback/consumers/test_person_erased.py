"""PersonErased on the goals topic erases the person from the feedback service: their data keys,
the anonymous answers about them and every text the read models derived, in the transaction that
claims the event; others' feedback stays, the read models rebuild to the same rows, and the same
event delivered again changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from tests.feedback.api.conftest import SECRET, Clock, Goals, bearer
from tests.kernel.relay.support import eventually
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_contracts import goals as g
from trellis_contracts.envelope import Envelope, encode_binary
from trellis_feedback.app import create_app
from trellis_feedback.application import FeedbackApplication
from trellis_feedback.settings import FeedbackSettings
from trellis_kernel.projections import rebuild
from trellis_kernel.store import Pool

pytestmark = pytest.mark.infra

ORG = "org_1"
ERASED_PERSON = "emp_1"
THEIRS = "about-one"
"""Every text about the person erased carries this mark; texts about others carry OTHERS'."""
OTHERS = "about-two"
ERASURE = g.PersonErased(
    employee_id=ERASED_PERSON,
    organisation_id=ORG,
    erasure_id="era_1",
    erased_by="hr_1",
    occurred_at=datetime(2026, 3, 5, 9, 0, tzinfo=UTC),
)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def app_on_kafka(
    database_dsn: str, kafka_bootstrap: str, new_topic: Callable[..., Awaitable[str]], clock: Clock
) -> AsyncIterator[tuple[FastAPI, str]]:
    goals_topic = await new_topic()
    settings = FeedbackSettings(
        database_url=database_dsn,
        jwt_secret=SECRET,
        kafka_bootstrap_servers=kafka_bootstrap,
        events_topic=await new_topic(),
        goals_topic=goals_topic,
        goals_consumer_group=f"feedback-erasure-{goals_topic}",
        sweep_seconds=0,
        key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS,
    )
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        yield app, goals_topic


async def publish_erasure(bootstrap: str, topic: str, event_id: uuid.UUID) -> None:
    """PersonErased as the goals service's relay publishes it (CloudEvents, binary mode)."""
    envelope = Envelope.for_event(
        ERASURE.event_type(),
        id=str(event_id),
        subject=f"{ORG}/{ERASED_PERSON}",
        time=ERASURE.occurred_at,
        sequence=1,
    )
    record = encode_binary(envelope, ERASURE)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            topic, value=record.value, key=f"person-{ORG}/{ERASED_PERSON}".encode(), headers=record.headers
        )
    finally:
        await producer.stop()


async def every_row(pool: Pool) -> dict[str, list[str]]:
    """Every row of every table of the service's database, as text, with the transaction that
    last wrote it (a delivery that rewrote the same values would show)."""
    tables = [
        row["table_name"]
        for row in await pool.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
    ]
    return {
        table: sorted(
            row[0] for row in await pool.fetch(f"SELECT xmin::text || ' ' || t::text FROM {table} t")
        )
        for table in tables
    }


async def seed(client: httpx.AsyncClient) -> None:
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("emp_2", "/feedback", {"feedback_id": "fb_1", "recipient_id": "emp_1", "relationship": "peer",
                                "kind": "praise", "content": f"{THEIRS}: clear demo notes.",
                                "visibility": "recipient_and_manager"}),
        ("emp_1", "/feedback", {"feedback_id": "fb_2", "recipient_id": "emp_2", "relationship": "peer",
                                "kind": "praise", "content": f"{OTHERS}: steady reviews."}),
        ("emp_1", "/feedback-requests", {"request_id": "req_anon", "recipient_id": "emp_1", "anonymous": True,
                                         "givers": [{"giver_id": p, "relationship": "peer"}
                                                    for p in ("emp_2", "emp_3", "emp_4")],
                                         "due_on": "2026-03-13", "prompts": [f"{THEIRS}: how do I present?"]}),
        ("emp_2", "/feedback-requests/req_anon/answers", {"content": f"{THEIRS}: slow down.", "kind": "constructive"}),
        ("emp_3", "/feedback-requests/req_anon/answers", {"content": f"{THEIRS}: fewer slides.", "kind": "constructive"}),
        ("emp_2", "/feedback-requests", {"request_id": "req_two", "recipient_id": "emp_2", "due_on": "2026-03-13",
                                         "givers": [{"giver_id": "emp_1", "relationship": "peer"}],
                                         "prompts": [f"{OTHERS}: my planning?"]}),
        ("emp_1", "/feedback-requests/req_two/answers", {"feedback_id": "fb_3",
                                                         "content": f"{OTHERS}: plans early.", "kind": "praise"}),
        ("mgr_1", "/conversations", {"conversation_id": "conv_1", "employee_id": "emp_1", "kind": "check_in",
                                     "scheduled_for": "2026-03-04T14:00:00Z", "agenda": f"{THEIRS}: agenda"}),
        ("mgr_1", "/conversations/conv_1/held", {"progress_summary": f"{THEIRS}: two modules",
                                                 "notes": f"{THEIRS}: notes", "agreed_actions": [
                                                     {"action_id": "act_1", "owner_id": "emp_1",
                                                      "due_on": "2026-03-20", "description": f"{THEIRS}: module"}]}),
        ("mgr_1", "/conversations", {"conversation_id": "conv_2", "employee_id": "emp_2", "kind": "check_in",
                                     "scheduled_for": "2026-03-04T15:00:00Z", "agenda": f"{OTHERS}: agenda"}),
        ("mgr_1", "/conversations/conv_2/held", {"progress_summary": f"{OTHERS}: on track", "agreed_actions": [
            {"action_id": "act_2", "owner_id": "emp_2", "due_on": "2026-03-20", "description": f"{OTHERS}: do"}]}),
    ]  # fmt: skip
    for who, path, body in calls:
        answer = await client.post(path, json=body, headers=bearer(who))
        assert answer.status_code in (200, 201), (path, answer.text)


async def every_answer(client: httpx.AsyncClient) -> str:
    """What the API shows everyone concerned, as one text."""
    shown = []
    for who in ("emp_1", "emp_2", "emp_3", "mgr_1"):
        for path in (
            "/employees/emp_1/feedback",
            "/employees/emp_2/feedback",
            "/me/given-feedback",
            "/me/pending-requests",
            "/feedback-requests/req_anon",
            "/feedback-requests/req_anon/results",
            "/feedback-requests/req_two",
            "/feedback-requests/req_two/results",
            "/conversations/conv_1",
            "/conversations/conv_2",
        ):
            response = await client.get(path, headers=bearer(who))
            shown.append(f"{who} GET {path} -> {response.status_code} {response.text}")
    return "\n".join(shown)


async def test_person_erased_leaves_none_of_their_text_and_others_intact(
    app_on_kafka: tuple[FastAPI, str], kafka_bootstrap: str, clock: Clock
) -> None:
    app, goals_topic = app_on_kafka
    service: FeedbackApplication = app.state.feedback
    goals = Goals(service)
    await goals.manages("mgr_1", "emp_1", "emp_2", "emp_3", "emp_4")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://feedback"
    ) as client:
        await seed(client)
        before = await every_answer(client)
        assert THEIRS in before and OTHERS in before
        assert any(THEIRS in row for row in (await every_row(service.pool))["feedback_timeline"])

        event_id = uuid.uuid4()
        await publish_erasure(kafka_bootstrap, goals_topic, event_id)
        consumer = app.state.goals_consumer
        await eventually(lambda: consumer.stats.applied == 1, what="PersonErased applied")

        rows = await every_row(service.pool)
        found = {table: [row for row in table_rows if THEIRS in row] for table, table_rows in rows.items()}
        assert {table: hits for table, hits in found.items() if hits} == {}
        assert (
            await service.pool.fetchval(
                "SELECT count(*) FROM privacy_data_keys WHERE person_id = $1", "emp_1"
            )
            == 0
        )
        assert await service.pool.fetchval("SELECT count(*) FROM sealed_answers") == 0
        assert await service.pool.fetchval("SELECT count(*) FROM anonymous_request_keys") == 0
        erasure = await service.keys.erasure(ORG, ERASED_PERSON)
        assert erasure is not None and erasure.erased_by == "hr_1" and str(event_id) in erasure.reason
        after = await every_answer(client)
        assert THEIRS not in after
        assert after.count(OTHERS) == before.count(OTHERS), "others' feedback and conversations are intact"
        assert "[erased]" in after
        assert (
            await service.pool.fetchval("SELECT count(*) FROM feedback_timeline WHERE recipient_id = 'emp_1'")
            == 1
        )

        # A rebuild from the store (the person's keys shredded) gives the same rows.
        def read_models() -> list[str]:
            return [table for projection in service.projections for table in projection.tables]

        async def snapshot() -> dict[str, list[str]]:
            return {
                table: sorted(row[0] for row in await service.pool.fetch(f"SELECT t::text FROM {table} t"))
                for table in read_models()
            }

        forgotten = await snapshot()
        for projection in service.projections:
            await rebuild(service.store, projection, inline=True)
        assert await snapshot() == forgotten

        # The same event again: claimed already, nothing changes.
        settled = await every_row(service.pool)
        await publish_erasure(kafka_bootstrap, goals_topic, event_id)
        await eventually(lambda: consumer.stats.duplicates == 1, what="the second delivery seen")
        assert await every_row(service.pool) == settled

        # Requests about the erased person can no longer be answered, and close with nothing released.
        late = await client.post(
            "/feedback-requests/req_anon/answers",
            json={"content": "late", "kind": "praise"},
            headers=bearer("emp_4"),
        )
        assert late.status_code == 403
        clock.advance(12)
        assert (await service.sweep_requests())[1] == 1  # req_two closed when its one giver answered
        results = (await client.get("/feedback-requests/req_anon/results", headers=bearer("emp_1"))).json()
        assert (results["status"], results["answers"]) == ("withheld", [])
        assert THEIRS not in str(await every_row(service.pool))
