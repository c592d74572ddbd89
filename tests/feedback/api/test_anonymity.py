"""Anonymity that holds: nothing the feedback service answers, publishes, stores in a read model
or logs tells who answered an anonymous request, to anyone (HR admins included, and the manager
the feedback is about, who is also an HR admin), and below k the manager learns only that
answers are pending.

The service runs with its relay to a real Kafka topic; the published records are read back
with the CloudEvents SDK; every table of the service's database (read models, the event store,
the private tables) is searched column by column; log records are captured at DEBUG.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from fastapi import FastAPI

from tests.feedback.api.conftest import HR, SECRET, Clock, Goals, bearer
from tests.kernel.relay.support import read_topic
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_feedback import private_tables
from trellis_feedback.app import ResponderAddressFilter, create_app
from trellis_feedback.application import FeedbackApplication
from trellis_feedback.projections import GOALS_FACTS, feedback_projections
from trellis_feedback.settings import FeedbackSettings

pytestmark = pytest.mark.infra

GIVERS = ("emp_ann", "emp_bea", "emp_cid", "emp_dov")
"""mgr_hr's direct reports, asked for upward feedback about mgr_hr."""
MANAGER = "mgr_hr"  # the recipient, who manages them all and is an HR admin
AS_MANAGER = bearer(MANAGER, roles=HR)
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
FACTS_TABLES = {table for projection in GOALS_FACTS for table in projection.tables}
"""Who reports to whom, as the goals service published it: facts, not feedback."""


@pytest.fixture
async def published_app(
    database_dsn: str, kafka_bootstrap: str, new_topic: Callable[..., Awaitable[str]], clock: Clock
) -> AsyncIterator[tuple[FastAPI, str]]:
    topic = await new_topic()
    settings = FeedbackSettings(
        database_url=database_dsn,
        jwt_secret=SECRET,
        kafka_bootstrap_servers=kafka_bootstrap,
        events_topic=topic,
        goals_topic=await new_topic(),
        goals_consumer_group=f"feedback-anonymity-{topic}",
        sweep_seconds=0,
        key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS,
    )
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        yield app, topic


def upward(request_id: str) -> dict[str, object]:
    return {
        "request_id": request_id,
        "recipient_id": MANAGER,
        "kind": "upward",
        "anonymous": True,
        "givers": [{"giver_id": g, "relationship": "direct_report"} for g in GIVERS],
        "due_on": "2026-03-13",
        "prompts": ["What could I do to support you better?"],
    }


def answer(text: str, visibility: str = "recipient_only") -> dict[str, object]:
    return {"content": text, "visibility": visibility}


def naming_a_giver(text: str) -> list[str]:
    return [giver for giver in GIVERS if giver in text]


