"""deploy/compose.yaml runs every service of SERVICE_APPS on Kafka (KRaft) and PostgreSQL, and
gives each container only variables its settings class reads."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml

from tests.deploy.support import dockerfile_port
from trellis_deploy import manifests
from trellis_deploy.environment import container_variables, web_variables
from trellis_deploy.local.postgres import database_name
from trellis_deploy.services import SERVICE_APPS
from trellis_deploy.settings import DEPLOY_DIR
from trellis_deploy.supervisor.runner import WEB_FACTORY
from trellis_web.app import create_app as create_web_app
from trellis_web.settings import SERVICES as SERVICES_THE_WEB_APP_CALLS
from trellis_web.settings import WebSettings


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY_DIR / "compose.yaml").read_text())
    return loaded


def test_the_checked_in_deployment_files_are_what_the_code_generates() -> None:
    assert manifests.stale_files() == [], "run `make deploy-files` and commit the result"


def test_every_service_has_a_container_and_a_migration(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for app in SERVICE_APPS:
        assert services[app.name]["command"] == ["serve", app.name]
        assert services[f"{app.name}-migrate"]["command"] == ["migrate", app.name]
        assert services[app.name]["depends_on"] == {
            f"{app.name}-migrate": {"condition": "service_completed_successfully"}
        }
        migrate_needs = services[f"{app.name}-migrate"]["depends_on"]
        assert migrate_needs["postgres"]["condition"] == migrate_needs["kafka"]["condition"] == "service_healthy"
    expected = {"kafka", "postgres", "web"} | {n for app in SERVICE_APPS for n in (app.name, f"{app.name}-migrate")}
    assert set(services) == expected


def test_service_containers_get_only_variables_their_settings_read(compose: dict[str, Any]) -> None:
    for app in SERVICE_APPS:
        allowed = container_variables(app)
        for container in (app.name, f"{app.name}-migrate"):
            environment = compose["services"][container]["environment"]
            unknown = set(environment) - allowed
            assert not unknown, f"{container} gets {sorted(unknown)}, which {app.name}'s settings never read"
            assert {f"{app.name.upper()}_DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"} <= set(environment)
            assert {"TRELLIS_JWT_SECRET", "TRELLIS_JWKS_URL"} & set(environment), "no way to verify tokens"


def test_each_service_reaches_its_own_database_created_at_start(compose: dict[str, Any]) -> None:
    init_script = (DEPLOY_DIR / "compose" / "create-databases.sql").read_text()
    mounted = compose["services"]["postgres"]["volumes"]
    assert any(volume.startswith("./compose/create-databases.sql:/docker-entrypoint-initdb.d/") for volume in mounted)
    for app in SERVICE_APPS:
        url = compose["services"][app.name]["environment"][f"{app.name.upper()}_DATABASE_URL"]
        assert url.endswith(f"@postgres:5432/{database_name(app.name)}")
        assert f"CREATE DATABASE {database_name(app.name)};" in init_script


def test_services_are_built_from_the_dockerfile_and_published_on_its_port(compose: dict[str, Any]) -> None:
    port = dockerfile_port()
    for app in SERVICE_APPS:
        build = compose["services"][f"{app.name}-migrate"]["build"]
        assert (DEPLOY_DIR / build["context"] / build["dockerfile"]).resolve() == DEPLOY_DIR / "Dockerfile"
        assert compose["services"][app.name]["image"] == compose["services"][f"{app.name}-migrate"]["image"]
        assert [mapping.split(":")[-1] for mapping in compose["services"][app.name]["ports"]] == [str(port)]


def test_kafka_runs_in_kraft_mode_with_transactions_possible_on_one_node(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]["environment"]
    assert set(kafka["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert "KAFKA_ZOOKEEPER_CONNECT" not in kafka
    assert kafka["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == "1"
    assert kafka["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "1"
    advertised = kafka["KAFKA_ADVERTISED_LISTENERS"]
    assert "PLAINTEXT://kafka:9092" in advertised
    for app in SERVICE_APPS:
        assert compose["services"][app.name]["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"


async def test_the_web_app_runs_from_the_same_image_and_reaches_every_service(compose: dict[str, Any]) -> None:
    web = compose["services"]["web"]
    assert web["image"] == compose["services"][SERVICE_APPS[0].name]["image"]
    assert WEB_FACTORY in web["command"]
    unknown = set(web["environment"]) - web_variables()
    assert not unknown, f"the web app gets {sorted(unknown)}, which its settings never read"
    port = dockerfile_port()
    for name in SERVICES_THE_WEB_APP_CALLS:
        assert web["environment"][f"TRELLIS_{name.upper()}_URL"] == f"http://{name}:{port}"
    assert set(web["depends_on"]) == {app.name for app in SERVICE_APPS}
    health_path = web["healthcheck"]["test"][-1]
    built = create_web_app(WebSettings(jwt_secret="x" * 32))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=built), base_url="http://web") as client:
        assert (await client.get(health_path)).status_code == 200
