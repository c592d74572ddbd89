"""`trellis migrate <service>` sets up each service's fresh database, and running it again changes nothing."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.conftest import PostgresServer
from trellis_deploy import serving
from trellis_deploy.services import SERVICE_APPS, ServiceApp

pytestmark = pytest.mark.infra


async def tables(dsn: str) -> set[str]:
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch("select tablename from pg_tables where schemaname = 'public'")
    finally:
        await connection.close()
    return {row["tablename"] for row in rows}


@pytest.mark.parametrize("app", SERVICE_APPS, ids=[app.name for app in SERVICE_APPS])
async def test_migrate_creates_the_services_tables_and_can_run_again(
    app: ServiceApp,
    postgres: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert app.migrations, f"{app.name} declares no migrations: its migrate init container would do nothing"
    dsn = await postgres.create_database("migrate")
    monkeypatch.setenv(f"{app.name.upper()}_DATABASE_URL", dsn)
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    assert await tables(dsn) == set()

    # The command runs its own event loop, as it does in a container.
    assert await asyncio.to_thread(serving.migrate, app.name) == 0
    created = await tables(dsn)
    assert "events" in created

    assert await asyncio.to_thread(serving.migrate, app.name) == 0
    assert await tables(dsn) == created
    assert f"{app.name}: database tables are up to date" in capsys.readouterr().out
    # The read models it made read as this version's: no start rebuilds them again.
    assert "rebuilding it from the events" not in caplog.text


async def test_migrate_makes_the_topics_a_service_consumes_as_well_as_its_own(
    postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, ...]] = []

    async def ensure_topics(bootstrap_servers: str, services: tuple[str, ...]) -> list[str]:
        asked.append(tuple(services))
        return []

    monkeypatch.setattr(serving, "ensure_topics", ensure_topics)
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", await postgres.create_database("migrate"))
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    assert await asyncio.to_thread(serving.migrate, "feedback") == 0
    assert asked == [("feedback", "goals")]
