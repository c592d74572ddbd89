"""The recognition service's composition root: database pool, event store, identity, HTTP API
and, when Kafka is configured, the outbox relay and the consumer of the goals and feedback
topics."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import datetime

from fastapi import FastAPI, Request
from faststream.kafka import KafkaBroker

from trellis_kernel.consumers import ConsumerSettings
from trellis_kernel.health import CheckResult, ReadinessCheck, health_router
from trellis_kernel.http import export_router, service_api, service_runtime
from trellis_kernel.http.privacy import privacy_router
from trellis_kernel.identity import TokenVerifier, bearer_principal
from trellis_kernel.observability import configure_tracing
from trellis_kernel.privacy import DataKeyStore
from trellis_recognition.api import approvals, budgets, policies, recognitions, views
from trellis_recognition.application import RecognitionApplication, utc_now
from trellis_recognition.consumers import recognition_consumer
from trellis_recognition.settings import RecognitionSettings

RELAY_NAME = "recognition-outbox"


def create_app(
    settings: RecognitionSettings | None = None,
    *,
    verifier: TokenVerifier | None = None,
    clock: Callable[[], datetime] = utc_now,
    consumer_settings: ConsumerSettings | None = None,
) -> FastAPI:
    settings = settings or RecognitionSettings.from_env()
    token_verifier = verifier or settings.token_verifier()
    configure_tracing("recognition")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Required at start (MissingSetting says how to set it): personal text is sealed with it.
        key_encryption = settings.key_encryption()
        async with service_runtime(
            app,
            database_url=settings.database_url,
            kafka_bootstrap_servers=settings.kafka_bootstrap_servers,
            # One connection per consumer worker and topic besides those the API uses.
            pool_size=10 + 2 * settings.consumer_workers,
        ) as runtime:
            keys = DataKeyStore(runtime.pool, key_encryption)
            recognition = RecognitionApplication(runtime.pool, keys, clock=clock)
            await recognition.setup()
            runtime.flush_at_stop(recognition.store)
            app.state.recognition = recognition
            if settings.kafka_bootstrap_servers:
                await runtime.start_outbox_relay(
                    name=RELAY_NAME, store=recognition.store, topic=settings.events_topic
                )
                broker = KafkaBroker(
                    settings.kafka_bootstrap_servers,
                    log_level=logging.DEBUG,  # one line per consumed event is noise at INFO
                    graceful_timeout=10.0,  # let the event in hand commit before stopping
                )
                consumer = recognition_consumer(
                    recognition,
                    broker,
                    [settings.goals_topic, settings.feedback_topic],
                    name=settings.consumer_group,
                    settings=replace(
                        consumer_settings or ConsumerSettings(), workers=settings.consumer_workers
                    ),
                )
                await runtime.start_consumers(broker, [consumer])
                app.state.consumer = consumer
                runtime.readiness.add("consumer", _consumer_check(broker))
            yield

    app = service_api(
        title="Trellis recognition",
        version="1.0.0",
        summary="Reward policies as data, recognition and rewards for real growth (each once), "
        "budgets, HR approval of held rewards and pay changes, backtests, peer recognition.",
        lifespan=lifespan,
    )
    app.state.authenticate = bearer_principal(token_verifier)
    app.include_router(health_router())
    app.include_router(
        export_router("recognition", lambda r: r.app.state.recognition.store, lambda r: r.app.state.recognition.codec)
    )
    for module in (policies, budgets, approvals, recognitions, views):
        app.include_router(module.router)
    # The key endpoint for integrators; people are erased in the goals service (PersonErased).
    app.include_router(privacy_router(_data_keys, app.state.authenticate))
    return app


def _data_keys(request: Request) -> DataKeyStore:
    application: RecognitionApplication = request.app.state.recognition
    return application.keys


def _consumer_check(broker: KafkaBroker) -> ReadinessCheck:
    """Passes while the consumer's broker connection answers."""

    async def check() -> CheckResult:
        if await broker.ping(timeout=2.0):
            return CheckResult(True, "consuming")
        return CheckResult(False, "the consumer's broker connection does not answer")

    return check
