"""What a service shows of itself: Prometheus metrics, OpenTelemetry traces, JSON logs."""

from trellis_kernel.observability.logs import log_context, logging_config
from trellis_kernel.observability.metrics import (
    METRICS_PATH,
    ConsumerLag,
    Samplers,
    metrics_router,
    relay_lag_sampler,
)
from trellis_kernel.observability.tracing import configure_tracing, context_from, current_traceparent

__all__ = [
    "METRICS_PATH",
    "ConsumerLag",
    "Samplers",
    "configure_tracing",
    "context_from",
    "current_traceparent",
    "log_context",
    "logging_config",
    "metrics_router",
    "relay_lag_sampler",
]
