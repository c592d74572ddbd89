"""One service in the foreground, as a container runs it: `trellis serve`, `migrate`, `health`.

`serve <service>` runs the service's ASGI app under uvicorn, logging JSON lines; `migrate <service>` creates or
upgrades its database tables and, when a broker is configured, its topics, then exits;
`health` asks the service running beside it (in the same container) whether it is live or
ready, for Docker's HEALTHCHECK. The port is --port, else TRELLIS_PORT (the image sets 8000),
else the service's local port (TRELLIS_<SERVICE>_PORT or its default).
"""

from __future__ import annotations

import asyncio
import os
import sys
import urllib.error
import urllib.request

import uvicorn

from trellis_deploy.services import ServiceApp, apply_migrations, service_app
from trellis_deploy.topics import ensure_topics
from trellis_kernel.health import LIVENESS_PATH, READINESS_PATH
from trellis_kernel.observability import logging_config

PORT_VARIABLE = "TRELLIS_PORT"
SHUTDOWN_GRACE_SECONDS = 20


def serving_port(app: ServiceApp | None, port: int | None = None) -> int:
    if port is not None:
        return port
    configured = os.environ.get(PORT_VARIABLE)
    if configured:
        return int(configured)
    if app is None:
        raise ValueError(f"say which port to probe: --port or {PORT_VARIABLE}")
    return app.port


def serve(service: str, *, host: str, port: int | None) -> int:
    app = service_app(service)
    uvicorn.run(
        app.factory,
        factory=True,
        host=host,
        port=serving_port(app, port),
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        log_config=logging_config(os.environ.get("TRELLIS_LOG_LEVEL", "INFO")),
    )
    return 0


def migrate(service: str) -> int:
    app = service_app(service)
    database_url = app.settings_class().from_env().database_url  # type: ignore[attr-defined]
    if apply_migrations(app, database_url):
        print(f"{service}: database tables are up to date", flush=True)
    else:
        print(f"{service}: declares no migrations (it creates its tables when it starts)", flush=True)
    bootstrap_servers = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if bootstrap_servers:
        created = asyncio.run(ensure_topics(bootstrap_servers, services=(app.name, *app.consumes)))
        print(f"{service}: topics created: {', '.join(created) or 'none (all exist)'}", flush=True)
    return 0


def health(*, ready: bool, port: int | None, path: str | None = None, timeout: float = 4.0) -> int:
    """0 if the service on 127.0.0.1 answers its liveness (or readiness, or ``path``) with 200."""
    path = path or (READINESS_PATH if ready else LIVENESS_PATH)
    url = f"http://127.0.0.1:{serving_port(None, port)}{path}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            print(response.read().decode(errors="replace"))
            return 0
    except urllib.error.HTTPError as error:
        print(f"{url}: {error.code} {error.read().decode(errors='replace')}", file=sys.stderr)
    except OSError as error:
        print(f"{url}: {error}", file=sys.stderr)
    return 1

