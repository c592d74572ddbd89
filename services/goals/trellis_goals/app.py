"""The goals service's composition root: database pool, event store, identity, HTTP API and,
when Kafka is configured, the outbox relay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from fastapi import FastAPI

from trellis_goals.api import career_tracks, goal_commands, goal_queries, people
from trellis_goals.application import GoalsApplication, utc_now
from trellis_goals.event_codec import GOALS_CODEC
from trellis_goals.settings import GoalsSettings
from trellis_kernel.backfill import BackfillRunner, Backfills, BackfillSettings
from trellis_kernel.backfill.api import backfill_router
from trellis_kernel.health import Readiness, database_check, health_router
from trellis_kernel.http import IdempotencyKeys, service_api
from trellis_kernel.identity import TokenVerifier, bearer_principal
from trellis_kernel.observability import Samplers, configure_tracing
from trellis_kernel.relay.cloudevents import encode_cloudevent
from trellis_kernel.relay.in_service import start_outbox_relay
from trellis_kernel.store import create_pool

logger = logging.getLogger(__name__)

RELAY_NAME = "goals-outbox"


def create_app(
    settings: GoalsSettings | None = None,
    *,
    verifier: TokenVerifier | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    settings = settings or GoalsSettings.from_env()
    token_verifier = verifier or settings.token_verifier()
    configure_tracing("goals")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await create_pool(settings.database_url, min_size=1, max_size=10)
        try:
            goals = GoalsApplication(pool, clock=clock)
            await goals.setup()
            app.state.goals = goals
            keys = IdempotencyKeys(pool)
            await keys.setup()
            app.state.idempotency_keys = keys
            app.state.backfills = Backfills(pool)
            await app.state.backfills.setup()
            readiness = Readiness()
            readiness.add("database", database_check(pool))
            samplers = Samplers()
            async with contextlib.AsyncExitStack() as stack:
                if settings.kafka_bootstrap_servers:
                    await start_outbox_relay(
                        stack,
                        name=RELAY_NAME,
                        database_url=settings.database_url,
                        store=goals.store,
                        bootstrap_servers=settings.kafka_bootstrap_servers,
                        topic=settings.events_topic,
                        readiness=readiness,
                        samplers=samplers,
                    )
                    backfill = BackfillRunner(
                        dsn=settings.database_url,
                        store=goals.store,
                        bootstrap_servers=settings.kafka_bootstrap_servers,
                        encode=encode_cloudevent,
                        settings=BackfillSettings(service="goals"),
                    )
                    backfills = asyncio.create_task(backfill.run(), name="goals-backfills")
                    stack.push_async_callback(_cancel, backfills)
                if settings.overdue_sweep_seconds > 0:
                    sweeper = asyncio.create_task(
                        _sweep_forever(goals, settings.overdue_sweep_seconds),
                        name="goals-overdue-sweep",
                    )
                    stack.push_async_callback(_cancel, sweeper)
                app.state.readiness = readiness
                app.state.metric_samplers = samplers
                yield
            await goals.store.flush_notifications()
        finally:
            await pool.close()

    app = service_api(
        title="Trellis goals",
        version="1.0.0",
        summary="Vision and values, SMART goals set collaboratively, milestones, check-ins, "
        "reviews, career tracks and development activities.",
        lifespan=lifespan,
    )
    app.state.authenticate = bearer_principal(token_verifier)
    app.include_router(health_router())
    for module in (goal_commands, goal_queries, people, career_tracks):
        app.include_router(module.router)
    app.include_router(backfill_router(GOALS_CODEC.event_types))
    return app


async def _sweep_forever(goals: GoalsApplication, interval: float) -> None:
    while True:
        try:
            missed = await goals.sweep_overdue_milestones()
            if missed:
                logger.info("marked %d milestones missed", missed)
        except Exception:
            logger.exception("the overdue-milestone sweep failed; retrying next round")
        await asyncio.sleep(interval)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
