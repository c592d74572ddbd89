"""Runs the Trellis services in the foreground, one uvicorn process each, on the infrastructure."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from trellis_deploy import infrastructure, settings
from trellis_deploy.local.secrets import local_jwt_secret


@dataclass(frozen=True)
class ServiceApp:
    name: str
    factory: str
    """uvicorn factory import path: a callable returning the service's ASGI app."""
    default_port: int
    inline_projections: str
    """Import path of the service's tuple of inline projections (rebuildable from its store)."""

    @property
    def port(self) -> int:
        return settings.configured_port(f"TRELLIS_{self.name.upper()}_PORT", self.default_port)


SERVICE_APPS = (
    ServiceApp(
        "goals",
        factory="trellis_goals.app:create_app",
        default_port=8001,
        inline_projections="trellis_goals.read_tables:PROJECTIONS",
    ),
)


def service_app(name: str) -> ServiceApp:
    for app in SERVICE_APPS:
        if app.name == name:
            return app
    known = ", ".join(app.name for app in SERVICE_APPS)
    raise ValueError(f"no service named {name!r}; the services are: {known}")


def service_environment() -> dict[str, str]:
    """The variables every service reads, pointing at the running (or just started) infrastructure."""
    endpoints = infrastructure.up()
    environment = {"KAFKA_BOOTSTRAP_SERVERS": endpoints.kafka_bootstrap_servers}
    for service, url in endpoints.database_urls.items():
        environment[f"{service.upper()}_DATABASE_URL"] = url
    if not os.environ.get("TRELLIS_JWKS_URL"):
        environment["TRELLIS_JWT_SECRET"] = local_jwt_secret(settings.trellis_home())
    return environment


def run(host: str = "127.0.0.1") -> int:
    """Starts every service and waits; Ctrl-C (or SIGTERM) stops them all."""
    environment = {**os.environ, **service_environment()}
    children: list[tuple[ServiceApp, subprocess.Popen[bytes]]] = []
    for app in SERVICE_APPS:
        command = [
            sys.executable, "-m", "uvicorn", "--factory", app.factory,
            "--host", host, "--port", str(app.port),
        ]  # fmt: skip
        children.append((app, subprocess.Popen(command, env=environment)))
        print(f"{app.name}: http://{host}:{app.port} (OpenAPI at /docs)", flush=True)
    print("Get a token for the API with: .venv/bin/trellis token <subject> [--role hr_admin]", flush=True)

    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = 0
    while not stopping:
        for app, child in children:
            if child.poll() is not None:
                print(f"{app.name} exited with status {child.returncode}", file=sys.stderr)
                status, stopping = child.returncode or 1, True
        time.sleep(0.5)
    for _, child in children:
        if child.poll() is None:
            child.terminate()
    for _, child in children:
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
    return status
