"""`trellis backfill` asks a running service to replay its history, to a topic or a subscription."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest

from tests.goals.api.conftest import SECRET, bearer
from tests.kernel.relay.support import read_topic
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_goals.app import create_app
from trellis_goals.settings import GoalsSettings
from trellis_integrations.application import Admin, IntegrationsApplication
from trellis_integrations.domain.subscription import Configuration
from trellis_kernel.backfill import end_marker
from trellis_kernel.store import create_pool

pytestmark = pytest.mark.infra
LINE = "dev.trellis.goals.ReportingLineChanged.v1"


async def _trellis(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "trellis_deploy.cli", "backfill", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_a_backfill_to_a_topic_is_run_by_the_service_and_followed_to_its_end(
    postgres: Any, kafka_bootstrap: str, new_topic: Callable[..., Awaitable[str]]
) -> None:
    goals_dsn = await postgres.create_database("goals")
    topic = await new_topic(2)
    app = create_app(
        GoalsSettings(
            key_encryption_keys=TEST_KEY_ENCRYPTION_KEYS,
            database_url=goals_dsn,
            jwt_secret=SECRET,
            kafka_bootstrap_servers=kafka_bootstrap,
            events_topic=await new_topic(1),
            overdue_sweep_seconds=0,
        )
    )
    env = {"GOALS_DATABASE_URL": goals_dsn, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap}
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://goals") as http:
            for employee in ("emp_1", "emp_2"):
                line = await http.post(
                    f"/employees/{employee}/manager",
                    json={"manager_id": "mgr_1"},
                    headers=bearer("hr_1", roles=("hr_admin",)),
                )
                assert line.status_code == 200, line.text
        started = await _trellis("start", "goals", "--topic", topic, "--type", LINE, "--follow", env=env)
        assert started.returncode == 0, started.stderr
        assert "completed  2/2 (100.0%)" in started.stdout
    records = await read_topic(kafka_bootstrap, topic, 4, settle=0.3)
    assert sorted(r.key for r in records if end_marker(r.headers) is None) == [
        b"reportingline-org_1/emp_1",
        b"reportingline-org_1/emp_2",
    ]
    assert len([r for r in records if end_marker(r.headers) is not None]) == 2  # one per partition

    listed = await _trellis("status", "goals", env=env)
    assert "completed" in listed.stdout
    unknown = await _trellis("start", "integrations", "--topic", topic, env=env)
    assert unknown.returncode == 1 and "publishes no events" in unknown.stderr


async def test_a_backfill_to_a_subscription_records_the_delivery_job_then_asks_the_service(
    postgres: Any,
) -> None:
    goals_dsn = await postgres.create_database("goals")
    integrations_dsn = await postgres.create_database("integrations")
    pool = await create_pool(integrations_dsn, min_size=1, max_size=2)
    try:
        integrations = IntegrationsApplication(pool)
        await integrations.setup()
        await integrations.create(
            Admin("hr_1", "org_1", platform_admin=False),
            "hris",
            "webhook",
            Configuration(
                "https://hris.example.com/hooks", (LINE, "dev.trellis.recognition.RewardGranted.v2")
            ),
            None,
        )
    finally:
        await pool.close()
    env = {
        "GOALS_DATABASE_URL": goals_dsn,
        "INTEGRATIONS_DATABASE_URL": integrations_dsn,
        "INTEGRATIONS_BACKFILL_TOPIC": "backfills.for.subscriptions",
    }
    started = await _trellis(
        "start", "goals", "--subscription", "org_1/hris", "--since", "2026-01-01", env=env
    )
    assert started.returncode == 0, started.stderr
    backfill_id = started.stdout.split()[0]
    goals = await asyncpg.connect(goals_dsn)
    integrations_db = await asyncpg.connect(integrations_dsn)
    try:
        request = await goals.fetchrow("SELECT * FROM backfills WHERE backfill_id = $1", backfill_id)
        job = await integrations_db.fetchrow(
            "SELECT * FROM backfill_jobs WHERE backfill_id = $1", backfill_id
        )
    finally:
        await goals.close()
        await integrations_db.close()
    assert (request["topic"], request["organisation_id"], request["event_types"]) == (
        "backfills.for.subscriptions",
        "org_1",
        [LINE],  # the subscription's goals events only
    )
    assert (job["subscription_id"], job["state"], job["service"]) == ("hris", "replaying", "goals")
    missing = await _trellis("start", "goals", "--subscription", "org_1/nothing", env=env)
    assert missing.returncode == 1
