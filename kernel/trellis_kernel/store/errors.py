"""What an append can fail with. Each error means nothing of the append was stored."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from uuid import UUID


class ExpectedVersion(enum.Enum):
    """What a writer expects of a stream besides an exact version number.

    append(expected=...) takes an int (the stream's current version, 0 for a new stream),
    ExpectedVersion.NO_STREAM (same as 0) or ExpectedVersion.ANY (no check).
    """

    ANY = "any"
    NO_STREAM = "no_stream"


Expected = int | ExpectedVersion


class EventStoreError(Exception):
    """Base of the store's errors."""


class ConcurrencyConflict(EventStoreError):
    """The stream was not at the version the writer expected; nothing was stored.

    Decide again on the current state (a command handler retries this when told to) or tell the
    caller (HTTP 409 with ``current_version``).
    """

    def __init__(self, stream_id: str, expected: Expected, current_version: int) -> None:
        shown = expected.value if isinstance(expected, ExpectedVersion) else expected
        super().__init__(f"stream {stream_id!r} is at version {current_version}, the writer expected {shown}")
        self.stream_id = stream_id
        self.expected = expected
        self.current_version = current_version


class DuplicateEvent(EventStoreError):
    """An event with one of these ids is stored already; nothing was stored.

    Usually a retried append whose first attempt did commit: answer it as done.
    """

    def __init__(self, stream_id: str, event_ids: Sequence[UUID] = (), detail: str | None = None) -> None:
        ids = ", ".join(str(event_id) for event_id in event_ids) or detail or "unknown"
        super().__init__(f"appending to {stream_id!r}: event ids already stored: {ids}")
        self.stream_id = stream_id
        self.event_ids = tuple(event_ids)


class StaleTransaction(EventStoreError):
    """Retry in a fresh transaction: this one started writing too early for the stream.

    The store orders events globally by the id of their writing transaction, and a transaction
    takes its id at its first write. A transaction that wrote something else first (a consumer's
    processed-event claim) may hold an id older than the one that committed the stream's last
    event; storing the next version under it would put version n+1 before version n for every
    reader of the global order (the relay, projections). Nothing was stored; roll the whole
    transaction back and run it again: a fresh transaction's first write takes a newer id.
    EventConsumer and CommandHandler (with their own transaction) do this themselves.
    """

    def __init__(self, stream_id: str, version: int) -> None:
        super().__init__(
            f"stream {stream_id!r}: version {version} was committed by a transaction newer than this "
            "one, which started writing earlier; roll back and retry in a fresh transaction"
        )
        self.stream_id = stream_id
        self.version = version


class InvalidValue(EventStoreError, ValueError):
    """A value the store refuses before it reaches the database (or the broker, later).

    ``field`` names what was wrong (``stream_id``, ``payload``, ``metadata.principal``,
    ``expected``...), ``reason`` says why. A caller's mistake: HTTP 422, not a retry.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
