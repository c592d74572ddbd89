"""A Docker engine and Trellis's image for the tests that run containers.

The engine is the one TRELLIS_DOCKER_HOST names, else the local one `trellis docker up` starts
(installing Debian's docker.io as root when missing); the image is built from deploy/Dockerfile
on a base image made here from Debian's packages. When no engine can be had the tests that need
one fail and say why; nothing is skipped.
"""

from __future__ import annotations

import time

import pytest

from trellis_deploy.container.base_image import ensure_base_image
from trellis_deploy.container.engine import Docker, DockerError, docker_engine
from trellis_deploy.container.image import BuiltImage, build_image
from trellis_deploy.local.prerequisites import MissingPrerequisite
from trellis_deploy.settings import trellis_home

TEST_TAG = "trellis:test"
_timings: dict[str, float] = {}


@pytest.fixture(scope="session")
def docker() -> Docker:
    started = time.monotonic()
    try:
        engine = docker_engine(trellis_home())
        _timings["engine"] = time.monotonic() - started
        return engine
    except (DockerError, MissingPrerequisite, OSError) as error:
        pytest.fail(f"This test needs a Docker engine, and none could be had: {error}", pytrace=False)


@pytest.fixture(scope="session")
def trellis_image(docker: Docker) -> BuiltImage:
    try:
        started = time.monotonic()
        base = ensure_base_image(docker, trellis_home())
        _timings["base image"] = time.monotonic() - started
        built = build_image(docker, tag=TEST_TAG, base_image=base)
        _timings["service image"] = built.seconds
        return built
    except (DockerError, MissingPrerequisite, OSError) as error:
        pytest.fail(f"Trellis's image could not be built: {error}", pytrace=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _timings:
        terminalreporter.write_line(
            "Docker: " + ", ".join(f"{what} ready in {seconds:.1f}s" for what, seconds in _timings.items())
        )
