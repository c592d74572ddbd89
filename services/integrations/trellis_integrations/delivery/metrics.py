"""Webhook and LRS (xAPI) deliveries as Prometheus sees them, beside the kernel's metrics."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

DELIVERIES = Counter(
    "trellis_deliveries",
    "Delivery attempts, by kind (webhook, xapi) and outcome (delivered, retry, rejected, gone)",
    ["kind", "outcome"],
)
DELIVERY_SECONDS = Histogram(
    "trellis_delivery_seconds",
    "How long a receiver took to answer a delivery attempt",
    ["kind"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
