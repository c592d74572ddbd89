"""The Trellis services `trellis run` starts (one uvicorn process each) and what they need."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import os
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from trellis_deploy import infrastructure, settings
from trellis_deploy.local.secrets import local_jwt_secret, local_key_encryption_keys
from trellis_kernel.privacy import KEY_ENCRYPTION_KEYS_SETTING
from trellis_kernel.settings import ServiceSettings


@dataclass(frozen=True)
class ServiceApp:
    name: str
    factory: str
    """uvicorn factory import path: a callable returning the service's ASGI app."""
    default_port: int
    inline_projections: str
    """Import path of the service's tuple of inline projections (rebuildable from its store), or
    of a function of a pool on its database giving them (read models that need its data keys)."""
    migrations: str | None = None
    """Import path of ``async def migrate(database_url: str) -> None``: its tables, idempotently."""
    relay_name: str | None = None
    """Import path of the name of the service's outbox relay (its checkpoint, its set-aside events)."""
    consumes: tuple[str, ...] = ()
    """The services whose topics it consumes: `trellis migrate` makes sure those topics exist too."""

    @property
    def port(self) -> int:
        return settings.configured_port(f"TRELLIS_{self.name.upper()}_PORT", self.default_port)

    @property
    def package(self) -> str:
        return self.factory.partition(":")[0].split(".")[0]

    def settings_class(self) -> type[ServiceSettings]:
        """The service's settings class: the ServiceSettings subclass its ``settings`` module defines."""
        module = importlib.import_module(f"{self.package}.settings")
        found = [
            value
            for value in vars(module).values()
            if inspect.isclass(value)
            and issubclass(value, ServiceSettings)
            and value.__module__ == module.__name__
        ]
        if len(found) != 1:
            raise LookupError(f"{module.__name__} should define one ServiceSettings subclass, found {found}")
        return found[0]


SERVICE_APPS = (
    ServiceApp(
        "goals",
        factory="trellis_goals.app:create_app",
        default_port=8001,
        inline_projections="trellis_goals.read_models:rebuildable",
        migrations="trellis_goals.migrations:migrate",
        relay_name="trellis_goals.app:RELAY_NAME",
    ),
    ServiceApp(
        "feedback",
        factory="trellis_feedback.app:create_app",
        default_port=8002,
        inline_projections="trellis_feedback.projections:inline_projections",
        migrations="trellis_feedback.migrations:migrate",
        relay_name="trellis_feedback.app:RELAY_NAME",
        consumes=("goals",),
    ),
    ServiceApp(
        "recognition",
        factory="trellis_recognition.app:create_app",
        default_port=8003,
        inline_projections="trellis_recognition.projections:inline_projections",
        migrations="trellis_recognition.migrations:migrate",
        relay_name="trellis_recognition.app:RELAY_NAME",
        consumes=("goals", "feedback"),
    ),
    ServiceApp(
        "integrations",
        factory="trellis_integrations.app:create_app",
        default_port=8004,
        inline_projections="trellis_integrations.projections:PROJECTIONS",
        migrations="trellis_integrations.migrations:migrate",
        consumes=("goals", "feedback", "recognition"),
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
    environment[KEY_ENCRYPTION_KEYS_SETTING] = local_key_encryption_keys(settings.trellis_home())
    return environment


def apply_migrations(app: ServiceApp, database_url: str) -> bool:
    """Runs the service's migrations; False when it declares none (it makes its tables itself)."""
    if app.migrations is None:
        return False
    module, _, name = app.migrations.partition(":")
    migrate: Callable[[str], Coroutine[Any, Any, None]] = getattr(importlib.import_module(module), name)
    asyncio.run(migrate(database_url))
    return True
