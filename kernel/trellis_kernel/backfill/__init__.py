"""Backfill: replay a service's stored history to a Kafka topic, throttled and resumable.

``Backfills`` records requests and shows their progress; ``BackfillRunner`` runs them in the
owning service; ``backfill_router`` is the admin endpoint; ``markers`` is how replayed records
and the end of a replay look on the topic.
"""

from trellis_kernel.backfill.markers import EndMarker, backfill_id_of, end_marker
from trellis_kernel.backfill.requests import (
    Backfill,
    BackfillConflict,
    BackfillRequest,
    Backfills,
    UnknownBackfill,
)
from trellis_kernel.backfill.runner import BackfillRunner, BackfillSettings

__all__ = [
    "Backfill",
    "BackfillConflict",
    "BackfillRequest",
    "BackfillRunner",
    "BackfillSettings",
    "Backfills",
    "EndMarker",
    "UnknownBackfill",
    "backfill_id_of",
    "end_marker",
]
