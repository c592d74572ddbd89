"""Generated requests against a service's own OpenAPI document (schemathesis), so that the
document tells the truth: every answer's status and body are the documented ones, and nothing
answers 5xx.

A service's test serves its app on a free port, seeds a few things so that requests with valid
tokens and known ids get past 401 and 404, and fuzzes every operation of its document::

    async with served(app) as base_url:
        await seed(base_url)
        report = await asyncio.to_thread(
            fuzz, app.openapi(), base_url,
            headers_for=lambda op: {"Authorization": f"Bearer {token_for(op)}"},
            path_parameters={"goal_id": "goal_1", "employee_id": "emp_1"},
        )
    assert report.problems == []

Each operation gets ``positive`` generated requests (valid by the document) and ``negative``
ones (invalid: they must be refused with a documented 4xx). Runs are derandomised, so a run is
the same every time and its length is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
import uvicorn
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass
class FuzzReport:
    requests: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [*self.server_errors, *self.violations]

    def summary(self) -> str:
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(self.by_status.items()))
        return (
            f"{self.requests} generated requests ({statuses}); {len(self.server_errors)} server errors, "
            f"{len(self.violations)} response schema violations"
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """``app`` served over real HTTP on a free local port, in this event loop (its lifespan
    included); yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def fuzz(
    spec: Mapping[str, Any],
    base_url: str,
    *,
    headers_for: Callable[[APIOperation], dict[str, str]],
    path_parameters: Mapping[str, Any],
    positive: int = 50,
    negative: int = 25,
) -> FuzzReport:
    """Generate requests for every operation of ``spec`` and check every answer (blocking: run
    it in a thread while the app is served from the event loop)."""
    schema = schemathesis.openapi.from_dict(dict(spec))
    report = FuzzReport()
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        known = {
            p.name: path_parameters[p.name] for p in operation.path_parameters if p.name in path_parameters
        }
        headers = headers_for(operation)
        for mode, examples in ((GenerationMode.POSITIVE, positive), (GenerationMode.NEGATIVE, negative)):
            if examples <= 0:
                continue
            strategy = operation.as_strategy(mode, path_parameters=known, headers=headers)

            @settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def run(case: Case) -> None:
                response = case.call(base_url=base_url, session=session)
                report.requests += 1
                report.by_status[response.status_code] += 1
                try:
                    case.validate_response(response, checks=CHECKS)
                except (Failure, FailureGroup) as failure:
                    where = f"{case.operation.label} -> {response.status_code}: {str(failure)[:400]}"
                    if response.status_code >= 500:
                        report.server_errors.append(where)
                    else:
                        report.violations.append(where)

            with contextlib.suppress(Unsatisfiable):  # no such request exists (nothing to make invalid)
                run()
    return report


def one_request_per_operation(spec: Mapping[str, Any]) -> list[Case]:
    """One valid request per operation of ``spec`` (the same ones every run), e.g. to send each
    with other path parameters."""
    schema = schemathesis.openapi.from_dict(dict(spec))
    cases: list[Case] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=1, deadline=None, derandomize=True, database=None, phases=[Phase.generate])
        @given(case=operation.as_strategy(GenerationMode.POSITIVE))
        def take(case: Case) -> None:
            cases.append(case)

        take()
    return cases
