"""The environment variables a service reads, learnt by running its settings class.

A service's settings class reads its configuration in ``from_env``. Running it while every
read of ``os.environ`` is recorded gives the exact names it knows, with nothing kept by hand:
the compose file, the Kubernetes manifests and their tests use these names. Each read is
answered as if the variable were unset, with a placeholder for reads that have no default, so
``from_env`` goes through every read.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from trellis_deploy.services import ServiceApp

PLACEHOLDER = "recorded"

SERVING_VARIABLES = frozenset({"TRELLIS_PORT"})
"""Read by `trellis serve` and `trellis health` (the port the service listens on in a container)."""


def settings_variables(app: ServiceApp) -> frozenset[str]:
    """Every environment variable the service's settings class reads."""
    return variables_read(app.settings_class())


def web_variables() -> frozenset[str]:
    """Every environment variable the web app's settings read."""
    from trellis_web.settings import WebSettings

    return variables_read(WebSettings)


def variables_read(settings_class: Any) -> frozenset[str]:
    """The names ``settings_class.from_env()`` reads from os.environ."""
    with _recording_environ() as names:
        settings_class.from_env()
    return frozenset(names)


def container_variables(app: ServiceApp) -> frozenset[str]:
    """What a container of the service may be given: its settings and the serving port."""
    return settings_variables(app) | SERVING_VARIABLES


@contextlib.contextmanager
def _recording_environ() -> Iterator[set[str]]:
    names: set[str] = set()
    environ_type = type(os.environ)
    original_get = environ_type.get
    original_getitem = environ_type.__getitem__

    def get(self: Any, key: str, default: Any = None) -> Any:
        if self is not os.environ:
            return original_get(self, key, default)
        names.add(key)
        return PLACEHOLDER if default is None else default

    def getitem(self: Any, key: str) -> Any:
        if self is not os.environ:
            return original_getitem(self, key)
        names.add(key)
        return PLACEHOLDER

    environ_type.get = get  # type: ignore[method-assign]
    environ_type.__getitem__ = getitem  # type: ignore[method-assign]
    try:
        yield names
    finally:
        environ_type.get = original_get  # type: ignore[method-assign]
        environ_type.__getitem__ = original_getitem  # type: ignore[method-assign]
