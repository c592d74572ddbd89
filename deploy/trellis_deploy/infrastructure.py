"""Kafka and PostgreSQL for Trellis: the addresses given in the environment, else the local stack."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from trellis_deploy import settings
from trellis_deploy.local.kafka import LocalKafka
from trellis_deploy.local.postgres import LocalPostgres
from trellis_deploy.topics import ensure_topics


@dataclass(frozen=True)
class Endpoints:
    kafka_bootstrap_servers: str
    database_urls: dict[str, str]
    postgres_admin_dsn: str | None
    """A DSN allowed to create databases; None when only per-service URLs were given."""


@dataclass(frozen=True)
class ComponentReport:
    name: str
    where: str
    state: str
    log_file: Path | None


def up(home: Path | None = None) -> Endpoints:
    """Starts what the environment does not provide; a second call reuses what runs."""
    home = home or settings.trellis_home()
    kafka = settings.external_kafka() or LocalKafka(home).up().bootstrap_servers
    asyncio.run(ensure_topics(kafka))
    if settings.external_postgres():
        return _with_external_postgres(kafka)
    status = LocalPostgres(home).up()
    return Endpoints(kafka, status.database_urls, status.admin_dsn)


def _with_external_postgres(kafka: str) -> Endpoints:
    urls = {service: settings.external_database_url(service) for service in settings.SERVICES}
    return Endpoints(
        kafka,
        {service: url for service, url in urls.items() if url},
        settings.external_database_url("postgres"),
    )


def down(home: Path | None = None) -> list[str]:
    """Stops the local processes recorded in pid files; returns the names of those stopped."""
    home = home or settings.trellis_home()
    stopped = []
    if LocalKafka(home).down():
        stopped.append("kafka")
    if LocalPostgres(home).down():
        stopped.append("postgres")
    return stopped


def report(home: Path | None = None) -> list[ComponentReport]:
    home = home or settings.trellis_home()
    rows = []
    external_kafka = settings.external_kafka()
    if external_kafka:
        rows.append(ComponentReport("kafka", external_kafka, "external (KAFKA_BOOTSTRAP_SERVERS)", None))
    else:
        k = LocalKafka(home).status()
        state = f"running, pid {k.pid}" if k.running else "stopped"
        rows.append(ComponentReport("kafka", k.bootstrap_servers, state, k.log_file))
    if settings.external_postgres():
        for service in settings.SERVICES:
            url = settings.external_database_url(service) or "(not set)"
            rows.append(ComponentReport(f"postgres/{service}", _without_password(url), "external", None))
    else:
        p = LocalPostgres(home).status()
        state = f"running, pid {p.pid}" if p.running else "stopped"
        for service, url in p.database_urls.items():
            rows.append(ComponentReport(f"postgres/{service}", _without_password(url), state, p.log_file))
    return rows


def running_endpoints(home: Path | None = None) -> Endpoints | None:
    """The endpoints if everything needed is already reachable without starting anything."""
    home = home or settings.trellis_home()
    kafka = settings.external_kafka()
    if not kafka:
        k = LocalKafka(home).status()
        if not k.running:
            return None
        kafka = k.bootstrap_servers
    if settings.external_postgres():
        return _with_external_postgres(kafka)
    p = LocalPostgres(home).status()
    if not p.running:
        return None
    return Endpoints(kafka, p.database_urls, p.admin_dsn)


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"
