"""The integrations service's composition root: database pool, event store, identity, HTTP API,
the dispatcher and, when Kafka is configured, the consumers of the services' topics and of the
backfill topic."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker

from trellis_integrations.api import routes
from trellis_integrations.application import IdTaken, IntegrationsApplication, utc_now
from trellis_integrations.consumers.backfill import backfill_consumer
from trellis_integrations.consumers.live import live_consumer
from trellis_integrations.delivery.dispatcher import Dispatcher, DispatcherSettings
from trellis_integrations.delivery.webhooks import WebhookTransport
from trellis_integrations.delivery.xapi import XapiTransport
from trellis_integrations.domain.endpoints import EndpointRules
from trellis_integrations.event_codec import INTEGRATIONS_CODEC
from trellis_integrations.settings import IntegrationsSettings
from trellis_integrations.topics import ensure_backfill_topic
from trellis_kernel.consumers import ConsumerSettings
from trellis_kernel.health import BrokerCheck, health_router
from trellis_kernel.http import export_router, service_api, service_runtime
from trellis_kernel.identity import TokenVerifier, bearer_principal
from trellis_kernel.observability import configure_tracing

logger = logging.getLogger(__name__)


def create_app(
    settings: IntegrationsSettings | None = None,
    *,
    verifier: TokenVerifier | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    settings = settings or IntegrationsSettings.from_env()
    token_verifier = verifier or settings.token_verifier()
    configure_tracing("integrations")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_runtime(
            app,
            database_url=settings.database_url,
            kafka_bootstrap_servers=settings.kafka_bootstrap_servers,
            pool_size=12,
        ) as runtime:
            integrations = IntegrationsApplication(
                runtime.pool, rules=EndpointRules(loopback_http=settings.loopback_http), clock=clock
            )
            await integrations.setup()
            app.state.integrations = integrations
            app.state.backfill_topic = settings.backfill_topic
            client = await runtime.stack.enter_async_context(
                httpx.AsyncClient(
                    limits=httpx.Limits(
                        max_connections=settings.max_concurrent_deliveries,
                        max_keepalive_connections=settings.max_concurrent_deliveries,
                    ),
                    headers={"accept": "application/json"},
                )
            )
            dispatcher = Dispatcher(
                pool=runtime.pool,
                dsn=settings.database_url,
                transports={
                    "webhook": WebhookTransport(client),
                    "xapi": XapiTransport(client, activity_base=settings.xapi_activity_base),
                },
                policy=settings.retry,
                disable=integrations.disable_for_receiver,
                clock=clock,
                settings=DispatcherSettings(
                    max_concurrent=settings.max_concurrent_deliveries,
                    backfill_per_second=settings.backfill_per_second,
                    lease_margin=settings.lease_margin_seconds,
                    poll_interval=settings.poll_seconds,
                    retention=timedelta(days=settings.delivery_retention_days),
                ),
            )
            app.state.dispatcher = dispatcher
            task = asyncio.create_task(dispatcher.run(), name="integrations-dispatcher")
            runtime.stack.push_async_callback(dispatcher.stop, task)
            if settings.kafka_bootstrap_servers:
                await ensure_backfill_topic(settings.kafka_bootstrap_servers, settings.backfill_topic)
                broker = KafkaBroker(settings.kafka_bootstrap_servers)
                consumers = [
                    live_consumer(
                        settings.consumer_group,
                        broker=broker,
                        pool=runtime.pool,
                        topics=settings.topics,
                        clock=clock,
                    ),
                    backfill_consumer(
                        f"{settings.consumer_group}-backfill",
                        broker=broker,
                        pool=runtime.pool,
                        topic=settings.backfill_topic,
                        clock=clock,
                        # a replay comes all at once: in batches, at the backfill's pace
                        settings=ConsumerSettings(
                            batch_size=500, max_records_per_second=settings.backfill_per_second * 2
                        ),
                    ),
                ]
                await runtime.start_consumers(broker, consumers)
                check = await runtime.stack.enter_async_context(BrokerCheck(settings.kafka_bootstrap_servers))
                runtime.readiness.add("broker", check)
            yield

    app = service_api(
        title="Trellis integrations",
        version="1.0.0",
        summary="Signed webhooks (Standard Webhooks) for payroll and other systems, xAPI statements "
        "to a Learning Record Store, and backfills of the services' history.",
        lifespan=lifespan,
    )
    app.state.authenticate = bearer_principal(token_verifier)

    @app.exception_handler(IdTaken)
    async def id_taken(_: Request, error: IdTaken) -> JSONResponse:
        return JSONResponse(
            status_code=status.HTTP_409_CONFLICT,
            content={"detail": str(error), "current_version": error.current_version},
        )

    app.include_router(health_router())
    app.include_router(
        export_router("integrations", lambda r: r.app.state.integrations.store, lambda r: INTEGRATIONS_CODEC)
    )
    app.include_router(routes.router)
    return app
