"""`trellis projections list|rebuild`: a service's read models replayed from its event store.

A service names its inline projections as a sequence, or as a function of its database pool
(read models that open personal text need the service's data keys, kept in that database)."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Sequence
from typing import TypeVar

from trellis_deploy import infrastructure
from trellis_deploy.services import service_app
from trellis_kernel.projections import Projection
from trellis_kernel.projections.rebuild import rebuild
from trellis_kernel.store import EventStore, Pool, Position, create_pool

T = TypeVar("T")
Projections = Sequence[Projection] | Callable[[Pool], Sequence[Projection]]


def _declared(service: str) -> Projections:
    module_name, _, attribute = service_app(service).inline_projections.partition(":")
    declared: Projections = getattr(importlib.import_module(module_name), attribute)
    return declared


def inline_projections(service: str, pool: Pool) -> Sequence[Projection]:
    declared = _declared(service)
    return declared(pool) if callable(declared) else declared


def _database(service: str) -> str:
    dsn = infrastructure.up().database_urls.get(service)
    if dsn is None:
        raise ValueError(f"set {service.upper()}_DATABASE_URL (or DATABASE_URL) to the {service} database")
    return dsn


def list_projections(service: str) -> list[str]:
    declared = _declared(service)
    if callable(declared):
        return asyncio.run(_in_database(service, lambda projections, _: _listed(projections)))
    return _listed(declared)


def _listed(projections: Sequence[Projection]) -> list[str]:
    return [f"{p.name} (inline; tables: {', '.join(p.tables)})" for p in projections]


async def _in_database(service: str, work: Callable[[Sequence[Projection], Pool], T]) -> T:
    pool = await create_pool(_database(service), min_size=1, max_size=2)
    try:
        return work(inline_projections(service, pool), pool)
    finally:
        await pool.close()


def rebuild_projection(service: str, name: str) -> str:
    """Replays the projection from the first event into fresh tables and swaps them in."""
    position = asyncio.run(_rebuild(service, name))
    return (
        f"rebuilt {name} from the {service} event store up to position "
        f"{position.transaction_id}/{position.global_position}"
    )


async def _rebuild(service: str, name: str) -> Position:
    pool = await create_pool(_database(service), min_size=1, max_size=2)
    try:
        projections = inline_projections(service, pool)
        matching = [p for p in projections if p.name == name]
        if not matching:
            known = ", ".join(p.name for p in projections)
            raise ValueError(f"the {service} service has no projection {name!r}; it has: {known}")
        store = EventStore(pool)
        await store.setup()
        return await rebuild(store, matching[0], inline=True)
    finally:
        await pool.close()
