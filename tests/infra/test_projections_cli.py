"""`trellis projections rebuild` brings a service's read model back from its event store."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import httpx
import pytest

from tests.goals.api.conftest import SECRET, bearer
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_goals.app import create_app
from trellis_goals.settings import GoalsSettings

pytestmark = pytest.mark.infra


async def test_rebuild_restores_a_damaged_read_model(database_dsn: str, kafka_bootstrap: str) -> None:
    app = create_app(GoalsSettings(key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS, database_url=database_dsn, jwt_secret=SECRET, overdue_sweep_seconds=0))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://goals") as http:
            line = await http.post(
                "/employees/emp_1/manager",
                json={"manager_id": "mgr_1"},
                headers=bearer("hr_1", roles=("hr_admin",)),
            )
            assert line.status_code == 200, line.text
        pool = app.state.goals.pool
        before = [tuple(r) for r in await pool.fetch("SELECT * FROM reporting_lines")]
        await pool.execute("DELETE FROM reporting_lines")

        result = await asyncio.to_thread(
            subprocess.run,
            [
                sys.executable,
                "-m",
                "trellis_deploy.cli",
                "projections",
                "rebuild",
                "goals",
                "goals.reporting_lines",
            ],
            env={
                **os.environ,
                "GOALS_DATABASE_URL": database_dsn,
                "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert "rebuilt goals.reporting_lines" in result.stdout
        after = [tuple(r) for r in await pool.fetch("SELECT * FROM reporting_lines")]
    assert before and after == before


def test_an_unknown_projection_is_refused_with_the_known_ones() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "trellis_deploy.cli", "projections", "rebuild", "goals", "goals.nope"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "goals.goal_views" in result.stderr and "goals.reporting_lines" in result.stderr


async def test_the_goal_views_rebuild_to_the_same_rows(database_dsn: str, kafka_bootstrap: str) -> None:
    app = create_app(GoalsSettings(key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS, database_url=database_dsn, jwt_secret=SECRET, overdue_sweep_seconds=0))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://goals") as http:
            await http.post(
                "/employees/emp_1/manager",
                json={"manager_id": "mgr_1"},
                headers=bearer("hr_1", roles=("hr_admin",)),
            )
            proposal = {
                "goal_id": "goal_1",
                "employee_id": "emp_1",
                "title": "Master Photoshop",
                "description": "Produce campaign visuals alone.",
                "metric": {"name": "Visuals", "baseline": 0, "target": 4},
                "due_date": "2099-03-31",
            }
            assert (await http.post("/goals", json=proposal, headers=bearer("emp_1"))).status_code == 201
            assert (
                await http.post("/goals/goal_1/agreement", json={}, headers=bearer("mgr_1"))
            ).status_code == 200
        pool = app.state.goals.pool
        tables = ("goal_views", "goal_deadlines", "goal_people")
        before = {t: sorted(tuple(r) for r in await pool.fetch(f"SELECT * FROM {t}")) for t in tables}
        await pool.execute("DELETE FROM goal_views; DELETE FROM goal_deadlines; DELETE FROM goal_people")

        result = await asyncio.to_thread(
            subprocess.run,
            [
                sys.executable,
                "-m",
                "trellis_deploy.cli",
                "projections",
                "rebuild",
                "goals",
                "goals.goal_views",
            ],
            env={
                **os.environ,
                "GOALS_DATABASE_URL": database_dsn,
                "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        after = {t: sorted(tuple(r) for r in await pool.fetch(f"SELECT * FROM {t}")) for t in tables}
    assert all(before[t] for t in tables) and after == before
