from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider


@pytest.fixture
def tracer_provider() -> TracerProvider:
    """The process's SDK tracer provider (set here unless a service already set one): the
    services' ``configure_tracing`` leaves a provider it finds in place."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(TracerProvider())
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    return provider
