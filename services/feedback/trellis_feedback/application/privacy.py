"""What the service does for people's privacy: erasing a person when the goals service says so,
and each organisation's retention of feedback text (the rule HR sets, the daily job applying it)."""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from trellis_contracts.goals import PersonErased
from trellis_feedback import retention_runs
from trellis_feedback.application.core import FeedbackCore, require
from trellis_feedback.domain.authorization import Actor, Subject
from trellis_feedback.domain.retention import ExpireText, SetRetention, expiry
from trellis_feedback.erasure import PersonForgotten, forget_person
from trellis_feedback.receipts import Receipt
from trellis_feedback.retention_runs import RetentionRun
from trellis_feedback.streams import retention_stream
from trellis_kernel.metadata import EventMetadata
from trellis_kernel.store import Connection

logger = logging.getLogger(__name__)
RETENTION_CAUSE = "retention"
RETENTION_JOB = EventMetadata(principal="trellis-feedback-retention")
"""The principal recorded on what the daily retention run decides."""


@runtime_checkable
class Expiring(Protocol):
    """A read model that keeps personal text, and can forget what is older than a moment."""

    async def forget_before(
        self, connection: Connection, organisation_id: str, before: Any, schema: str
    ) -> int: ...


class FeedbackPrivacy(FeedbackCore):
    async def forget_person(
        self, erased: PersonErased, event_id: UUID, connection: Connection
    ) -> PersonForgotten:
        """Erase the person in ``connection``'s transaction (the consumer's claim of the event)."""
        return await forget_person(connection, self.keys, self.projections, erased, event_id)

    async def set_retention(
        self, actor: Actor, years: int, expected_version: int | None, traceparent: str | None
    ) -> Receipt:
        require(actor, "set_retention", Subject(actor.organisation_id))
        command = SetRetention(
            organisation_id=actor.organisation_id, years=years, set_by=actor.user_id, now=self.clock()
        )
        return await self.handle_as(
            actor, self.retention, retention_stream(actor.organisation_id), command, expected_version, traceparent
        )

    async def retention_rule(self, actor: Actor) -> dict[str, Any]:
        """The organisation's rule (years, None: kept), its stream version, and the job's runs."""
        require(actor, "view_retention", Subject(actor.organisation_id))
        loaded = await self.retention.load(retention_stream(actor.organisation_id))
        runs = await retention_runs.runs(self.pool, actor.organisation_id)
        return {"years": loaded.state, "version": loaded.version, "runs": runs}

    async def apply_retention(self) -> list[RetentionRun]:
        """Once a day per organisation with a rule: shred its key years wholly older than the
        horizon, forget those texts in the read models, record the run and log it (one line)."""
        now = self.clock()
        rules = await self.pool.fetch(
            "SELECT organisation_id, years FROM feedback_retention_rules ORDER BY 1"
        )
        done: list[RetentionRun] = []
        for rule in rules:
            organisation, years = rule["organisation_id"], rule["years"]

            async def work(
                connection: Connection, organisation: str = organisation, years: int = years
            ) -> RetentionRun | None:
                if await retention_runs.ran_on(connection, organisation, now.astimezone(UTC).date()):
                    return None
                expired = expiry(years, now, await self.keys.scopes(organisation, connection=connection))
                shredded = await self.keys.shred_scopes(
                    organisation, expired.scopes, cause=RETENTION_CAUSE, connection=connection
                )
                forgotten = 0
                for read_model in self.projections:
                    if isinstance(read_model, Expiring):
                        forgotten += await read_model.forget_before(
                            connection, organisation, expired.before, "public"
                        )
                run = RetentionRun(
                    organisation, years, expired.before, expired.scopes, shredded, forgotten, now
                )
                await retention_runs.record(connection, run)
                if expired.scopes:  # integrators drop what they derived from those years
                    await self.retention.handle(
                        retention_stream(organisation),
                        ExpireText(organisation_id=organisation, before=expired.before, now=now),
                        metadata=RETENTION_JOB,
                        connection=connection,
                    )
                return run

            try:
                run = await self.transact(work, attempts=1)
            except Exception:
                logger.exception("the retention of %s could not run; next round", organisation)
                continue
            if run is not None:
                logger.info(
                    "retention of %s (%d years): text before %s erased, years %s, %d keys shredded, %d texts forgotten",
                    run.organisation_id,
                    run.years,
                    run.erased_before.date().isoformat(),
                    ",".join(run.scopes) or "none",
                    run.keys_shredded,
                    run.texts_forgotten,
                )
                done.append(run)
        return done
