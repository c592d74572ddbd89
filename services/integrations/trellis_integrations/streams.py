"""The event streams of the integrations service: one per subscription, scoped by organisation."""

from __future__ import annotations

from trellis_kernel.store import organisation_stream_id


def subscription_stream(organisation_id: str, subscription_id: str) -> str:
    return organisation_stream_id("subscription", organisation_id, subscription_id)
