"""`trellis run`: infrastructure, migrations, one process per service plus the web app, a
combined log, a banner once every process answers, and a clean stop on Ctrl-C or SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from trellis_deploy import services, settings
from trellis_deploy.local import processes
from trellis_deploy.supervisor.banner import Listening, banner
from trellis_deploy.supervisor.children import Child, exit_description, start_uvicorn
from trellis_deploy.supervisor.combined_log import CombinedLog

WEB_FACTORY = "trellis_web.app:create_app"
WEB_DEFAULT_PORT = 8000
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
SUPERVISOR = "trellis"


@dataclass(frozen=True)
class Planned:
    name: str
    factory: str
    port: int
    ready_path: str
    is_api: bool


def run_state_file() -> Path:
    """Where a running `trellis run` records its addresses (read by `trellis demo`)."""
    return settings.trellis_home() / "run.json"


def _port(variable: str, default: int, taken: set[int]) -> int:
    """The configured (or default) port, or the next free one above it."""
    preferred = settings.configured_port(variable, default)
    port = processes.free_port_from(preferred, excluding=frozenset(taken))
    taken.add(port)
    return port


def plan() -> list[Planned]:
    taken: set[int] = set()
    planned = [
        Planned(app.name, app.factory, _port(f"TRELLIS_{app.name.upper()}_PORT", app.default_port, taken),
                "/openapi.json", is_api=True)
        for app in services.SERVICE_APPS
    ]  # fmt: skip
    planned.append(
        Planned("web", WEB_FACTORY, _port("TRELLIS_WEB_PORT", WEB_DEFAULT_PORT, taken), "/health", False)
    )
    return planned


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def run(host: str = "127.0.0.1") -> int:
    """Runs the platform in the foreground until Ctrl-C (or SIGTERM); returns the exit status."""
    stop_requested = threading.Event()

    def request_stop(_signum: int, _frame: object) -> None:
        stop_requested.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    planned = plan()
    log = CombinedLog([SUPERVISOR, *(p.name for p in planned)])

    def say(text: str) -> None:
        log.line(SUPERVISOR, text)

    say("starting Kafka and PostgreSQL unless their addresses are configured ...")
    environment = {**os.environ, **services.service_environment()}
    os.environ.update(environment)  # migrations read their settings (a broker for topics, say) as the services do
    for app in services.SERVICE_APPS:
        url = environment.get(f"{app.name.upper()}_DATABASE_URL")
        if not url:
            say(f"{app.name}: no database URL ({app.name.upper()}_DATABASE_URL); it will not start")
            return 1
        try:
            migrated = services.apply_migrations(app, url)
        except Exception as error:  # a database that cannot be reached or refuses: say so, start nothing
            say(f"{app.name}: migrations failed, nothing started: {type(error).__name__}: {error}")
            return 1
        if migrated:
            say(f"{app.name}: migrations applied")
    urls = {p.name: f"http://{host}:{p.port}" for p in planned}
    for name, url in urls.items():
        environment[f"TRELLIS_{name.upper()}_URL"] = url

    children = [start_uvicorn(p.name, p.factory, host, p.port, environment) for p in planned]
    for child in children:
        assert child.process.stdout is not None
        log.follow(child.name, child.process.stdout)

    status = 0
    try:
        if not _wait_until_ready(planned, children, urls, stop_requested, say):
            status = 0 if stop_requested.is_set() else 1
        else:
            log.plain(
                banner(
                    [Listening(p.name, urls[p.name], p.is_api) for p in planned],
                    environment["KAFKA_BOOTSTRAP_SERVERS"],
                    local_tokens=not environment.get("TRELLIS_JWKS_URL"),
                )
            )
            _record_addresses(urls)
            status = _supervise(children, stop_requested, say)
    finally:
        run_state_file().unlink(missing_ok=True)
        status = _stop_all(children, say) or status
    say("stopped" if status == 0 else f"stopped (exit status {status})")
    return status


def _wait_until_ready(
    planned: list[Planned],
    children: list[Child],
    urls: dict[str, str],
    stop_requested: threading.Event,
    say: Callable[[str], None],
) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT
    waiting = {p.name: urls[p.name] + p.ready_path for p in planned}
    while waiting:
        for child in children:
            if child.process.poll() is not None:
                say(f"{child.name} {exit_description(child.process.returncode)} before it answered")
                return False
        for name, url in list(waiting.items()):
            if _answers(url):
                del waiting[name]
        if stop_requested.wait(0.3):
            return False
        if time.monotonic() > deadline:
            say(f"no answer in {READY_TIMEOUT:.0f}s from: {', '.join(sorted(waiting))}")
            return False
    return True


def _supervise(children: list[Child], stop_requested: threading.Event, say: Callable[[str], None]) -> int:
    while not stop_requested.wait(0.5):
        for child in children:
            if child.process.poll() is not None:
                say(f"{child.name} {exit_description(child.process.returncode)}; stopping the rest")
                return child.process.returncode or 1
    return 0


def _stop_all(children: list[Child], say: Callable[[str], None]) -> int:
    """Stops every child (the web app first, then the services) and says how each ended.

    uvicorn shuts down gracefully on SIGTERM and then ends by that same signal: that, or
    status 0, is a clean stop; anything else (killed after the timeout, a crash) is not.
    """
    status = 0
    for child in reversed(children):
        still_running = child.process.poll() is None
        child.stop()
        code = child.wait(STOP_TIMEOUT)
        if code == 0 or (still_running and code == -signal.SIGTERM):
            say(f"{child.name} stopped cleanly")
        else:
            say(f"{child.name} {exit_description(code)}")
            status = 1
    return status


def _record_addresses(urls: dict[str, str]) -> None:
    path = run_state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": os.getpid(), "urls": urls}, indent=2) + "\n")


def recorded_addresses() -> dict[str, str]:
    """The addresses of the platform `trellis run` runs now, if it does ({} otherwise)."""
    try:
        state = json.loads(run_state_file().read_text())
    except (FileNotFoundError, ValueError):
        return {}
    pid = state.get("pid")
    if not isinstance(pid, int) or not processes.is_running(pid, "trellis"):
        return {}
    urls = state.get("urls", {})
    return {str(k): str(v) for k, v in urls.items()}
