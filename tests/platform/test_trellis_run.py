"""`trellis run` as a new user meets it: a banner with every address, each API and its
OpenAPI page answering, the web app up, and Ctrl-C ending every process it started cleanly."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.conftest import PostgresServer
from tests.platform.running import fresh_service_databases, start_platform, stop_platform
from trellis_contracts.topics import TOPICS
from trellis_deploy.services import SERVICE_APPS
from trellis_kernel.identity import mint_token

pytestmark = pytest.mark.infra


@pytest.fixture
async def databases(postgres: PostgresServer) -> dict[str, str]:
    return await fresh_service_databases(postgres)


def test_run_prints_where_everything_is_serves_it_and_stops_cleanly_on_ctrl_c(
    databases: dict[str, str], kafka_bootstrap: str, tmp_path: Path
) -> None:
    platform = start_platform(databases, kafka_bootstrap, tmp_path / ".trellis")
    try:
        banner = platform.text()
        assert sorted(platform.api_urls) == sorted(app.name for app in SERVICE_APPS)
        assert platform.kafka == kafka_bootstrap
        assert all(topic.name in banner for topic in TOPICS.values())
        for app in SERVICE_APPS:
            assert f"{app.name}: migrations applied" in banner
        token_line = platform.wait_for_line(r"token emp_1 --org org_1\s")
        children = platform.children()
        assert len(children) == len(SERVICE_APPS) + 1, "one process per service plus the web app"

        for name, url in platform.api_urls.items():
            assert httpx.get(f"{url}/openapi.json").status_code == 200, name
            docs = httpx.get(f"{url}/docs")
            assert docs.status_code == 200 and "swagger" in docs.text.lower(), name
        assert httpx.get(f"{platform.web_url}/health").json() == {"status": "ok"}
        assert "Sign in" in httpx.get(f"{platform.web_url}/signin").text

        # A token made as the banner says is accepted by the API (it names an organisation).
        assert "--org" in token_line
        token = mint_token(platform.secret, "emp_1", organisation_id="org_1")
        progress = httpx.get(
            f"{platform.api_urls['goals']}/employees/emp_1/progress",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert progress.status_code == 200, progress.text

        # Each process's lines carry its name.
        assert any(line.startswith("goals ") and "|" in line for line in platform.output)
        assert any(line.startswith("web ") and "|" in line for line in platform.output)

        assert platform.interrupt() == 0, platform.text()
        for name in [app.name for app in SERVICE_APPS] + ["web"]:
            assert f"{name} stopped cleanly" in platform.text()
        assert not [pid for pid in children if Path(f"/proc/{pid}").exists()], (
            "every child ended and was reaped"
        )
        assert not (platform.home / "run.json").exists()
    finally:
        stop_platform(platform)


def test_run_starts_nothing_and_says_why_when_a_service_database_cannot_be_migrated(
    databases: dict[str, str], kafka_bootstrap: str, tmp_path: Path
) -> None:
    unreachable = {name: url.rsplit("/", 1)[0] + "/no_such_database_here" for name, url in databases.items()}
    with pytest.raises(AssertionError, match=r"exited 1") as failure:
        start_platform(unreachable, kafka_bootstrap, tmp_path / ".trellis", timeout=60)
    # the combined log pads each name to the longest one
    assert re.search(r"trellis +\| goals: migrations failed, nothing started: \w+", str(failure.value))
    assert "Traceback" not in str(failure.value)
