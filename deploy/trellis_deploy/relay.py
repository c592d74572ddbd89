"""`trellis relay quarantined|retry|lag`: a service's outbox relay, seen from its database.

Nothing here talks to Kafka: a retry is asked of the service's leading relay (through its
database), which publishes the stream's set-aside events in version order; the command waits
for the outcome.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from uuid import UUID

from trellis_deploy import infrastructure
from trellis_deploy.services import service_app
from trellis_kernel.relay import SetAsideEvent, quarantine, relay_lag
from trellis_kernel.relay.checkpoints import RelayCheckpoints
from trellis_kernel.store import EventStore, create_pool


def relay_name(service: str) -> str:
    path = service_app(service).relay_name
    if path is None:
        raise ValueError(f"the {service} service publishes no events: it has no relay")
    module_name, _, attribute = path.partition(":")
    name: str = getattr(importlib.import_module(module_name), attribute)
    return name


def _database(service: str) -> str:
    dsn = infrastructure.up().database_urls.get(service)
    if dsn is None:
        raise ValueError(f"set {service.upper()}_DATABASE_URL (or DATABASE_URL) to the {service} database")
    return dsn


def describe(event: SetAsideEvent) -> str:
    return (
        f"{event.event_id}  {event.stream_id} v{event.version}  {event.event_type}  [{event.status}]"
        f"  {event.reason}: {event.error}  (attempts {event.attempts},"
        f" set aside {event.quarantined_at:%Y-%m-%d %H:%M:%S%z})"
    )


async def _listed(dsn: str, name: str) -> list[SetAsideEvent]:
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as connection:
            await quarantine.setup(connection)
            return await quarantine.listed(connection, name)
    finally:
        await pool.close()


def list_set_aside(service: str) -> list[str]:
    events = asyncio.run(_listed(_database(service), relay_name(service)))
    if not events:
        return [f"the {service} relay has no event set aside"]
    return [describe(event) for event in events]


async def _retry(dsn: str, name: str, event_id: UUID, wait_seconds: float) -> tuple[bool, list[str]]:
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as connection:
            await quarantine.setup(connection)
            requested = await quarantine.request_retry(connection, name, event_id)
            ids = {event.event_id for event in requested}
            lines = [f"asked the relay to publish {len(ids)} set-aside event(s) of {requested[0].stream_id}"]
            deadline = time.monotonic() + wait_seconds
            while True:
                current = {
                    e.event_id: e
                    for e in await quarantine.listed(connection, name, include_published=True)
                    if e.event_id in ids
                }
                settled = all(e.status != "retry requested" for e in current.values())
                if settled or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
        lines += [describe(event) for event in sorted(current.values(), key=lambda e: e.version)]
        if not settled:
            lines.append(f"not answered within {wait_seconds:.0f}s: is the service (its relay) running?")
        return all(e.status == "published" for e in current.values()), lines
    finally:
        await pool.close()


def retry(service: str, event_id: str, wait_seconds: float = 30.0) -> tuple[bool, list[str]]:
    return asyncio.run(_retry(_database(service), relay_name(service), UUID(event_id), wait_seconds))


async def _lag(dsn: str, name: str) -> list[str]:
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        store = EventStore(pool)
        await store.setup()
        async with pool.acquire() as connection:
            await RelayCheckpoints(name).setup(connection)
            await quarantine.setup(connection)
            lag = await relay_lag(connection, name)
    finally:
        await pool.close()
    return [
        f"events stored, not yet published: {lag.waiting}",
        f"oldest of them waits for: {lag.oldest_waiting_seconds:.1f}s",
        f"events set aside: {lag.set_aside}",
    ]


def lag(service: str) -> list[str]:
    return asyncio.run(_lag(_database(service), relay_name(service)))
