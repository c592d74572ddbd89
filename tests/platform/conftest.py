"""The platform as people meet it: `trellis run` started once for these tests, and a folder for
the screenshots the browser test leaves behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PostgresServer
from tests.platform.running import RunningPlatform, fresh_service_databases, start_platform, stop_platform
from trellis_deploy.settings import PROJECT_DIR

SCREENSHOTS = PROJECT_DIR / "test-artefacts" / "screenshots"
_screenshots_taken: list[Path] = []


_started: dict[str, Any] = {}
"""The one platform of a test session, whichever folder's tests (platform, web) ask first."""


@pytest.fixture(scope="session")
async def platform_databases(postgres: PostgresServer) -> dict[str, str]:
    if "databases" not in _started:
        _started["databases"] = await fresh_service_databases(postgres)
    databases: dict[str, str] = _started["databases"]
    return databases


@pytest.fixture(scope="session")
def platform(
    platform_databases: dict[str, str], kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningPlatform]:
    if "platform" not in _started:
        _started["platform"] = start_platform(
            platform_databases, kafka_bootstrap, tmp_path_factory.mktemp("platform") / ".trellis"
        )
    running: RunningPlatform = _started["platform"]
    yield running
    stop_platform(running)  # the first of the session's ends stops it; the next finds it stopped


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    _screenshots_taken.append(SCREENSHOTS)
    return SCREENSHOTS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for folder in _screenshots_taken:
        count = len(list(folder.glob("*.png")))
        terminalreporter.write_line(f"Screenshots of the web app ({count}): {folder}")
