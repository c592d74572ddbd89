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
from trellis_goals.event_codec import GOALS_CONTRACTS
from trellis_goals.settings import GoalsSettings
from trellis_kernel.backfill import BackfillRunner, Backfills, BackfillSettings
from trellis_kernel.backfill.api import backfill_router
from trellis_kernel.health import health_router
from trellis_kernel.http import IdempotencyKeys, export_router, privacy_router, service_api, service_runtime
from trellis_kernel.identity import TokenVerifier, bearer_principal
from trellis_kernel.observability import configure_tracing
from trellis_kernel.relay.cloudevents import encode_cloudevent

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
        async with service_runtime(
            app, database_url=settings.database_url, kafka_bootstrap_servers=settings.kafka_bootstrap_servers
        ) as runtime:
            goals = GoalsApplication(runtime.pool, settings.key_encryption(), clock=clock)
            await goals.setup()
            runtime.flush_at_stop(goals.store)
            app.state.goals = goals
            keys = IdempotencyKeys(runtime.pool)
            await keys.setup()
            app.state.idempotency_keys = keys
            app.state.backfills = Backfills(runtime.pool)
            await app.state.backfills.setup()
            if settings.kafka_bootstrap_servers:
                await runtime.start_outbox_relay(
                    name=RELAY_NAME, store=goals.store, topic=settings.events_topic
                )
                backfill = BackfillRunner(
                    dsn=settings.database_url,
                    store=goals.store,
                    bootstrap_servers=settings.kafka_bootstrap_servers,
                    encode=encode_cloudevent,
                    settings=BackfillSettings(service="goals"),
                )
                runtime.run_in_background(backfill.run(), name="goals-backfills")
            if settings.overdue_sweep_seconds > 0:
                runtime.run_in_background(
                    _sweep_forever(goals, settings.overdue_sweep_seconds), name="goals-overdue-sweep"
                )
            yield

    app = service_api(
        title="Trellis goals",
        version="1.0.0",
        summary="Vision and values, SMART goals set collaboratively, milestones, check-ins, "
        "reviews, career tracks and development activities.",
        lifespan=lifespan,
    )
    app.state.authenticate = bearer_principal(token_verifier)
    app.include_router(health_router())
    app.include_router(
        export_router("goals", lambda r: r.app.state.goals.store, lambda r: r.app.state.goals.codec)
    )
    for module in (goal_commands, goal_queries, people, career_tracks):
        app.include_router(module.router)
    app.include_router(backfill_router(GOALS_CONTRACTS.event_types))
    app.include_router(
        privacy_router(
            lambda request: request.app.state.goals.keys,
            app.state.authenticate,
            erasure=True,
            on_erased=lambda connection, erasure: app.state.goals.erasures.record(connection, erasure),
        )
    )
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
