"""A real Learning Record Store for the tests: Ralph, with its file-system backend.

Installed once into its own virtual environment under ``.trellis/tools/`` from the pinned,
hash-checked ``tools/ralph/requirements.lock`` (its pins clash with Trellis's FastAPI and
uvicorn), and started as a subprocess on a free port with one user's credentials.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import time
import urllib.request
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from trellis_deploy.settings import PROJECT_DIR, trellis_home

LOCK = PROJECT_DIR / "tools" / "ralph" / "requirements.lock"
SERVE = PROJECT_DIR / "tools" / "ralph" / "serve.py"
USERNAME = "trellis-lrs"
PASSWORD = "lrs-password-for-tests"


def ralph_environment() -> Path:
    """The virtual environment holding Ralph, made (again) when the lock file changed."""
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()[:12]
    home = trellis_home() / "tools" / f"ralph-{digest}"
    complete = home / ".installed"
    if complete.exists():
        return home
    shutil.rmtree(home, ignore_errors=True)  # a half-made one (scripts name their venv's path)
    venv.EnvBuilder(with_pip=True).create(home)
    subprocess.run(
        [
            str(home / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--require-hashes",
            "-r",
            str(LOCK),
        ],
        check=True,
    )
    complete.touch()
    return home


@dataclass(frozen=True)
class Lrs:
    url: str  # the xAPI endpoint: statements are at <url>/statements
    username: str
    password: str

    def statements(self, **params: Any) -> list[dict[str, Any]]:
        """Every statement the LRS holds (following its ``more`` links), read through its xAPI API."""
        found: list[dict[str, Any]] = []
        url: str | None = f"{self.url}/statements"
        base = self.url.rsplit("/xAPI", 1)[0]
        with httpx.Client(
            auth=(self.username, self.password), headers={"X-Experience-API-Version": "1.0.3"}
        ) as http:
            while url:
                answer = http.get(url, params=params if url.endswith("/statements") else None)
                answer.raise_for_status()
                page = answer.json()
                found.extend(page["statements"])
                url = base + page["more"] if page.get("more") else None
        return found

    def statement(self, statement_id: str) -> dict[str, Any] | None:
        with httpx.Client(
            auth=(self.username, self.password), headers={"X-Experience-API-Version": "1.0.3"}
        ) as http:
            answer = http.get(f"{self.url}/statements", params={"statementId": statement_id})
        if answer.status_code == 404:
            return None
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()
        return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_lrs(workdir: Path) -> Iterator[Lrs]:
    home = ralph_environment()
    ralph = str(home / "bin" / "ralph")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RALPH_")},
        "RALPH_APP_DIR": str(workdir / "app"),
        "RALPH_AUTH_FILE": str(workdir / "auth.json"),
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": "500",
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(workdir / "statements"),
    }
    subprocess.run(
        [
            ralph,
            "auth",
            "-u",
            USERNAME,
            "-p",
            PASSWORD,
            "-s",
            "all",
            "-A",
            USERNAME,
            "https://lrs.example.com",
            "-w",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    (workdir / "statements").mkdir(exist_ok=True)
    port = _free_port()
    log = (workdir / "ralph.log").open("wb")
    process = subprocess.Popen(
        [str(home / "bin" / "python"), str(SERVE), "127.0.0.1", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/__heartbeat__", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"Ralph did not start: {(workdir / 'ralph.log').read_text()[-2000:]}"
                    ) from None
                time.sleep(0.2)
        yield Lrs(f"http://127.0.0.1:{port}/xAPI", USERNAME, PASSWORD)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


__all__ = ["Lrs", "running_lrs"]
