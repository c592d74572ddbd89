"""What every Trellis HTTP API shares: its error answers, their documented shapes, and the app.

Use cases raise NotFound, Forbidden, StaleVersion or IdConflict (or a DomainError for a broken
rule); command routers built with ``route_class=IdempotentRoute`` honour the Idempotency-Key
header;
``service_api`` builds a FastAPI app that answers them the same way in every service and
serves its API documentation without a CDN; ``service_runtime`` runs what every service's
lifespan runs (pool, readiness, metric samplers, outbox relay, consumers); ``privacy_router``
gives the data key endpoint (and erasure) every service mounts, ``export_router`` a person's copy
of the service's data about them.
"""

from trellis_kernel.http.errors import Forbidden, IdConflict, NotFound, StaleVersion, install_error_handlers
from trellis_kernel.http.idempotency import IdempotencyKeys, IdempotentRoute
from trellis_kernel.http.lifespan import ServiceRuntime, service_runtime
from trellis_kernel.http.privacy import INTEGRATOR_ROLE, privacy_router
from trellis_kernel.http.privacy_export import export_router
from trellis_kernel.http.problems import (
    COMMAND_RESPONSES,
    QUERY_RESPONSES,
    Accepted,
    Conflict,
    FieldProblem,
    Problems,
    Refusal,
)
from trellis_kernel.http.service_api import service_api

__all__ = [
    "COMMAND_RESPONSES",
    "INTEGRATOR_ROLE",
    "QUERY_RESPONSES",
    "Accepted",
    "Conflict",
    "FieldProblem",
    "Forbidden",
    "IdConflict",
    "IdempotencyKeys",
    "IdempotentRoute",
    "NotFound",
    "Problems",
    "Refusal",
    "ServiceRuntime",
    "StaleVersion",
    "export_router",
    "install_error_handlers",
    "privacy_router",
    "service_api",
    "service_runtime",
]
