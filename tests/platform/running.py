"""`trellis run` started as a user starts it (a subprocess), on fresh databases and free ports,
with the test infrastructure's Kafka: its banner read back for the addresses it prints."""

from __future__ import annotations

import os
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import PostgresServer
from trellis_deploy.local import processes
from trellis_deploy.services import SERVICE_APPS

BANNER_END = "Ctrl-C stops the services"
CONSUMER_GROUPS = (
    "FEEDBACK_GOALS_CONSUMER_GROUP",
    "RECOGNITION_CONSUMER_GROUP",
    "INTEGRATIONS_CONSUMER_GROUP",
)
"""The services' consumer group settings: a platform started for tests gets groups of its own."""


@dataclass
class RunningPlatform:
    process: subprocess.Popen[str]
    secret: str
    home: Path
    output: list[str] = field(default_factory=list)
    api_urls: dict[str, str] = field(default_factory=dict)
    web_url: str = ""
    kafka: str = ""

    def text(self) -> str:
        return "\n".join(self.output)

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def interrupt(self, timeout: float = 60) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout)

    def wait_for_line(self, pattern: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.output):
                if re.search(pattern, line):
                    return line
            time.sleep(0.1)
        raise AssertionError(f"no line matching {pattern!r} in:\n{self.text()}")


def _read_banner(platform: RunningPlatform, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not any(BANNER_END in line for line in platform.output):
        if platform.process.poll() is not None:
            time.sleep(0.5)  # let the reader catch the last lines
            raise AssertionError(f"`trellis run` exited {platform.process.returncode}:\n{platform.text()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no banner from `trellis run` in {timeout:.0f}s:\n{platform.text()}")
        time.sleep(0.2)
    for line in platform.output:
        if api := re.match(r"^\s+(\w+) API\s+(http://\S+)\s+OpenAPI: (\S+)$", line):
            platform.api_urls[api.group(1)] = api.group(2)
        elif web := re.match(r"^\s+web app\s+(http://\S+)$", line):
            platform.web_url = web.group(1)
        elif kafka := re.match(r"^\s+Kafka\s+(\S+)\s+topics:", line):
            platform.kafka = kafka.group(1)


def start_platform(
    databases: dict[str, str], kafka_bootstrap: str, home: Path, *, timeout: float = 120
) -> RunningPlatform:
    """Starts `trellis run` with ``databases`` (service name -> URL) and waits for its banner."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.endswith("_DATABASE_URL") and key not in {"DATABASE_URL", "TRELLIS_JWKS_URL"}
    }
    secret = secrets.token_urlsafe(48)
    environment |= {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "TRELLIS_JWT_SECRET": secret,
        "TRELLIS_HOME": str(home),
    }
    # Platforms started at once on a shared broker must not split each other's partitions.
    run = secrets.token_hex(4)
    for variable in CONSUMER_GROUPS:
        environment[variable] = f"{variable.removesuffix('_CONSUMER_GROUP').lower()}-test-{run}"
    for name, url in databases.items():
        environment[f"{name.upper()}_DATABASE_URL"] = url
    taken: set[int] = set()
    base = random.randrange(31000, 39000, 20)
    for name in [app.name for app in SERVICE_APPS] + ["web"]:
        port = processes.free_port_from(base, excluding=frozenset(taken))
        taken.add(port)
        environment[f"TRELLIS_{name.upper()}_PORT"] = str(port)
    process = subprocess.Popen(
        [sys.executable, "-m", "trellis_deploy.cli", "run"],
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    platform = RunningPlatform(process, secret, home)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            platform.output.append(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    try:
        _read_banner(platform, timeout)
    except BaseException:
        stop_platform(platform)
        raise
    return platform


def stop_platform(platform: RunningPlatform) -> None:
    if platform.process.poll() is None:
        try:
            platform.interrupt()
        except subprocess.TimeoutExpired:
            platform.process.kill()
            platform.process.wait()


async def fresh_service_databases(postgres: PostgresServer) -> dict[str, str]:
    """A new database for every service `trellis run` starts."""
    return {app.name: await postgres.create_database(f"run_{app.name}") for app in SERVICE_APPS}
