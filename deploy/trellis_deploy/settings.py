"""Where Trellis finds its infrastructure: addresses from the environment, else the local stack.

KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL (or GOALS_DATABASE_URL, FEEDBACK_DATABASE_URL,
RECOGNITION_DATABASE_URL, INTEGRATIONS_DATABASE_URL) point Trellis at existing infrastructure; then nothing is started
locally. TRELLIS_HOME moves the local stack's state (jars, data, logs, pid files).
"""

from __future__ import annotations

import os
from pathlib import Path

from trellis_kernel.settings import database_url_for

SERVICES = ("goals", "feedback", "recognition", "integrations")

DEPLOY_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = DEPLOY_DIR.parent


def trellis_home() -> Path:
    configured = os.environ.get("TRELLIS_HOME")
    return Path(configured).resolve() if configured else PROJECT_DIR / ".trellis"


def external_kafka() -> str | None:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or None


def external_database_url(service: str) -> str | None:
    return database_url_for(service)


def external_postgres() -> bool:
    return any(external_database_url(service) for service in SERVICES)


def configured_port(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default
