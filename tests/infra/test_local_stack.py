"""`trellis infra up|status|down` on a stack of its own (own state folder and ports), so the
shared stack the other tests use is left alone. Its state folder is private (mode 700), like a
checkout in root's home: as root, PostgreSQL runs as `postgres`, who cannot enter it."""

from __future__ import annotations

import asyncio
import base64
import os
import pwd
import random
import shlex
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from trellis_deploy.local import kafka, prerequisites, processes
from trellis_deploy.local.postgres import SERVER_USER, LocalPostgres
from trellis_deploy.services import SERVICE_APPS


def _trellis(home: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trellis_deploy.cli", *args],
        env={**env, "TRELLIS_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def isolated_home(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    private = tmp_path / "home"
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    home = private / f"checkout-{uuid.uuid4().hex[:8]}" / ".trellis"
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
    shutil.rmtree(LocalPostgres(home).cluster, ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)


async def _show(dsn: str, setting: str) -> str:
    connection = await asyncpg.connect(dsn)
    try:
        value: str = await connection.fetchval(f"SHOW {setting}")
        return value
    finally:
        await connection.close()


def _our_processes(home: Path) -> list[tuple[int, str]]:
    """(pid, a path its command line names) of the broker and the database server."""
    data = LocalPostgres(home).data
    found = []
    for pid_file, marker in ((home / "kafka" / "kafka.pid", home), (data / "postmaster.pid", data)):
        pid = processes.read_pid(pid_file)
        if pid is not None:
            found.append((pid, str(marker)))
    return found


def test_up_twice_status_then_down_leaves_nothing_running(isolated_home: tuple[Path, dict[str, str]]) -> None:
    home, env = isolated_home

    first = _trellis(home, env, "infra", "up")
    assert first.returncode == 0, first.stderr
    pids = _our_processes(home)
    assert len(pids) == 2
    if os.geteuid() == 0:  # the cluster could not live in the private folder: it is named there
        assert LocalPostgres(home).location_file.read_text().strip() == str(LocalPostgres(home).cluster)
    assert all(processes.is_running(pid, marker) for pid, marker in pids)

    second = _trellis(home, env, "infra", "up")
    assert second.returncode == 0, second.stderr
    assert _our_processes(home) == pids, "a second `up` must reuse the running processes"

    status = _trellis(home, env, "infra", "status")
    assert f"127.0.0.1:{env['TRELLIS_KAFKA_PORT']}" in status.stdout
    assert f"127.0.0.1:{env['TRELLIS_POSTGRES_PORT']}/trellis_goals" in status.stdout
    assert status.stdout.count("running, pid") == 1 + len(SERVICE_APPS)  # kafka and a database per service
    assert str(home / "kafka" / "logs" / "server.log") in status.stdout
    assert str(LocalPostgres(home).log_file) in status.stdout

    # Any session, not only the services' pools, is cut off when left idle in a transaction.
    exports = _trellis(home, env, "infra", "env").stdout
    admin_dsn = next(line for line in exports.splitlines() if "POSTGRES_DATABASE_URL" in line)
    timeout = asyncio.run(
        _show(shlex.split(admin_dsn.partition("=")[2])[0], "idle_in_transaction_session_timeout")
    )
    assert timeout == "1min"

    down = _trellis(home, env, "infra", "down")
    assert down.returncode == 0, down.stderr
    assert "kafka" in down.stdout and "postgres" in down.stdout
    assert not any(processes.is_running(pid, marker) for pid, marker in pids)
    assert "stopped" in _trellis(home, env, "infra", "status").stdout


def test_as_root_the_cluster_lives_where_postgres_can_reach_it_tied_to_this_checkout(
    isolated_home: tuple[Path, dict[str, str]],
) -> None:
    home, _ = isolated_home
    postgres = LocalPostgres(home)
    if os.geteuid() != 0:
        assert postgres.cluster == home / "postgres", "a normal user keeps the cluster in the checkout"
        return
    server_home = Path(pwd.getpwnam(SERVER_USER).pw_dir)
    assert postgres.cluster.parent == server_home / "trellis"
    assert postgres.cluster.name.startswith(f"{home.parent.name}-")
    other_checkout = LocalPostgres(home.parent.parent / "another" / ".trellis")
    assert other_checkout.cluster != postgres.cluster, "two checkouts never share a cluster"


def test_missing_java_is_one_clear_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(prerequisites.MissingPrerequisite) as error:
        prerequisites.java()
    assert "`java` was not found on PATH" in str(error.value)
    assert "KAFKA_BOOTSTRAP_SERVERS" in str(error.value)


def test_a_new_kafka_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    dash_first = uuid.UUID(bytes=b"\xf8" + bytes(15))  # URL-safe base64 of 0xf8... starts with "-"
    fine = uuid.UUID(bytes=b"\x10" + bytes(15))
    drawn = iter([dash_first, fine])
    monkeypatch.setattr(kafka.uuid, "uuid4", lambda: next(drawn))

    assert kafka.new_cluster_id() == base64.urlsafe_b64encode(fine.bytes).rstrip(b"=").decode()


def test_a_checkout_cloned_again_where_a_deleted_one_was_gets_a_cluster_it_can_log_in_to(
    isolated_home: tuple[Path, dict[str, str]],
) -> None:
    home, env = isolated_home
    earlier = LocalPostgres(home)
    earlier.up()
    shutil.rmtree(home)  # the old checkout is deleted; its cluster may live on elsewhere, even running

    again = _trellis(home, env, "infra", "up")

    assert again.returncode == 0, again.stderr
    status = LocalPostgres(home).status()
    assert status.running
    assert asyncio.run(_show(status.database_urls["goals"], "server_version")).startswith("15")
