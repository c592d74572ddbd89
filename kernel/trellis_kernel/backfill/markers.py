"""How a replayed record says which backfill it belongs to, and how a replay says it has ended.

Every record a backfill publishes is the event exactly as the relay publishes it (a binary-mode
CloudEvent keyed by its stream id) plus the header ``trellis-backfill-id``. When the replay is
done it sends one end marker to every partition of the topic: an empty record with the headers
below and no ``ce_`` headers (a CloudEvents reader sees no event in it). A consumer that has read
the marker of every partition has read the whole replay, since each partition keeps its order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

BACKFILL_ID = "trellis-backfill-id"
END = "trellis-backfill-end"
PARTITION = "trellis-backfill-partition"
PARTITIONS = "trellis-backfill-partitions"
EVENTS = "trellis-backfill-events"


@dataclass(frozen=True)
class EndMarker:
    """The end of one backfill's replay in one partition of its topic."""

    backfill_id: UUID
    partition: int
    partitions: int
    events: int

    def headers(self) -> list[tuple[str, bytes]]:
        return [
            (BACKFILL_ID, str(self.backfill_id).encode()),
            (END, b"true"),
            (PARTITION, str(self.partition).encode()),
            (PARTITIONS, str(self.partitions).encode()),
            (EVENTS, str(self.events).encode()),
        ]


def _text(headers: Iterable[tuple[str, bytes | None]]) -> Mapping[str, str]:
    return {name.lower(): raw.decode("utf-8", "replace") for name, raw in headers if raw is not None}


def backfill_id_of(headers: Iterable[tuple[str, bytes | None]]) -> UUID | None:
    """The backfill a record was replayed by, or None for a record published live."""
    value = _text(headers).get(BACKFILL_ID)
    return None if value is None else UUID(value)


def end_marker(headers: Iterable[tuple[str, bytes | None]]) -> EndMarker | None:
    """The end marker a record is, or None for an event."""
    text = _text(headers)
    if text.get(END) != "true":
        return None
    return EndMarker(
        backfill_id=UUID(text[BACKFILL_ID]),
        partition=int(text[PARTITION]),
        partitions=int(text[PARTITIONS]),
        events=int(text.get(EVENTS, "0")),
    )
