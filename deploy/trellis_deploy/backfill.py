"""`trellis backfill start|status|cancel`: a service replays its stored history to a topic.

The request goes into the service's own database; the service's replicas run it (the kernel's
BackfillRunner) and record its progress there, which `status` reads. With ``--subscription`` the
replay goes to the integrations service's backfill topic and the integrations service delivers it
to that one webhook (or xAPI) subscription: this command records the delivery job in the
integrations database first, then asks the service for the replay, limited to the
subscription's organisation and event types.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from trellis_deploy import infrastructure
from trellis_deploy.services import service_app
from trellis_kernel.backfill import Backfill, BackfillRequest, Backfills
from trellis_kernel.store import create_pool

REQUESTED_BY = "trellis-cli"


def _database(service: str) -> str:
    dsn = infrastructure.up().database_urls.get(service)
    if dsn is None:
        raise ValueError(f"set {service.upper()}_DATABASE_URL (or DATABASE_URL) to the {service} database")
    return dsn


def _publishing(service: str) -> str:
    if service_app(service).relay_name is None:
        raise ValueError(f"the {service} service publishes no events: it has no history to replay")
    return service


def parse_since(text: str | None) -> datetime | None:
    """A date (midnight UTC) or an ISO 8601 moment with its offset."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--since {text!r} is neither a date (2026-01-31) nor an ISO 8601 moment") from None
    if moment.tzinfo is None:
        raise ValueError(f"--since {text!r} needs a UTC offset (e.g. 2026-01-31T08:00:00+00:00)")
    return moment


async def _subscription_job(
    integrations_dsn: str,
    service: str,
    subscription: str,
    backfill_id: uuid.UUID,
    since: datetime | None,
    types: Sequence[str] | None,
) -> tuple[str, str, list[str]]:
    """Records the integrations service's delivery job; returns (topic, organisation, types)."""
    from trellis_integrations.application import Admin, IntegrationsApplication
    from trellis_integrations.settings import BACKFILL_TOPIC

    organisation, _, subscription_id = subscription.partition("/")
    if not organisation or not subscription_id:
        raise ValueError("--subscription is <organisation>/<subscription id>")
    pool = await create_pool(integrations_dsn, min_size=1, max_size=2)
    try:
        integrations = IntegrationsApplication(pool)
        await integrations.setup()
        job = await integrations.request_backfill(
            Admin(REQUESTED_BY, organisation, platform_admin=True),
            subscription_id,
            backfill_id=backfill_id,
            service=service,
            since=since,
            event_types=list(types) if types else None,
        )
    finally:
        await pool.close()
    topic = os.environ.get("INTEGRATIONS_BACKFILL_TOPIC", BACKFILL_TOPIC)
    return topic, organisation, list(job["event_types"])


async def _start(
    service: str,
    dsn: str,
    integrations_dsn: str | None,
    *,
    topic: str | None,
    subscription: str | None,
    since: datetime | None,
    types: Sequence[str] | None,
    organisation: str | None,
    rate: int,
    backfill_id: uuid.UUID,
) -> Backfill:
    if (topic is None) == (subscription is None):
        raise ValueError("say where to: --topic <topic> or --subscription <organisation>/<subscription id>")
    if subscription is not None:
        assert integrations_dsn is not None
        topic, organisation, types = await _subscription_job(
            integrations_dsn, service, subscription, backfill_id, since, types
        )
    assert topic is not None
    request = BackfillRequest(
        backfill_id,
        topic,
        since=since,
        event_types=frozenset(types) if types else None,
        organisation_id=organisation,
        rate_per_second=rate,
    )
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        backfills = Backfills(pool)
        await backfills.setup()
        return await backfills.request(request, requested_by=REQUESTED_BY)
    finally:
        await pool.close()


def start(
    service: str,
    *,
    topic: str | None,
    subscription: str | None,
    since: str | None,
    types: Sequence[str] | None,
    organisation: str | None,
    rate: int,
    backfill_id: str | None,
) -> Backfill:
    if (topic is None) == (subscription is None):
        raise ValueError("say where to: --topic <topic> or --subscription <organisation>/<subscription id>")
    return asyncio.run(
        _start(
            _publishing(service),
            _database(service),
            _database("integrations") if subscription is not None else None,
            topic=topic,
            subscription=subscription,
            since=parse_since(since),
            types=types,
            organisation=organisation,
            rate=rate,
            backfill_id=uuid.UUID(backfill_id) if backfill_id else uuid.uuid4(),
        )
    )


async def _status(dsn: str, backfill_id: uuid.UUID | None) -> list[Backfill]:
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        backfills = Backfills(pool)
        await backfills.setup()
        if backfill_id is None:
            return await backfills.listed()
        return [await backfills.get(backfill_id)]
    finally:
        await pool.close()


def status(service: str, backfill_id: str | None = None) -> list[str]:
    found = asyncio.run(
        _status(_database(_publishing(service)), uuid.UUID(backfill_id) if backfill_id else None)
    )
    return [b.describe() for b in found] or [f"the {service} service has no backfills"]


def follow(service: str, backfill_id: str, *, every: float = 1.0, within: float | None = None) -> Backfill:
    """Print the backfill's progress until it has finished (or ``within`` seconds passed)."""
    deadline = None if within is None else time.monotonic() + within
    dsn = _database(_publishing(service))
    while True:
        (current,) = asyncio.run(_status(dsn, uuid.UUID(backfill_id)))
        print(current.describe(), flush=True)
        if current.state not in ("requested", "running"):
            return current
        if deadline is not None and time.monotonic() > deadline:
            return current
        time.sleep(every)


async def _cancel(dsn: str, backfill_id: uuid.UUID) -> Backfill:
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        backfills = Backfills(pool)
        await backfills.setup()
        return await backfills.cancel(backfill_id)
    finally:
        await pool.close()


def cancel(service: str, backfill_id: str) -> str:
    return asyncio.run(_cancel(_database(_publishing(service)), uuid.UUID(backfill_id))).describe()
