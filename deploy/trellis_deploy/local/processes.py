"""Processes of ours, known by their pid files and nothing broader."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path


def read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


def is_running(pid: int, marker: str) -> bool:
    """True if `pid` is alive and its command line contains `marker` (guards against pid reuse)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    if marker not in cmdline:
        return False
    with contextlib.suppress(FileNotFoundError):
        # A zombie is dead for our purposes.
        if Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z"):
            return False
    return True


def spawn(
    command: list[str], log_file: Path, *, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Starts `command` detached from our session, its output appended to `log_file`."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
    return process


def stop_child(process: subprocess.Popen[bytes], *, timeout: float = 30.0) -> None:
    """Stops a process we spawned ourselves: SIGTERM, then SIGKILL after `timeout`."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def terminate(pid: int, marker: str, *, timeout: float = 30.0) -> None:
    """SIGTERM, then SIGKILL if the process outlives `timeout`."""
    if not is_running(pid, marker):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        if not is_running(pid, marker):
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def free_port_from(preferred: int, *, excluding: frozenset[int] = frozenset()) -> int:
    """The first free port from `preferred` upwards.

    Never a port the kernel hands out for outgoing connections (bind to 0): a listener there
    can find its port taken by some client's connection on its next start.
    """
    for port in range(preferred, preferred + 200):
        if port not in excluding and port_is_free(port):
            return port
    raise OSError(f"no free port on 127.0.0.1 in {preferred}-{preferred + 199}")


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log yet)"


def first_errors(log_file: Path, *, since: str, lines: int = 12) -> str:
    """The first ERROR line logged at or after `since` (a log timestamp prefix) and what follows it."""
    try:
        log = log_file.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return "(no log)"
    recent = [i for i, line in enumerate(log) if line[: len(since)] >= since]
    start = recent[0] if recent else 0
    for i in range(start, len(log)):
        if " ERROR " in log[i] or " FATAL " in log[i]:
            return "\n".join(log[i : i + lines])
    return "\n".join(log[-lines:])
