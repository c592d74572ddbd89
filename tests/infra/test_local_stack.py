"""`trellis infra up|status|down` on a stack of its own (own state folder and ports), so the
shared stack the other tests use is left alone."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from trellis_deploy.local import prerequisites, processes
from trellis_deploy.settings import PROJECT_DIR


def _trellis(home: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trellis_deploy.cli", *args],
        env={**env, "TRELLIS_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def isolated_home() -> Iterator[tuple[Path, dict[str, str]]]:
    # Under the project folder, not pytest's 0700 tmp: as root, PostgreSQL runs as `postgres`,
    # which must be able to reach its data folder.
    home = PROJECT_DIR / ".trellis" / "test-stacks" / uuid.uuid4().hex[:8]
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "POSTGRES_DATABASE_URL"}
        and not key.endswith("_DATABASE_URL")
    }
    base = random.randrange(20000, 30000, 10)
    env["TRELLIS_KAFKA_PORT"] = str(processes.free_port_from(base))
    env["TRELLIS_KAFKA_CONTROLLER_PORT"] = str(processes.free_port_from(base + 3))
    env["TRELLIS_POSTGRES_PORT"] = str(processes.free_port_from(base + 6))
    yield home, env
    _trellis(home, env, "infra", "down")
    shutil.rmtree(home, ignore_errors=True)


def _our_pids(home: Path) -> list[int]:
    pids = []
    for pid_file in (home / "kafka" / "kafka.pid", home / "postgres" / "data" / "postmaster.pid"):
        pid = processes.read_pid(pid_file)
        if pid is not None:
            pids.append(pid)
    return pids


def test_up_twice_status_then_down_leaves_nothing_running(isolated_home: tuple[Path, dict[str, str]]) -> None:
    home, env = isolated_home

    first = _trellis(home, env, "infra", "up")
    assert first.returncode == 0, first.stderr
    pids = _our_pids(home)
    assert len(pids) == 2
    assert all(processes.is_running(pid, str(home)) for pid in pids)

    second = _trellis(home, env, "infra", "up")
    assert second.returncode == 0, second.stderr
    assert _our_pids(home) == pids, "a second `up` must reuse the running processes"

    status = _trellis(home, env, "infra", "status")
    assert f"127.0.0.1:{env['TRELLIS_KAFKA_PORT']}" in status.stdout
    assert f"127.0.0.1:{env['TRELLIS_POSTGRES_PORT']}/trellis_goals" in status.stdout
    assert status.stdout.count("running, pid") == 4  # kafka and the three service databases
    assert str(home / "kafka" / "logs" / "server.log") in status.stdout

    down = _trellis(home, env, "infra", "down")
    assert down.returncode == 0, down.stderr
    assert "kafka" in down.stdout and "postgres" in down.stdout
    assert not any(processes.is_running(pid, str(home)) for pid in pids)
    assert "stopped" in _trellis(home, env, "infra", "status").stdout


def test_missing_java_is_one_clear_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(prerequisites.MissingPrerequisite) as error:
        prerequisites.java()
    assert "`java` was not found on PATH" in str(error.value)
    assert "KAFKA_BOOTSTRAP_SERVERS" in str(error.value)
