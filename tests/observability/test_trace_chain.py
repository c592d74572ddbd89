"""One trace follows a command from the goals API to the recognition service's own append: the
HTTP request, the command and its append in the goals service, the goals relay publishing the
event to Kafka, the recognition consumer handling it (its context read from the record's
CloudEvents traceparent) and the reaction it appends, and the recognition relay publishing that.
The goals and recognition apps run with real PostgreSQL and Kafka; their spans are collected by
an in-memory exporter."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.conftest import PostgresServer
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_goals.app import create_app as goals_app
from trellis_goals.settings import GoalsSettings
from trellis_kernel.identity import mint_token
from trellis_kernel.observability.tracing import trace_queries
from trellis_recognition.app import create_app as recognition_app
from trellis_recognition.settings import RecognitionSettings

pytestmark = pytest.mark.infra

SECRET = "trace-test-secret-of-at-least-32-bytes!"
ORG, EMP, MGR = "org_traced", "emp_1", "mgr_1"
REACHED = "dev.trellis.goals.MilestoneReached.v2"
POLICY = """\
format: trellis.reward-policy.v1
policy_id: leadership
title: Leadership milestones
effective_on: {today}
rules:
  - id: leadership-milestone
    when: {{event: goals.MilestoneReached, career_track: [leadership]}}
    then:
      - recognition: {{visibility: public, kind: milestone_celebration}}
"""


def token(subject: str, *, hr: bool = False) -> dict[str, str]:
    roles = ("hr_admin",) if hr else ()
    return {"Authorization": f"Bearer {mint_token(SECRET, subject, roles=roles, organisation_id=ORG)}"}


@pytest.fixture
def spans(tracer_provider: TracerProvider) -> Iterator[InMemorySpanExporter]:
    """Every span ended in this process during the test, queries included (as a service that
    exports its spans traces them)."""
    exporter = InMemorySpanExporter()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumented = AsyncPGInstrumentor().is_instrumented_by_opentelemetry
    trace_queries()
    yield exporter
    exporter.shutdown()  # the processor stays on the provider; a stopped exporter keeps nothing
    if not instrumented:
        AsyncPGInstrumentor().uninstrument()


@pytest.fixture
async def services(
    postgres: PostgresServer, kafka_bootstrap: str, new_topic: Callable[..., Awaitable[str]]
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    goals_topic, feedback_topic, recognition_topic = (
        await new_topic(3),
        await new_topic(3),
        await new_topic(3),
    )
    goals = goals_app(
        GoalsSettings(
            key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS,
            database_url=await postgres.create_database("traced_goals"),
            jwt_secret=SECRET,
            kafka_bootstrap_servers=kafka_bootstrap,
            events_topic=goals_topic,
            overdue_sweep_seconds=0,
        )
    )
    recognition = recognition_app(
        RecognitionSettings(
            database_url=await postgres.create_database("traced_recognition"),
            jwt_secret=SECRET,
            key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS,
            kafka_bootstrap_servers=kafka_bootstrap,
            events_topic=recognition_topic,
            goals_topic=goals_topic,
            feedback_topic=feedback_topic,
            consumer_group=f"recognition-traced-{uuid.uuid4().hex[:8]}",
            consumer_workers=1,
        )
    )
    async with AsyncExitStack() as stack:
        clients = []
        for app, name in ((goals, "goals"), (recognition, "recognition")):
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            clients.append(
                await stack.enter_async_context(
                    httpx.AsyncClient(transport=transport, base_url=f"http://{name}", timeout=30)
                )
            )
        yield clients[0], clients[1]


def by_id(spans: tuple[ReadableSpan, ...]) -> dict[int, ReadableSpan]:
    return {span.context.span_id: span for span in spans if span.context is not None}


def ancestors(span: ReadableSpan, known: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    """The span's parents up to the root, nearest first (all of them must have been recorded)."""
    chain: list[ReadableSpan] = []
    while span.parent is not None:
        parent = known.get(span.parent.span_id)
        assert parent is not None, f"the parent of {span.name!r} was not recorded"
        chain.append(parent)
        span = parent
    return chain


