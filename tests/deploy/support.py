"""What the deployment tests compare against, read from the code and the Dockerfile."""

from __future__ import annotations

import importlib
import re

import httpx
from fastapi import FastAPI

from trellis_deploy.container.image import DOCKERFILE
from trellis_deploy.services import ServiceApp


def dockerfile_port() -> int:
    """The port the image's services listen on: the Dockerfile's TRELLIS_PORT."""
    found = re.search(r"^ENV .*\bTRELLIS_PORT=(\d+)", DOCKERFILE.read_text(), re.MULTILINE)
    assert found, "deploy/Dockerfile sets no TRELLIS_PORT"
    return int(found.group(1))


async def status_of(app: ServiceApp, path: str) -> int:
    """The status the service's real ASGI app (built, not started) answers a GET of ``path`` with."""
    module_name, _, factory_name = app.factory.partition(":")
    factory = getattr(importlib.import_module(module_name), factory_name)
    settings = app.settings_class()(database_url="postgresql://nobody@127.0.0.1:1/none", jwt_secret="x" * 32)
    built: FastAPI = factory(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=built), base_url="http://service") as client:
        return (await client.get(path)).status_code
