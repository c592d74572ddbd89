"""What the service decides on its own, on a schedule (like the goals service's overdue sweep):
reminders before a request is due, closing requests (releasing or withholding anonymous
answers), reporting a missed conversation cadence once, and erasing what anonymity kept
privately once a closed request is past its retention.

Every sweep is safe to run from several replicas at once: the domain never reminds, closes or
reports twice, and a sweep that loses the race for a stream leaves it to the winner.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from trellis_contracts.feedback import ConversationCadenceMissed, FeedbackReminderDue, FeedbackRequestClosed
from trellis_feedback import known_facts, private_tables, receipts
from trellis_feedback.application.core import SCHEDULER
from trellis_feedback.application.privacy import FeedbackPrivacy
from trellis_feedback.domain.cadence import ReportMissedCadence
from trellis_feedback.domain.request import request_decider
from trellis_feedback.domain.request.commands import CloseRequest, RemindPendingGivers
from trellis_feedback.streams import cadence_stream, request_stream
from trellis_kernel.commands import Loaded
from trellis_kernel.http import StaleVersion
from trellis_kernel.metadata import EventMetadata
from trellis_kernel.store import Connection

SYSTEM = EventMetadata(principal=SCHEDULER)
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepReport:
    reminded: int = 0
    closed: int = 0
    cadences_missed: int = 0
    erased: int = 0
    retention_runs: int = 0


class FeedbackSweeps(FeedbackPrivacy):
    async def sweep(self, *, retention: timedelta | None = None) -> SweepReport:
        """Every sweep once; ``retention``: how long after closing an anonymous request its key
        and sealed answers are kept (None: kept)."""
        reminded, closed = await self.sweep_requests()
        missed = await self.sweep_cadences()
        erased = await self.erase_closed_anonymous_requests(retention) if retention is not None else 0
        return SweepReport(reminded, closed, missed, erased, len(await self.apply_retention()))

    async def sweep_requests(self) -> tuple[int, int]:
        """Remind and close the open requests that are due for it; (reminded, closed)."""
        now = self.clock()
        today = now.date()
        due = await self.pool.fetch(
            "SELECT organisation_id, request_id FROM feedback_requests WHERE closed_at IS NULL"
            " AND (due_on < $1 OR (remind_on <= $1 AND reminded_at IS NULL)) ORDER BY due_on, request_id",
            today,
        )
        reminded = closed = 0
        for row in due:
            organisation, request_id = row["organisation_id"], row["request_id"]

            async def work(
                connection: Connection, organisation: str = organisation, request_id: str = request_id
            ) -> Any:
                async def decide(loaded: Loaded[Any, Any]) -> list[Any]:
                    request = loaded.state
                    if request is None:
                        return []
                    sealed = (
                        await private_tables.sealed_answers(connection, self.keys, organisation, request_id)
                        if request.anonymous
                        else ()
                    )
                    events = list(
                        request_decider.decide(RemindPendingGivers(request_id=request_id, now=now), request)
                    )
                    state = request_decider.fold([*loaded.events, *events])
                    # Without its key, an anonymous request's answers went with its erased recipient.
                    erased = (
                        request.anonymous
                        and await private_tables.key_of(connection, organisation, request_id) is None
                    )
                    close = CloseRequest(
                        request_id=request_id, now=now, sealed_answers=sealed, answers_erased=erased
                    )
                    return [*events, *request_decider.decide(close, state)]

                return await self.requests.handle_with(
                    request_stream(organisation, request_id), decide, metadata=SYSTEM, connection=connection
                )

            try:
                outcome = await self.transact(work, attempts=1)
            except StaleVersion:
                continue  # another replica got there first
            except Exception:
                logger.exception("the sweep could not remind or close request %s; next round", request_id)
                continue
            reminded += sum(isinstance(e, FeedbackReminderDue) for e in outcome.events)
            closed += sum(isinstance(e, FeedbackRequestClosed) for e in outcome.events)
        return reminded, closed

    async def sweep_cadences(self) -> int:
        """Report, once, each current pair's conversation that was due and not held."""
        now = self.clock()
        due = await self.pool.fetch(
            "SELECT organisation_id, employee_id, manager_id, last_held_on FROM conversation_cadences"
            " WHERE every_days IS NOT NULL AND next_due_on < $1 AND missed_due_on IS DISTINCT FROM next_due_on"
            " ORDER BY organisation_id, employee_id, manager_id",
            now.date(),
        )
        missed = 0
        for row in due:
            pair = (row["organisation_id"], row["employee_id"], row["manager_id"])

            async def work(connection: Connection, pair: tuple[str, str, str] = pair, row: Any = row) -> Any:
                organisation, employee_id, manager_id = pair
                facts = await known_facts.facts(connection, organisation, people=[employee_id])
                command = ReportMissedCadence(
                    organisation_id=organisation,
                    employee_id=employee_id,
                    manager_id=manager_id,
                    now=now,
                    last_held_on=row["last_held_on"],
                    facts=facts,
                )
                return await self.cadences.handle(
                    cadence_stream(*pair), command, metadata=SYSTEM, connection=connection
                )

            try:
                outcome = await self.transact(work, attempts=1)
            except StaleVersion:
                continue
            except Exception:
                logger.exception("the sweep could not check a cadence of %s; next round", pair[0])
                continue
            missed += sum(isinstance(e, ConversationCadenceMissed) for e in outcome.events)
        return missed

    async def erase_closed_anonymous_requests(self, retention: timedelta) -> int:
        """Forget the keys, sealed answers and receipts of anonymous requests closed longer than
        ``retention`` ago: their pseudonyms then link to nobody."""
        erased = 0
        for organisation, request_id in await private_tables.closed_before(
            self.pool, self.clock() - retention
        ):
            erased += await self.erase_anonymous_request(organisation, request_id)
        return erased

    async def erase_anonymous_request(self, organisation_id: str, request_id: str) -> int:
        """Forget what the service kept privately about one anonymous request; 1 if it had any."""
        async with self.pool.acquire() as connection, connection.transaction():
            erased = await private_tables.erase(connection, organisation_id, request_id)
            await receipts.forget_stream(connection, request_stream(organisation_id, request_id))
        return int(erased)
