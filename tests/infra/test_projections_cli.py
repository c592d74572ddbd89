"""`trellis projections rebuild` brings a service's read model back from its event store."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import httpx
import pytest

from tests.goals.api.conftest import SECRET, bearer
from trellis_goals.app import create_app
from trellis_goals.settings import GoalsSettings

pytestmark = pytest.mark.infra


async def test_rebuild_restores_a_damaged_read_model(database_dsn: str, kafka_bootstrap: str) -> None:
    app = create_app(GoalsSettings(database_url=database_dsn, jwt_secret=SECRET, overdue_sweep_seconds=0))
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
    assert "goals.goal_index" in result.stderr and "goals.reporting_lines" in result.stderr