async def test_one_trace_follows_a_command_to_the_other_services_append(
    spans: InMemorySpanExporter, services: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    goals, recognition = services
    today = datetime.now(UTC).date()
    policy = await recognition.post(
        "/policies",
        content=POLICY.format(today=today.isoformat()).encode(),
        headers={**token("hr_1", hr=True), "content-type": "application/yaml"},
    )
    assert policy.status_code == 201, policy.text
    line = await goals.post(
        f"/employees/{EMP}/manager", json={"manager_id": MGR}, headers=token("hr_1", hr=True)
    )
    assert line.status_code == 200, line.text
    due = (today + timedelta(days=90)).isoformat()
    proposed = await goals.post(
        "/goals",
        json={
            "goal_id": "goal_lead",
            "employee_id": EMP,
            "title": "Lead the data guild",
            "description": "Run the guild's sessions for a quarter",
            "due_date": due,
            "career_track_id": "leadership",
            "milestones": [
                {"milestone_id": "ms_1", "title": "First session", "owner_id": EMP, "due_date": due}
            ],
        },
        headers=token(EMP),
    )
    assert proposed.status_code == 201, proposed.text
    agreed = await goals.post("/goals/goal_lead/agreement", json={}, headers=token(MGR))
    assert agreed.status_code == 200, agreed.text

    reached = await goals.post("/goals/goal_lead/milestones/ms_1/reached", json={}, headers=token(EMP))
    assert reached.status_code == 200, reached.text

    def request_span() -> ReadableSpan:
        found = [
            s
            for s in spans.get_finished_spans()
            if s.kind is SpanKind.SERVER and s.name.startswith("POST /goals/{goal_id}/milestones/")
        ]
        assert len(found) == 1, [s.name for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
        return found[0]

    trace_id = request_span().context.trace_id

    def in_trace() -> tuple[ReadableSpan, ...]:
        return tuple(s for s in spans.get_finished_spans() if s.context.trace_id == trace_id)

    def recognition_published() -> bool:
        return any(
            s.kind is SpanKind.PRODUCER
            and s.attributes
            and s.attributes.get("trellis.relay") == "recognition-outbox"
            for s in in_trace()
        )

    deadline = asyncio.get_running_loop().time() + 60
    while not recognition_published():
        assert asyncio.get_running_loop().time() < deadline, "the reaction was not published within 60s"
        await asyncio.sleep(0.1)

    traced = in_trace()
    known = by_id(traced)
    root = request_span()

    # The goals service: request -> command -> append; the relay publishes from the append.
    [command] = [s for s in traced if s.name == "ReachMilestone"]
    assert command.parent is not None and command.parent.span_id == root.context.span_id
    goals_appends = [
        s
        for s in traced
        if s.name == "append" and str((s.attributes or {}).get("trellis.stream_id")).startswith("goal-")
    ]
    assert [a.parent.span_id for a in goals_appends if a.parent] == [command.context.span_id]
    [goals_append] = goals_appends
    # (at least once: a relay or a consumer that failed part-way does it again, in the same trace)
    publishes = [
        s
        for s in traced
        if s.kind is SpanKind.PRODUCER
        and (s.attributes or {}).get("trellis.relay") == "goals-outbox"
        and (s.attributes or {}).get("cloudevents.event_type") == REACHED
    ]
    assert publishes
    assert {p.parent.span_id for p in publishes if p.parent} == {goals_append.context.span_id}

    # The recognition service: its consumer continues from the record's traceparent (the goals
    # append's), and its reaction's command and append are the consumer's children.
    consumes = [
        s
        for s in traced
        if s.kind is SpanKind.CONSUMER and (s.attributes or {}).get("cloudevents.event_type") == REACHED
    ]
    assert consumes
    assert {c.parent.span_id for c in consumes if c.parent} == {goals_append.context.span_id}
    assert all(c.parent is not None and c.parent.is_remote for c in consumes)
    reaction_appends = [
        s
        for s in traced
        if s.name == "append" and str((s.attributes or {}).get("trellis.stream_id")).startswith("recognition")
    ]
    assert reaction_appends, sorted(s.name for s in traced)
    for append in reaction_appends:
        assert any(c in ancestors(append, known) for c in consumes)
        assert root in ancestors(append, known)
    [recognition_publish, *_] = [
        s
        for s in traced
        if s.kind is SpanKind.PRODUCER and (s.attributes or {}).get("trellis.relay") == "recognition-outbox"
    ]
    assert recognition_publish.parent is not None
    assert recognition_publish.parent.span_id in {a.context.span_id for a in reaction_appends}
    # The database queries of the request are in the same trace (asyncpg instrumentation).
    assert any(s.kind is SpanKind.CLIENT and root in ancestors(s, known) for s in traced)
