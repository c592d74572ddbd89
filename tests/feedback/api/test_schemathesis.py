"""schemathesis over every endpoint of the feedback API, served by uvicorn on a real database:
requests generated from the OpenAPI document, valid and invalid, must never meet a server error
and every answer must be one the document declares (status, headers, body schema)."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator

import asyncpg
import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import PostgresServer
from tests.feedback.api.conftest import HR, ORG, SECRET, bearer
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_feedback.app import create_app
from trellis_feedback.settings import FeedbackSettings

pytestmark = pytest.mark.infra

EXAMPLES_PER_OPERATION = int(os.environ.get("TRELLIS_SCHEMATHESIS_EXAMPLES", "25"))
"""Per operation and generation mode (valid, invalid); raise it for a deeper run."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served(postgres: PostgresServer) -> Iterator[tuple[str, str]]:
    """The feedback app under uvicorn in a thread of its own, on a fresh database where mgr_1
    (an HR admin) manages emp_1 and emp_2."""
    dsn = asyncio.run(postgres.create_database("schemathesis"))
    app = create_app(
        FeedbackSettings(
            database_url=dsn, jwt_secret=SECRET, sweep_seconds=0, key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS
        )
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, name="feedback-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the feedback app did not start"
        time.sleep(0.05)

    async def team() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.executemany(
                "INSERT INTO reporting_lines (organisation_id, employee_id, manager_id, version) VALUES ($1, $2, $3, 1)",
                [(ORG, "emp_1", "mgr_1"), (ORG, "emp_2", "mgr_1")],
            )
            await connection.execute(
                "INSERT INTO goals (organisation_id, goal_id, employee_id, manager_id, status, due_date, version)"
                " VALUES ($1, 'goal_s', 'emp_1', 'mgr_1', 'active', '2999-01-01', 1)",
                ORG,
            )
        finally:
            await connection.close()

    asyncio.run(team())
    try:
        yield f"http://127.0.0.1:{server.config.port}", dsn
    finally:
        server.should_exit = True
        thread.join(timeout=30)


KNOWN = {
    "employee_id": "emp_1",
    "manager_id": "mgr_1",
    "request_id": "req_s",
    "feedback_id": "fb_s",
    "conversation_id": "conv_s",
    "action_id": "act_s",
    "goal_id": "goal_s",
    "person_id": "emp_1",
}
"""Ids of things that exist, for a pass whose requests reach them (random ids mostly meet 404)."""


def seed(base_url: str) -> None:
    """A request with an answer, unasked feedback, a held conversation with an action, a cadence."""
    calls = [
        ("emp_1", "/feedback-requests", {"request_id": "req_s", "recipient_id": "emp_1", "due_on": "2999-01-01",
         "givers": [{"giver_id": "emp_2", "relationship": "peer"}, {"giver_id": "mgr_1", "relationship": "manager"}]}),
        ("emp_2", "/feedback-requests/req_s/answers", {"feedback_id": "fb_s", "content": "Clear.", "kind": "praise",
                                                       "visibility": "recipient_and_manager"}),
        ("emp_2", "/feedback", {"feedback_id": "fb_u", "recipient_id": "emp_1", "relationship": "peer",
                                "kind": "praise", "content": "Great demo."}),
        ("mgr_1", "/conversations", {"conversation_id": "conv_s", "employee_id": "emp_1",
                                     "scheduled_for": "2999-01-01T10:00:00Z"}),
        ("mgr_1", "/conversations/conv_s/held", {"progress_summary": "Good progress.", "agreed_actions": [
            {"action_id": "act_s", "owner_id": "emp_1", "due_on": "2999-02-01", "description": "Module 3."}]}),
        ("mgr_1", "/employees/emp_1/cadence", {"every_days": 14}),
    ]  # fmt: skip
    with httpx.Client(base_url=base_url) as client:
        for who, path, body in calls:
            answer = client.post(path, json=body, headers=bearer(who))
            assert answer.status_code in (200, 201), (path, answer.text)


def a_data_key_id(dsn: str) -> str:
    """The id of a data key the seeded feedback is sealed with."""

    async def first() -> str:
        connection = await asyncpg.connect(dsn)
        try:
            key_id: str = await connection.fetchval("SELECT key_id FROM privacy_data_keys LIMIT 1")
            return key_id
        finally:
            await connection.close()

    return asyncio.run(first())


def test_every_endpoint_answers_as_its_openapi_document_says(served: tuple[str, str]) -> None:
    url, dsn = served
    seed(url)
    known_ids = {**KNOWN, "key_id": a_data_key_id(dsn)}
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    headers = bearer("mgr_1", roles=HR)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 23
    tried: dict[str, int] = {}
    for operation in operations:
        known = {p.name: known_ids[p.name] for p in operation.path_parameters}
        strategies = [operation.as_strategy(generation_mode=mode) for mode in schemathesis.GenerationMode]
        if known:
            strategies.append(operation.as_strategy(path_parameters=known))
        for strategy in strategies:

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def call(case: schemathesis.Case) -> None:
                response = case.call(base_url=url, headers=headers)
                case.validate_response(response, checks=CHECKS)
                tried[case.operation.label] = tried.get(case.operation.label, 0) + 1

            call()
    assert set(tried) == {operation.label for operation in operations}
