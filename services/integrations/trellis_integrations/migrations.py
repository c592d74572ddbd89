"""The integrations service's tables (event store, subscriptions, delivery log) and, with a
broker, its backfill topic: created if missing; safe to run again and beside a running service."""

from __future__ import annotations

from trellis_integrations.application import IntegrationsApplication
from trellis_integrations.settings import IntegrationsSettings
from trellis_integrations.topics import ensure_backfill_topic
from trellis_kernel.store import create_pool


async def migrate(database_url: str) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        await IntegrationsApplication(pool).setup()
    finally:
        await pool.close()
    settings = IntegrationsSettings.from_env()
    if settings.kafka_bootstrap_servers:
        await ensure_backfill_topic(settings.kafka_bootstrap_servers, settings.backfill_topic)
