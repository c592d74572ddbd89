"""The goals API answers what its OpenAPI document says, for generated requests to every
operation (schemathesis): no 5xx, every status and body as documented."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from schemathesis import APIOperation

from tests.goals.api.conftest import SECRET, Clock
from tests.goals.api.test_goals_api import goal_body
from tests.openapi_fuzz import fuzz, served
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_goals.app import create_app
from trellis_goals.settings import GoalsSettings
from trellis_kernel.identity import mint_token

pytestmark = pytest.mark.infra

ORG = "org_fuzz"
TOKENS = {
    who: mint_token(SECRET, who, roles=("hr_admin",) if who == "hr_1" else (), organisation_id=ORG)
    for who in ("emp_1", "mgr_1", "hr_1")
}
IDS = {
    "goal_id": "goal_1",
    "milestone_id": "ms_1",
    "activity_id": "act_1",
    "employee_id": "emp_1",
    "manager_id": "mgr_1",
    "track_id": "ic",
}
TRACK = {
    "track_id": "ic",
    "name": "Individual contributor",
    "milestone_templates": [
        {
            "template_id": "lead-review",
            "title": "Lead a design review",
            "description": "Run a cross-team design review.",
            "duration_days": 60,
            "steps": [{"title": "Shadow a review", "offset_days": 20}],
        }
    ],
}


def caller(operation: APIOperation) -> str:
    """Who may do what the operation does, so that generated requests reach the domain."""
    path, method = operation.path, operation.method.upper()
    if path.startswith("/organisation") or (
        method == "POST"
        and path
        in ("/career-tracks", "/career-tracks/{track_id}/revisions", "/employees/{employee_id}/manager")
    ):
        return "hr_1"
    if method == "POST" and path in (
        "/employees/{employee_id}/vision",
        "/employees/{employee_id}/career-track",
    ):
        return "emp_1"
    return "mgr_1"


async def seed(base_url: str) -> None:
    def auth(who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKENS[who]}"}

    async with httpx.AsyncClient(base_url=base_url) as http:
        calls: list[tuple[str, str, dict[str, Any]]] = [
            ("hr_1", "/employees/emp_1/manager", {"manager_id": "mgr_1"}),
            ("hr_1", "/career-tracks", TRACK),
            ("emp_1", "/employees/emp_1/vision", {"long_term_aspirations": "Lead the design team"}),
            ("emp_1", "/goals", goal_body()),
            ("mgr_1", "/goals/goal_1/agreement", {}),
            (
                "emp_1",
                "/goals/goal_1/activities",
                {"activity_id": "act_1", "kind": "training", "title": "Course", "due_date": "2026-02-20"},
            ),
            ("mgr_1", "/goals/goal_1/check-ins", {"check_in_id": "ci_1", "progress_summary": "Started"}),
        ]
        for who, path, body in calls:
            response = await http.post(path, json=body, headers=auth(who))
            assert response.status_code < 300, (path, response.text)


async def test_every_operation_answers_as_documented(database_dsn: str) -> None:
    settings = GoalsSettings(key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS, database_url=database_dsn, jwt_secret=SECRET, overdue_sweep_seconds=0)
    app = create_app(settings, clock=Clock())
    async with served(app) as base_url:
        await seed(base_url)
        started = time.monotonic()
        report = await asyncio.to_thread(
            fuzz,
            app.openapi(),
            base_url,
            headers_for=lambda operation: {"Authorization": f"Bearer {TOKENS[caller(operation)]}"},
            path_parameters=IDS,
        )
        took = time.monotonic() - started
    print(f"\nschemathesis over the goals API: {report.summary()} in {took:.1f} s")
    assert report.problems == [], "\n".join(report.problems[:20])
    assert report.requests > 1000
    assert report.by_status[200] + report.by_status[201] > report.requests // 10, report.summary()
