"""Trellis services as real processes (uvicorn, as `trellis serve` runs them) on free ports,
with their log kept in a file, killed and restarted like a crashed container."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from trellis_deploy.local import processes

READY_TIMEOUT = 60.0
_handed_out: set[int] = set()


def _free_port() -> int:
    """A free port no other ServiceProcess of this run was given (it may not listen yet)."""
    port = processes.free_port_from(18300, excluding=frozenset(_handed_out))
    _handed_out.add(port)
    return port


@dataclass
class ServiceProcess:
    name: str
    factory: str
    environment: dict[str, str]
    log_dir: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        self.starts += 1
        log = (self.log_dir / f"{self.name}-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", self.factory, "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning"],
            env={**os.environ, **self.environment},
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/health/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} was not ready within {READY_TIMEOUT}s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no commit of anything in flight."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")[-4000:]
            for path in sorted(self.log_dir.glob(f"{self.name}-*.log"))
        )
