"""How a stored event becomes a Kafka record: the service decides the topic and the envelope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from trellis_kernel.store.records import StoredEvent


@dataclass(frozen=True)
class EncodedEvent:
    """A record's value and headers (CloudEvents binary mode: attributes as ``ce_*`` headers)."""

    value: bytes
    headers: list[tuple[str, bytes]]


EventEncoder = Callable[[StoredEvent], EncodedEvent]
"""Turns a stored event into a record; the contracts package supplies the CloudEvents one."""

TopicChooser = Callable[[StoredEvent], str]
"""Picks the topic an event is published to (usually one topic per service)."""


def record_key(event: StoredEvent) -> bytes:
    # Keying by stream sends every event of one aggregate to one partition, in order.
    return event.stream_id.encode()
