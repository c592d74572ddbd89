"""The feedback service's composition root: database pool, event store, identity, HTTP API and,
when Kafka is configured, the outbox relay and the consumer of the goals topic; the sweeps
(reminders, closing, missed cadences, erasing what anonymity kept) on a schedule."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from trellis_feedback.api import conversations, feedback, organisation, requests
from trellis_feedback.api.context import install_id_taken_handler
from trellis_feedback.application import FeedbackApplication, utc_now
from trellis_feedback.consumers.goals import goals_consumer
from trellis_feedback.settings import FeedbackSettings
from trellis_kernel.health import health_router
from trellis_kernel.http import export_router, service_api, service_runtime
from trellis_kernel.http.privacy import privacy_router
from trellis_kernel.identity import TokenVerifier, bearer_principal
from trellis_kernel.observability import configure_tracing
from trellis_kernel.privacy import DataKeyStore

logger = logging.getLogger(__name__)

RELAY_NAME = "feedback-outbox"

_RESPONSE_PATH = re.compile(r"^/feedback-requests/[^/]+/(answers|declines)")


class ResponderAddressFilter(logging.Filter):
    """Access log lines of answers and declines keep no client address: for an anonymous request,
    the address of whoever answered could tell who it was."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if (
            isinstance(args, tuple)
            and len(args) >= 3
            and isinstance(args[2], str)
            and _RESPONSE_PATH.match(args[2])
        ):
            record.args = ("-", *args[1:])
        return True


def create_app(
    settings: FeedbackSettings | None = None,
    *,
    verifier: TokenVerifier | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    settings = settings or FeedbackSettings.from_env()
    token_verifier = verifier or settings.token_verifier()
    configure_tracing("feedback")
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, ResponderAddressFilter) for f in access_log.filters):
        access_log.addFilter(ResponderAddressFilter())

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_runtime(
            app, database_url=settings.database_url, kafka_bootstrap_servers=settings.kafka_bootstrap_servers
        ) as runtime:
            keys = DataKeyStore(runtime.pool, settings.key_encryption())
            service = FeedbackApplication(runtime.pool, keys, clock=clock)
            await service.setup()
            runtime.flush_at_stop(service.store)
            app.state.feedback = service
            if settings.kafka_bootstrap_servers:
                await runtime.start_outbox_relay(
                    name=RELAY_NAME, store=service.store, topic=settings.events_topic
                )
                broker = KafkaBroker(settings.kafka_bootstrap_servers, logger=None)
                consumer = goals_consumer(
                    settings.goals_consumer_group,
                    broker=broker,
                    pool=runtime.pool,
                    topic=settings.goals_topic,
                    on_person_erased=service.forget_person,
                )
                await runtime.start_consumers(broker, [consumer])
                app.state.goals_consumer = consumer
            if settings.sweep_seconds > 0:
                retention = timedelta(days=settings.anonymous_retention_days)
                runtime.run_in_background(
                    _sweep_forever(service, settings.sweep_seconds, retention), name="feedback-sweeps"
                )
            yield

    app = service_api(
        title="Trellis feedback",
        version="1.0.0",
        summary="Feedback requests to several people, 360 and upward feedback with anonymity that holds, "
        "and performance conversations between employees and their managers on a cadence.",
        lifespan=lifespan,
        # Who answered an anonymous request must not be traceable: no span of the request (its
        # client's address, its caller's trace) leads to what the answer records.
        untraced_paths=(_RESPONSE_PATH.pattern.removeprefix("^"),),
    )
    install_id_taken_handler(app)
    app.state.authenticate = bearer_principal(token_verifier)
    app.include_router(health_router())
    app.include_router(
        export_router("feedback", lambda r: r.app.state.feedback.store, lambda r: r.app.state.feedback.codec)
    )
    # The key endpoint for integrators (and HR's record of who read which key); erasure is the
    # goals service's, which tells this one with PersonErased.
    app.include_router(
        privacy_router(lambda request: request.app.state.feedback.keys, app.state.authenticate)
    )
    for module in (requests, feedback, conversations, organisation):
        app.include_router(module.router)
    return app


async def _sweep_forever(service: FeedbackApplication, interval: float, retention: timedelta) -> None:
    while True:
        try:
            report = await service.sweep(retention=retention)
            if (
                report.reminded
                or report.closed
                or report.cadences_missed
                or report.erased
                or report.retention_runs
            ):
                logger.info(
                    "sweeps: %d reminders, %d requests closed, %d cadences missed, %d anonymous requests erased,"
                    " %d retention runs",
                    report.reminded,
                    report.closed,
                    report.cadences_missed,
                    report.erased,
                    report.retention_runs,
                )
        except Exception:
            logger.exception("the feedback sweeps failed; retrying next round")
        await asyncio.sleep(interval)
