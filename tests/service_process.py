"""A Trellis service (the integrations service unless named) in a process of its own, as
`trellis serve` runs it in a container: started, stopped, or killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_kernel.privacy import KEY_ENCRYPTION_KEYS_SETTING

READY_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ServiceProcess:
    environment: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    service: str = "integrations"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the process and wait until it answers ready."""
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the process without waiting (several processes then start side by side)."""
        self.starts += 1
        with self.log.open("ab") as log:
            log.write(f"\n--- start {self.starts} ---\n".encode())
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "trellis_deploy.cli",
                    "serve",
                    self.service,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                # The suite's fixed key-encryption keys unless the test brings its own.
                env={**os.environ, KEY_ENCRYPTION_KEYS_SETTING: TEST_KEY_ENCRYPTION_KEYS, **self.environment},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/health/ready", timeout=2):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{self.service} did not start: {self.log.read_text()[-3000:]}"
                    ) from None
                time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flushing, no releasing of leases."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
