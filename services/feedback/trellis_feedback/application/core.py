"""What every use case of the feedback service shares: the command handlers (one per aggregate,
on the kernel's CommandHandler and the service's one codec, with the read models applied in
the append's transaction), the caller's rights, and running a command in one transaction with
what it keeps privately (a request's key, a sealed answer, the receipt of a client's id).

A command runs in a transaction of its own: it reads what it needs, appends through the
handler (joining the transaction), then writes its private rows, so that all of it commits
together or not at all. Losing a race to another writer (ConcurrencyConflict, or a receipt
recorded meanwhile) runs the whole transaction again, unless the caller named the version it
decided on: then the answer is 409 with the current version.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import asyncpg

from trellis_feedback import private_tables, projections, receipts, retention_runs
from trellis_feedback.domain.authorization import Action, Actor, Subject, authorize
from trellis_feedback.domain.cadence import cadence_decider
from trellis_feedback.domain.conversation import conversation_decider
from trellis_feedback.domain.feedback import feedback_decider
from trellis_feedback.domain.request import request_decider
from trellis_feedback.domain.retention import retention_decider
from trellis_feedback.domain.settings import settings_decider
from trellis_feedback.event_codec import feedback_codec
from trellis_feedback.receipts import Receipt
from trellis_kernel.commands import CommandHandler, Decide, Outcome
from trellis_kernel.http import Forbidden, StaleVersion
from trellis_kernel.identity import Principal
from trellis_kernel.metadata import EventMetadata
from trellis_kernel.privacy import DataKeyStore
from trellis_kernel.store import ConcurrencyConflict, Connection, EventStore, Pool, StaleTransaction

T = TypeVar("T")

HR_ADMIN_ROLE = "hr_admin"
SCHEDULER = "trellis-feedback-scheduler"
"""The principal recorded on events the service decides on its own (reminders, closing)."""
ANONYMOUS_RESPONDENT = "trellis-feedback-anonymous"
"""The principal recorded on a response to an anonymous request, in place of the person: the
stored metadata must not name who answered (nor carry their trace or correlation ids)."""
RACE_ATTEMPTS = 5


def utc_now() -> datetime:
    return datetime.now(UTC)


def actor_of(principal: Principal) -> Actor:
    if not principal.organisation_id:
        raise Forbidden("the token names no organisation")
    return Actor(principal.subject, principal.organisation_id, principal.has_role(HR_ADMIN_ROLE))


def require(actor: Actor, action: Action, subject: Subject) -> None:
    decision = authorize(actor, action, subject)
    if not decision.allowed:
        raise Forbidden(decision.reason)


def caller_metadata(actor: Actor, traceparent: str | None) -> EventMetadata:
    return EventMetadata(principal=actor.user_id, traceparent=traceparent)


def receipt_of(outcome: Outcome[Any, Any]) -> Receipt:
    return Receipt(outcome.stream_id, outcome.version, tuple(e.event_type() for e in outcome.events))


class FeedbackCore:
    def __init__(self, pool: Pool, keys: DataKeyStore, *, clock: Callable[[], datetime] = utc_now) -> None:
        """``keys``: the service's data keys (in its database), with which the one codec seals
        every personal text it stores and publishes, and the private tables their answers."""
        self.pool = pool
        self.keys = keys
        self.store = EventStore(pool)
        self.clock = clock
        self.codec = feedback_codec(keys)
        self.projections = projections.feedback_projections(self.codec)

        def handler(decider: Any) -> CommandHandler[Any, Any, Any]:
            return CommandHandler(self.store, decider, self.codec, projections=self.projections)

        self.requests = handler(request_decider)
        self.feedback = handler(feedback_decider)
        self.conversations = handler(conversation_decider)
        self.cadences = handler(cadence_decider)
        self.settings = handler(settings_decider)
        self.retention = handler(retention_decider)

    async def setup(self) -> None:
        """The event store, the data keys, the read models and the private tables (idempotent)."""
        await self.store.setup()
        await self.keys.setup()
        await projections.setup(self.store, self.codec)
        await private_tables.setup(self.pool)
        await receipts.setup(self.pool)
        await retention_runs.setup(self.pool)

    async def transact(
        self,
        work: Callable[[Connection], Awaitable[T]],
        *,
        expected_version: int | None = None,
        attempts: int = RACE_ATTEMPTS,
    ) -> T:
        """``work`` in a transaction of its own, run again after losing a race (see above)."""
        delay = 0.002
        for attempt in range(1, attempts + 1):
            try:
                async with self.pool.acquire() as connection, connection.transaction():
                    return await work(connection)
            except ConcurrencyConflict as conflict:
                if expected_version is not None or attempt == attempts:
                    expected = expected_version if expected_version is not None else 0
                    raise StaleVersion(conflict.stream_id, expected, conflict.current_version) from conflict
            except (StaleTransaction, asyncpg.UniqueViolationError):
                if attempt == attempts:
                    raise
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    async def handle_as(
        self,
        actor: Actor,
        handler: CommandHandler[Any, Any, Any],
        stream_id: str,
        command: Any,
        expected_version: int | None,
        traceparent: str | None,
    ) -> Receipt:
        """``command`` on ``stream_id`` as the caller's, in a transaction of its own."""
        return await self._append_as(
            actor,
            traceparent,
            expected_version,
            lambda connection, metadata: handler.handle(
                stream_id, command, metadata=metadata, expected_version=expected_version, connection=connection
            ),
        )

    async def decide_as(
        self,
        actor: Actor,
        handler: CommandHandler[Any, Any, Any],
        stream_id: str,
        decide: Decide[Any, Any],
        expected_version: int | None,
        traceparent: str | None,
    ) -> Receipt:
        """What ``decide`` makes of the stream, appended as the caller's, in a transaction of its own."""
        return await self._append_as(
            actor,
            traceparent,
            expected_version,
            lambda connection, metadata: handler.handle_with(
                stream_id, decide, metadata=metadata, expected_version=expected_version, connection=connection
            ),
        )

    async def _append_as(
        self,
        actor: Actor,
        traceparent: str | None,
        expected_version: int | None,
        append: Callable[[Connection, EventMetadata], Awaitable[Outcome[Any, Any]]],
    ) -> Receipt:
        async def work(connection: Connection) -> Receipt:
            return receipt_of(await append(connection, caller_metadata(actor, traceparent)))

        return await self.transact(work, expected_version=expected_version)
