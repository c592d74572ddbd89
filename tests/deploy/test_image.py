"""Trellis's image, built from deploy/Dockerfile, runs the goals service for real: its migration
sets up a fresh database, a command sent over HTTP reaches the topic as a CloudEvent, and the
image's own HEALTHCHECK turns healthy."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable

import asyncpg
import httpx
import pytest

from tests.conftest import PostgresServer
from tests.kernel.relay.support import read_topic
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_deploy.container.engine import Docker
from trellis_deploy.container.image import BuiltImage
from trellis_deploy.local.processes import free_port_from
from trellis_kernel.health import READINESS_PATH
from trellis_kernel.identity import mint_token
from trellis_kernel.privacy import KEY_ENCRYPTION_KEYS_SETTING

pytestmark = pytest.mark.infra

SECRET = "image-tests-secret-of-at-least-32-bytes"


def environment_arguments(variables: dict[str, str]) -> list[str]:
    return [argument for name, value in variables.items() for argument in ("--env", f"{name}={value}")]


async def wait_until_ready(url: str, docker: Docker, container: str, *, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(url, timeout=2)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
    logs = docker.run("logs", "--tail", "40", container, check=False)
    raise AssertionError(f"{url} was not ready within {within}s; the container logged:\n{logs.stdout}{logs.stderr}")


async def test_the_goals_container_takes_a_command_and_publishes_its_cloudevent(
    docker: Docker,
    trellis_image: BuiltImage,
    postgres: PostgresServer,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
) -> None:
    database = await postgres.create_database("image")
    topic = await new_topic()
    port = free_port_from(18180)
    variables = environment_arguments(
        {
            "GOALS_DATABASE_URL": database,
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "TRELLIS_JWT_SECRET": SECRET,
            KEY_ENCRYPTION_KEYS_SETTING: TEST_KEY_ENCRYPTION_KEYS,
            "GOALS_EVENTS_TOPIC": topic,
            "TRELLIS_PORT": str(port),
        }
    )

    migration = docker.run("run", "--rm", "--network", "host", *variables, trellis_image.tag, "migrate", "goals")
    assert "goals: database tables are up to date" in migration.stdout
    connection = await asyncpg.connect(database)
    try:
        tables = {row["tablename"] for row in await connection.fetch("select tablename from pg_tables")}
    finally:
        await connection.close()
    assert "events" in tables

    # As the Kubernetes manifests run it: a read-only root file system with a writable /tmp.
    container = docker.run(
        "run", "--detach", "--network", "host", "--read-only", "--tmpfs", "/tmp", "--health-interval", "2s",
        *variables, trellis_image.tag, "serve", "goals", "--host", "127.0.0.1",
    ).stdout.strip()  # fmt: skip
    try:
        await wait_until_ready(f"http://127.0.0.1:{port}{READINESS_PATH}", docker, container)
        hr = mint_token(SECRET, "hr_1", roles=["hr_admin"], organisation_id="org_1")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            answer = await client.post(
                "/employees/emp_1/manager",
                json={"manager_id": "mgr_1"},
                headers={"Authorization": f"Bearer {hr}"},
            )
        assert answer.status_code == 200, answer.text
        outcome = answer.json()

        (record,) = await read_topic(kafka_bootstrap, topic, 1)
        headers = {name: value.decode() for name, value in record.headers}
        assert headers["ce_type"] == outcome["events"][0]
        assert headers["ce_specversion"] == "1.0"
        assert record.key is not None and record.key.decode() == outcome["stream_id"]
        assert json.loads(record.value)["manager_id"] == "mgr_1"

        deadline = time.monotonic() + 60
        health = ""
        while time.monotonic() < deadline and health != "healthy":
            health = docker.run("inspect", "--format", "{{.State.Health.Status}}", container).stdout.strip()
            await asyncio.sleep(1)
        assert health == "healthy"
        user = docker.run("exec", container, "id", "-u").stdout.strip()
        assert user == "10001"
    finally:
        docker.run("rm", "--force", container, check=False)


def test_the_final_image_holds_no_build_tools(docker: Docker, trellis_image: BuiltImage) -> None:
    probe = docker.run(
        "run", "--rm", "--network", "host", "--entrypoint", "/bin/sh", trellis_image.tag, "-c",
        "for tool in gcc cc make pip pip3 uv hatchling; do command -v $tool; done;"
        " python3 -c 'import pip' 2>/dev/null && echo pip-importable;"
        " python3 -c 'import trellis_web.app, trellis_goals.app' || echo missing-packages; id -u",
    )  # fmt: skip
    assert probe.stdout.split() == ["10001"]
    config = json.loads(docker.run("image", "inspect", trellis_image.tag).stdout)[0]["Config"]
    assert config["User"] == "10001:10001"
    assert config["Entrypoint"] == ["trellis"]
    assert config["Healthcheck"]["Test"] == ["CMD", "trellis", "health", "--ready"]
