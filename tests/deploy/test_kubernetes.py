"""deploy/k8s renders (pinned Kustomize) into objects the Kubernetes schemas accept, and its
images, ports, probes and variables are the ones the services really use."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import httpx
import kubernetes_validate
import pytest
import yaml

from tests.deploy.support import dockerfile_port, status_of
from trellis_deploy.environment import container_variables, web_variables
from trellis_deploy.kustomize import render
from trellis_deploy.manifests import IMAGE, K8S_DIR, WEB
from trellis_deploy.services import SERVICE_APPS
from trellis_deploy.settings import trellis_home
from trellis_deploy.supervisor.runner import WEB_FACTORY
from trellis_kernel.health import LIVENESS_PATH, READINESS_PATH
from trellis_web.app import create_app as create_web_app
from trellis_web.settings import SERVICES as SERVICES_THE_WEB_APP_CALLS
from trellis_web.settings import WebSettings

KUBERNETES_VERSION = "1.32.0"
OVERLAY = K8S_DIR / "overlays" / "example"

Objects = dict[str, dict[str, dict[str, Any]]]


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    return render(trellis_home(), OVERLAY)


@pytest.fixture(scope="module")
def objects(rendered: list[dict[str, Any]]) -> Objects:
    by_kind: Objects = defaultdict(dict)
    for item in rendered:
        by_kind[item["kind"]][item["metadata"]["name"]] = item
    return by_kind


def test_every_rendered_object_is_valid_against_the_kubernetes_schemas(rendered: list[dict[str, Any]]) -> None:
    kinds = {item["kind"] for item in rendered}
    assert {"Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "ConfigMap", "Secret"} <= kinds
    for item in rendered:
        kubernetes_validate.validate(item, KUBERNETES_VERSION, strict=True)


def test_the_schema_check_catches_a_wrong_field(objects: Objects) -> None:
    broken = yaml.safe_load(yaml.safe_dump(objects["Deployment"][SERVICE_APPS[0].name]))
    broken["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "eight thousand"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_every_service_has_its_deployment_service_budget_and_autoscaler(objects: Objects) -> None:
    for app in SERVICE_APPS:
        deployment = objects["Deployment"][app.name]
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pod_labels.items()
        assert objects["Service"][app.name]["spec"]["selector"] == selector
        assert objects["PodDisruptionBudget"][app.name]["spec"]["selector"]["matchLabels"] == selector
        target = objects["HorizontalPodAutoscaler"][app.name]["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", app.name)
    assert set(objects["Deployment"]) == {app.name for app in SERVICE_APPS} | {WEB}


def test_containers_run_the_image_with_the_services_commands(objects: Objects) -> None:
    overlay = yaml.safe_load((OVERLAY / "kustomization.yaml").read_text())
    (image,) = [entry for entry in overlay["images"] if entry["name"] == IMAGE]
    for app in SERVICE_APPS:
        pod = objects["Deployment"][app.name]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        (migration,) = pod["initContainers"]
        assert container["args"] == ["serve", app.name]
        assert migration["args"] == ["migrate", app.name]
        for each in (container, migration):
            assert each["image"] == f"{image['newName']}:{image['newTag']}"
            assert set(each["resources"]) == {"requests", "limits"}
            assert set(each["resources"]["requests"]) == set(each["resources"]["limits"]) == {"cpu", "memory"}
        assert pod["securityContext"]["runAsNonRoot"] is True


async def test_ports_and_probes_are_the_ones_the_service_serves(objects: Objects) -> None:
    port = dockerfile_port()
    for app in SERVICE_APPS:
        (container,) = objects["Deployment"][app.name]["spec"]["template"]["spec"]["containers"]
        named_ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert named_ports == {"http": port}
        probes = {kind: container[kind]["httpGet"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
        assert probes["readinessProbe"]["path"] == READINESS_PATH
        assert probes["livenessProbe"]["path"] == probes["startupProbe"]["path"] == LIVENESS_PATH
        for probe in probes.values():
            # Not started, the app answers liveness (200) and is not ready yet (503): never 404.
            assert await status_of(app, probe["path"]) in (200, 503), f"{app.name} serves no {probe['path']}"
            assert probe["port"] in named_ports
        service_port = objects["Service"][app.name]["spec"]["ports"][0]
        assert service_port["targetPort"] in named_ports
        scraped = objects["Deployment"][app.name]["spec"]["template"]["metadata"]["annotations"]
        assert (scraped["prometheus.io/port"], scraped["prometheus.io/scrape"]) == (str(port), "true")
        assert await status_of(app, scraped["prometheus.io/path"]) == 200, f"{app.name} serves no metrics"


def test_containers_get_only_variables_their_settings_read(objects: Objects) -> None:
    for app in SERVICE_APPS:
        pod = objects["Deployment"][app.name]["spec"]["template"]["spec"]
        for container in (*pod["containers"], *pod["initContainers"]):
            given = {entry["name"] for entry in container.get("env", [])}
            for source in container["envFrom"]:
                kind, reference = ("ConfigMap", source["configMapRef"]) if "configMapRef" in source else (
                    "Secret", source["secretRef"]
                )
                found = objects[kind].get(reference["name"])
                if found is None:
                    assert reference.get("optional") is True, f"{app.name} needs the missing {kind} {reference['name']}"
                    continue
                given |= set(found.get("data", {}))
            unknown = given - container_variables(app)
            assert not unknown, f"{app.name}'s {container['name']} gets {sorted(unknown)}, which its settings never read"
            assert {f"{app.name.upper()}_DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "TRELLIS_JWKS_URL"} <= given


def given_variables(objects: Objects, container: dict[str, Any]) -> set[str]:
    """The variables a container gets from its env and the ConfigMaps and Secrets it names."""
    given = {entry["name"] for entry in container.get("env", [])}
    for source in container["envFrom"]:
        kind, reference = ("ConfigMap", source["configMapRef"]) if "configMapRef" in source else (
            "Secret", source["secretRef"]
        )
        found = objects[kind].get(reference["name"])
        assert found is not None or reference.get("optional") is True, f"the missing {kind} {reference['name']}"
        given |= set((found or {}).get("data", {}))
    return given


async def test_the_web_app_runs_from_the_same_image_and_reaches_every_service(objects: Objects) -> None:
    deployment = objects["Deployment"][WEB]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    (service_pod,) = objects["Deployment"][SERVICE_APPS[0].name]["spec"]["template"]["spec"]["containers"]
    assert container["image"] == service_pod["image"]
    assert WEB_FACTORY in container["args"] and container["command"] == ["uvicorn"]
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"http": dockerfile_port()}
    assert objects["Service"][WEB]["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert objects["PodDisruptionBudget"][WEB]["spec"]["minAvailable"] == 1

    given = given_variables(objects, container)
    unknown = given - web_variables()
    assert not unknown, f"the web app gets {sorted(unknown)}, which its settings never read"
    # Every replica signs the session cookie with the same key, or a sign-in lasts one request.
    assert "TRELLIS_WEB_SESSION_SECRET" in given
    (config,) = [c for name, c in objects["ConfigMap"].items() if name.startswith("web-config")]
    for name in SERVICES_THE_WEB_APP_CALLS:
        url = config["data"][f"TRELLIS_{name.upper()}_URL"]
        port = objects["Service"][name]["spec"]["ports"][0]["port"]
        assert url in (f"http://{name}", f"http://{name}:{port}") and port == 80, url

    built = create_web_app(WebSettings(jwt_secret="x" * 32))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=built), base_url="http://web") as client:
        for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
            probe = container[kind]["httpGet"]
            assert probe["port"] == "http"
            assert (await client.get(probe["path"])).status_code == 200, f"the web app serves no {probe['path']}"