async def test_nothing_tells_who_answered_an_anonymous_request(
    published_app: tuple[FastAPI, str],
    kafka_bootstrap: str,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, topic = published_app
    service: FeedbackApplication = app.state.feedback
    goals = Goals(service)
    await goals.manages(MANAGER, *GIVERS)
    await goals.manages("dir_1", MANAGER)
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []  # every answer the service gave to someone other than the giver themselves

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://feedback"
    ) as client:

        async def look(path: str, headers: dict[str, str]) -> httpx.Response:
            response = await client.get(path, headers=headers)
            seen.append(f"GET {path} -> {response.status_code} {response.text}")
            return response

        async def everyone_looks() -> None:
            for who in (AS_MANAGER, bearer(MANAGER), bearer("dir_1"), bearer("hr_1", roles=HR)):
                for request_id in ("req_few", "req_enough"):
                    await look(f"/feedback-requests/{request_id}", who)
                    await look(f"/feedback-requests/{request_id}/results", who)
                await look(f"/employees/{MANAGER}/feedback", who)
                await look("/me/given-feedback", who)
                await look("/me/pending-requests", who)

        for request_id in ("req_few", "req_enough"):
            asked = await client.post("/feedback-requests", json=upward(request_id), headers=AS_MANAGER)
            assert asked.status_code == 201, asked.text
            seen.append(asked.text)

        # Below k: two answers and a decline.
        with_trace = {"traceparent": TRACEPARENT}
        for giver, text in (("emp_ann", "Ask before you advise."), ("emp_bea", "More one-to-ones, please.")):
            answered = await client.post(
                "/feedback-requests/req_few/answers", json=answer(text), headers=bearer(giver) | with_trace
            )
            assert answered.status_code == 201, answered.text
        declined = await client.post(
            "/feedback-requests/req_few/declines", json={}, headers=bearer("emp_cid")
        )
        assert declined.status_code == 200
        with_reason = await client.post(
            "/feedback-requests/req_few/declines",
            json={"reason": "I am emp_dov and too busy"},
            headers=bearer("emp_dov"),
        )
        assert with_reason.status_code == 422
        twice = await client.post(
            "/feedback-requests/req_few/answers", json=answer("Again."), headers=bearer("emp_ann")
        )
        assert twice.status_code == 422
        not_asked = await client.post(
            "/feedback-requests/req_few/answers", json=answer("Me too."), headers=bearer("emp_eve")
        )
        assert not_asked.status_code == 403
        seen += [with_reason.text, twice.text, not_asked.text]

        view = (await look("/feedback-requests/req_few", AS_MANAGER)).json()
        assert (view["status"], view["results"], view["answered_count"], view["declined_count"]) == (
            "open",
            "pending",
            None,
            None,
        )
        results = (await look("/feedback-requests/req_few/results", AS_MANAGER)).json()
        assert (results["status"], results["answers"]) == ("pending", [])
        assert (await look(f"/employees/{MANAGER}/feedback", AS_MANAGER)).json()["feedback"] == []
        for giver in GIVERS:  # a giver sees their own pending requests and answers, nobody else's
            pending = (await client.get("/me/pending-requests", headers=bearer(giver))).json()["requests"]
            mine = (await client.get("/me/given-feedback", headers=bearer(giver))).json()["anonymous"]
            assert [r["request_id"] for r in pending] == (
                ["req_enough"] if giver in ("emp_ann", "emp_bea", "emp_cid") else ["req_enough", "req_few"]
            )
            assert len(mine) == (1 if giver in ("emp_ann", "emp_bea") else 0)
        await everyone_looks()

        # Three answers and a decline: everyone responded, and the answers are released at once.
        for giver, text, visibility in (
            ("emp_ann", "You make time when it is urgent.", "recipient_and_manager"),
            ("emp_bea", "Our one-to-ones get cancelled too often.", "recipient_only"),
            ("emp_dov", "Ask before you advise; it works when you do.", "recipient_only"),
        ):
            answered = await client.post(
                "/feedback-requests/req_enough/answers", json=answer(text, visibility), headers=bearer(giver)
            )
            assert answered.status_code == 201, answered.text
        last = await client.post("/feedback-requests/req_enough/declines", json={}, headers=bearer("emp_cid"))
        assert last.json()["events"][-1] == "dev.trellis.feedback.FeedbackRequestClosed.v2"

        clock.advance(12)  # req_few expires below k: withheld for good
        assert await service.sweep_requests() == (0, 1)
        few = (await look("/feedback-requests/req_few/results", AS_MANAGER)).json()
        assert (few["status"], few["answers"]) == ("withheld", [])
        enough = (await look("/feedback-requests/req_enough/results", AS_MANAGER)).json()
        assert enough["status"] == "released"
        assert [a["content"] for a in enough["answers"]] == [
            "Ask before you advise; it works when you do.",
            "Our one-to-ones get cancelled too often.",
            "You make time when it is urgent.",
        ]
        assert {a["giver_id"] for a in enough["answers"]} == {None}
        shared = (await look(f"/employees/{MANAGER}/feedback", bearer("dir_1"))).json()["feedback"]
        assert [f["content"] for f in shared] == ["You make time when it is urgent."]
        await everyone_looks()

    # 1. No answer given to anyone but the giver names a giver.
    assert [line for line in seen if naming_a_giver(line)] == []

    # 2. Nothing published names a giver (read as an integrator would, with the CloudEvents SDK),
    #    and no anonymous response carries the giver's trace.
    records = await read_topic(kafka_bootstrap, topic, 11, settle=0.5)
    events = [
        ce_kafka.from_binary(
            ce_kafka.KafkaMessage(headers=dict(r.headers), key=r.key, value=r.value), JSONFormat()
        )
        for r in records
    ]
    published = [JSONFormat().write(event).decode() for event in events]
    assert len(published) == 11
    assert [text for text in published if naming_a_giver(text)] == []
    assert [text for text in published if TRACEPARENT[3:35] in text] == []
    # The released answers travel sealed with the recipient's key: no text in the clear.
    assert [text for text in published if "one-to-ones get cancelled" in text] == []

    # 3. No table of the service's database names a giver: read models, event store (with its
    #    metadata), private tables, receipts. Only the facts from the goals topic name them.
    tables = [
        row["table_name"]
        for row in await service.pool.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
    ]
    searched = set(tables) - FACTS_TABLES
    read_models = {table for projection in feedback_projections(service.codec) for table in projection.tables}
    assert searched >= read_models | set(private_tables.PRIVATE_TABLES) | {"events", "command_receipts"}
    for table in sorted(searched):
        for row in await service.pool.fetch(f"SELECT t::text AS row FROM {table} t"):
            assert naming_a_giver(row["row"]) == [], f"{table}: {row['row']}"
    sealed = await service.pool.fetchval("SELECT count(*) FROM sealed_answers")
    assert sealed == 5  # kept by pseudonym only, until erased
    kept = await service.pool.fetch("SELECT content, recipient_id FROM sealed_answers")
    assert {row["recipient_id"] for row in kept} == {MANAGER}
    assert not any("one-to-ones" in row["content"] for row in kept), "sealed with the recipient's key"

    # 4. No log line names a giver.
    lines = [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    assert lines, "the service logged nothing at all: the capture did not work"
    assert [line for line in lines if naming_a_giver(line)] == []


def test_the_access_log_keeps_no_address_for_answers_and_declines() -> None:
    def access(path: str) -> logging.LogRecord:
        return logging.LogRecord(
            "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
            ("10.1.2.3:5555", "POST", path, "1.1", 201), None,
        )  # fmt: skip

    for path in ("/feedback-requests/req_1/answers", "/feedback-requests/req_1/declines"):
        record = access(path)
        assert ResponderAddressFilter().filter(record)
        assert record.getMessage() == f'- - "POST {path} HTTP/1.1" 201'
    kept = access("/feedback-requests")
    ResponderAddressFilter().filter(kept)
    assert kept.getMessage().startswith("10.1.2.3:5555")
