"""`trellis projections list|rebuild`: a service's read models replayed from its event store."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Sequence

from trellis_deploy import infrastructure
from trellis_deploy.services import service_app
from trellis_kernel.projections import Projection
from trellis_kernel.projections.rebuild import rebuild_in_database


def inline_projections(service: str) -> Sequence[Projection]:
    module_name, _, attribute = service_app(service).inline_projections.partition(":")
    projections: Sequence[Projection] = getattr(importlib.import_module(module_name), attribute)
    return projections


def list_projections(service: str) -> list[str]:
    return [f"{p.name} (inline; tables: {', '.join(p.tables)})" for p in inline_projections(service)]


def rebuild_projection(service: str, name: str) -> str:
    """Replays the projection from the first event into fresh tables and swaps them in."""
    matching = [p for p in inline_projections(service) if p.name == name]
    if not matching:
        known = ", ".join(p.name for p in inline_projections(service))
        raise ValueError(f"the {service} service has no projection {name!r}; it has: {known}")
    dsn = infrastructure.up().database_urls.get(service)
    if dsn is None:
        raise ValueError(f"set {service.upper()}_DATABASE_URL (or DATABASE_URL) to the {service} database")
    position = asyncio.run(rebuild_in_database(dsn, matching[0], inline=True))
    return (
        f"rebuilt {name} from the {service} event store up to position "
        f"{position.transaction_id}/{position.global_position}"
    )
