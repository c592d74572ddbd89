"""`trellis projections list|rebuild`: a service's read models replayed from its event store.

A service names its inline projections as a sequence, or as a function of its database pool
(read models that open personal text need the service's data keys, kept in that database)."""

from __future__ import annotations

import asyncio
import importlib
import os
from collections.abc import Callable, Sequence
from typing import TypeVar

from trellis_deploy import infrastructure, settings
from trellis_deploy.local.secrets import local_key_encryption_keys
from trellis_deploy.services import service_app
from trellis_kernel.privacy import KEY_ENCRYPTION_KEYS_SETTING
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
    # The local stack's key-encryption keys, as `trellis run` hands them to the services.
    os.environ.setdefault(KEY_ENCRYPTION_KEYS_SETTING, local_key_encryption_keys(settings.trellis_home()))
    dsn = infrastructure.up().database_urls.get(service)
    if dsn is None:
        raise ValueError(f"set {service.upper()}_DATABASE_URL (or DATABASE_URL) to the {service} database")
    return dsn


def list_projections(service: str) -> list[str]:
    declared = _declared(service)
    if callable(declared):
        return asyncio.run(_in_database(service, _database(service), lambda projections, _: _listed(projections)))
    return _listed(declared)


def _listed(projections: Sequence[Projection]) -> list[str]:
    return [f"{p.name} (inline; tables: {', '.join(p.tables)})" for p in projections]


async def _in_database(service: str, dsn: str, work: Callable[[Sequence[Projection], Pool], T]) -> T:
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        return work(inline_projections(service, pool), pool)
    finally:
        await pool.close()


def rebuild_projection(service: str, name: str) -> str:
    """Replays the projection from the first event into fresh tables and swaps them in."""
    declared = _declared(service)
    if not callable(declared):
        _named(declared, service, name)  # an unknown name is refused before the database is touched
    position = asyncio.run(_rebuild(service, _database(service), name))
    return (
        f"rebuilt {name} from the {service} event store up to position "
        f"{position.transaction_id}/{position.global_position}"
    )


def _named(projections: Sequence[Projection], service: str, name: str) -> Projection:
    matching = [p for p in projections if p.name == name]
    if not matching:
        known = ", ".join(p.name for p in projections)
        raise ValueError(f"the {service} service has no projection {name!r}; it has: {known}")
    return matching[0]


async def _rebuild(service: str, dsn: str, name: str) -> Position:
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        projection = _named(inline_projections(service, pool), service, name)
        store = EventStore(pool)
        await store.setup()
        return await rebuild(store, projection, inline=True)
    finally:
        await pool.close()
