"""The platform as people meet it: `trellis run` started once for these tests, and a folder for
the screenshots the browser test leaves behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PostgresServer
from tests.platform.running import RunningPlatform, fresh_service_databases, start_platform, stop_platform
from trellis_deploy.settings import PROJECT_DIR

SCREENSHOTS = PROJECT_DIR / "test-artefacts" / "screenshots"
_screenshots_taken: list[Path] = []


@pytest.fixture(scope="session")
async def platform_databases(postgres: PostgresServer) -> dict[str, str]:
    return await fresh_service_databases(postgres)


@pytest.fixture(scope="session")
def platform(
    platform_databases: dict[str, str], kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningPlatform]:
    running = start_platform(
        platform_databases, kafka_bootstrap, tmp_path_factory.mktemp("platform") / ".trellis"
    )
    yield running
    stop_platform(running)


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
