"""The processes `trellis run` starts: each in a session of its own (a terminal's Ctrl-C
reaches only the supervisor, which stops them in order), and ended by the kernel if the
supervisor dies without stopping them."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import sys
from dataclasses import dataclass

PR_SET_PDEATHSIG = 1


def _end_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """Asks the process to shut down gracefully (uvicorn treats SIGTERM like Ctrl-C)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> int:
        """Its exit status; killed after ``timeout`` seconds if it does not stop (status -9)."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def start_uvicorn(name: str, factory: str, host: str, port: int, environment: dict[str, str]) -> Child:
    command = [
        sys.executable, "-m", "uvicorn", "--factory", factory,
        "--host", host, "--port", str(port), "--no-server-header",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        env={**environment, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_end_with_parent if sys.platform == "linux" else None,
    )
    return Child(name, process)


def exit_description(status: int) -> str:
    if status < 0:
        return f"was ended by signal {signal.Signals(-status).name}"
    return f"exited with status {status}"
