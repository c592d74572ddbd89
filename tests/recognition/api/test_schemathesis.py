"""schemathesis over every recognition endpoint, against the service running as a process on a
fresh real PostgreSQL database: no answer is a server error, and every answer (status, content
type, headers, body) is one the OpenAPI document declares."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.conftest import PostgresServer
from tests.recognition.processes import ServiceProcess
from trellis_kernel.identity import mint_token

pytestmark = pytest.mark.infra

SECRET = "schemathesis-secret-of-at-least-32-bytes"
ORG = "org_1"
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
SEED_POLICY = """\
format: trellis.reward-policy.v1
policy_id: praise
title: Praise
effective_on: {today}
rules:
  - id: three-praises
    when: {{event: feedback.FeedbackGiven, count: {{at_least: 3, window: quarter}}}}
    then: [{{recognition: {{visibility: team}}}}]
peer_recognition:
  per_giver: {{at_most: 1000, window: month}}
"""


def bearer(subject: str, *, hr: bool = False) -> dict[str, str]:
    roles = ("hr_admin",) if hr else ()
    return {"Authorization": f"Bearer {mint_token(SECRET, subject, roles=roles, organisation_id=ORG)}"}


@pytest.fixture(scope="module")
async def recognition_server(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    service = ServiceProcess(
        "recognition",
        "trellis_recognition.app:create_app",
        {
            "RECOGNITION_DATABASE_URL": await postgres.create_database("schemathesis"),
            "KAFKA_BOOTSTRAP_SERVERS": "",  # the API alone: no relay, no consumer
            "TRELLIS_JWT_SECRET": SECRET,
        },
        Path(tmp_path_factory.mktemp("schemathesis")),
    )
    service.start()
    try:
        async with httpx.AsyncClient(base_url=service.url) as http:
            today = datetime.now(UTC).date().isoformat()
            seeded = await http.post(
                "/policies",
                content=SEED_POLICY.format(today=today).encode(),
                headers={**bearer("hr_1", hr=True), "content-type": "application/yaml"},
            )
            assert seeded.status_code == 201, seeded.text
        yield service.url
    finally:
        service.stop()


def fuzz(url: str, headers: dict[str, str], examples: int) -> dict[str, str]:
    """Every operation of the service's OpenAPI document, called with ``examples`` cases
    schemathesis generates (hypothesis drives it here directly: its pytest plugin does not run
    under this pytest); the first failure of each operation that fails, by operation."""
    failures: dict[str, str] = {}
    operations = [
        result.ok() for result in schemathesis.openapi.from_url(f"{url}/openapi.json").get_all_operations()
    ]
    assert len(operations) >= 13, [op.label for op in operations]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def call(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            call()
        except (Exception, BaseExceptionGroup) as error:  # schemathesis reports a group of failures
            failures[operation.label] = f"{type(error).__name__}: {error}"[:2000]
    return failures


def test_every_endpoint_answers_an_hr_admin_as_documented(recognition_server: str) -> None:
    assert fuzz(recognition_server, bearer("hr_1", hr=True), examples=30) == {}


def test_every_endpoint_answers_an_employee_as_documented(recognition_server: str) -> None:
    assert fuzz(recognition_server, bearer("emp_1"), examples=10) == {}
