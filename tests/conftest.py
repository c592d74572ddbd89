"""Real Kafka and PostgreSQL for the tests, found in this order:

1. the addresses in the environment (KAFKA_BOOTSTRAP_SERVERS; POSTGRES_DATABASE_URL or
   DATABASE_URL, a DSN allowed to create databases);
2. testcontainers, when a Docker engine answers a ping;
3. the local stack of `trellis infra up` (started here if it is not running).

When none works the tests that need them fail with what was tried; nothing is skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

# The kernel's test kits (contract suites, specifications) live outside test_*.py modules; keep
# pytest's assertion messages for them.
pytest.register_assert_rewrite("trellis_kernel.testing", "tests.kernel.store.fixtures")

from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS  # noqa: E402
from trellis_deploy import infrastructure  # noqa: E402
from trellis_kernel.privacy import KEY_ENCRYPTION_KEYS_SETTING  # noqa: E402

# Services started by a test (in its process or in a child) seal personal data under the suite's
# fixed keys unless the test gives its own.
os.environ.setdefault(KEY_ENCRYPTION_KEYS_SETTING, TEST_KEY_ENCRYPTION_KEYS)


@dataclass
class PostgresServer:
    admin_dsn: str
    created: list[str] = field(default_factory=list)

    async def create_database(self, prefix: str = "test") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        connection = await asyncpg.connect(self.admin_dsn)
        try:
            await connection.execute(f'create database "{name}"')
        finally:
            await connection.close()
        self.created.append(name)
        return _with_database(self.admin_dsn, name)

    async def drop_created(self) -> None:
        connection = await asyncpg.connect(self.admin_dsn)
        try:
            for name in self.created:
                await connection.execute(f'drop database if exists "{name}" with (force)')
        finally:
            await connection.close()


@dataclass(frozen=True)
class Infrastructure:
    kafka_bootstrap: str
    postgres_admin_dsn: str
    source: str


def _with_database(dsn: str, database: str) -> str:
    base, _, _ = dsn.rpartition("/")
    return f"{base}/{database}"


def _docker_engine_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


def _from_testcontainers(stack: ExitStack) -> Infrastructure:
    try:
        from testcontainers.kafka import KafkaContainer
        from testcontainers.postgres import PostgresContainer
    except ImportError:  # testcontainers >= 4.15 layout
        from testcontainers.community.kafka import KafkaContainer  # type: ignore[no-redef]
        from testcontainers.community.postgres import PostgresContainer  # type: ignore[no-redef]

    kafka = (
        KafkaContainer("confluentinc/cp-kafka:7.9.0")
        .with_kraft()
        .with_env("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
        .with_env("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
    )
    postgres = PostgresContainer("postgres:15", driver=None)
    stack.enter_context(kafka)
    stack.enter_context(postgres)
    return Infrastructure(kafka.get_bootstrap_server(), postgres.get_connection_url(), "testcontainers")


def _provision(stack: ExitStack) -> Infrastructure:
    tried: list[str] = []
    env_kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    env_pg = os.environ.get("POSTGRES_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if env_kafka and env_pg:
        return Infrastructure(env_kafka, env_pg, "environment")
    tried.append("environment: KAFKA_BOOTSTRAP_SERVERS and POSTGRES_DATABASE_URL/DATABASE_URL not both set")

    if _docker_engine_answers():
        try:
            found = _from_testcontainers(stack)
            return Infrastructure(
                env_kafka or found.kafka_bootstrap, env_pg or found.postgres_admin_dsn, found.source
            )
        except Exception as error:
            tried.append(f"testcontainers: {type(error).__name__}: {error}")
    else:
        tried.append("testcontainers: no Docker engine answered a ping")

    try:
        endpoints = infrastructure.up()
        if endpoints.postgres_admin_dsn is None:
            raise RuntimeError("no PostgreSQL DSN allowed to create databases")
        return Infrastructure(
            env_kafka or endpoints.kafka_bootstrap_servers,
            env_pg or endpoints.postgres_admin_dsn,
            "local stack (trellis infra up)",
        )
    except Exception as error:
        tried.append(f"local stack (trellis infra up): {type(error).__name__}: {error}")

    pytest.fail(
        "These tests need a real Kafka broker and PostgreSQL, and none could be had. Tried:\n  - "
        + "\n  - ".join(tried),
        pytrace=False,
    )


_provisioned: list[Infrastructure] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the infrastructure, so `pytest -m "not infra"` runs the fast rest."""
    for item in items:
        if "infra" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.infra)


@pytest.fixture(scope="session")
def infra() -> Iterator[Infrastructure]:
    with ExitStack() as stack:
        _provisioned.append(_provision(stack))
        yield _provisioned[-1]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for found in _provisioned:
        terminalreporter.write_line(
            f"Kafka at {found.kafka_bootstrap} and PostgreSQL came from: {found.source}"
        )


@pytest.fixture(scope="session")
def kafka_bootstrap(infra: Infrastructure) -> str:
    return infra.kafka_bootstrap


@pytest.fixture(scope="session")
async def postgres(infra: Infrastructure) -> AsyncIterator[PostgresServer]:
    server = PostgresServer(infra.postgres_admin_dsn)
    yield server
    await server.drop_created()


@pytest.fixture
async def database_dsn(postgres: PostgresServer) -> str:
    return await postgres.create_database()


@pytest.fixture
async def new_topic(kafka_bootstrap: str) -> AsyncIterator[Callable[..., Awaitable[str]]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()

    async def create(partitions: int = 3, prefix: str = "test") -> str:
        name = f"{prefix}.{uuid.uuid4().hex[:12]}"
        await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
        return name

    try:
        yield create
    finally:
        await admin.close()
