"""Erasing a person from the feedback service, on the goals service's ``PersonErased``.

In the transaction that claims the event: the person's data keys are deleted (everything sealed
with them, in the store, on the topic and in backups, reads as erased: the feedback about them,
their conversations' texts, their decline reasons), the anonymous answers and request keys of
requests about them are dropped with the receipts of those requests, and every read model forgets
the text it derived (as a rebuild from the store would show it). Ids, counts and dates remain.
Delivered again, it changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from uuid import UUID

from trellis_contracts.goals import PersonErased
from trellis_feedback import private_tables, receipts
from trellis_feedback.streams import request_stream
from trellis_kernel.privacy import DataKeyStore
from trellis_kernel.store import Connection

logger = logging.getLogger(__name__)


@runtime_checkable
class Forgetting(Protocol):
    """A read model that keeps personal text about people, and can forget a person's."""

    async def forget(
        self, connection: Connection, organisation_id: str, person_id: str, schema: str
    ) -> int: ...


@dataclass(frozen=True)
class PersonForgotten:
    keys_shredded: int
    anonymous_requests_dropped: int
    texts_forgotten: int


async def forget_person(
    connection: Connection,
    keys: DataKeyStore,
    read_models: Sequence[object],
    erased: PersonErased,
    event_id: UUID,
) -> PersonForgotten:
    """Erase ``erased.employee_id`` in ``connection``'s transaction (see the module)."""
    organisation, person = erased.organisation_id, erased.employee_id
    erasure = await keys.erase(
        organisation,
        person,
        erased_by=erased.erased_by,
        reason=f"PersonErased {event_id}",
        connection=connection,
    )
    about_them = await connection.fetch(
        "SELECT request_id FROM feedback_requests"
        " WHERE organisation_id = $1 AND recipient_id = $2 AND anonymous",
        organisation,
        person,
    )
    dropped = 0
    for row in about_them:
        dropped += int(await private_tables.erase(connection, organisation, row["request_id"]))
        await receipts.forget_stream(connection, request_stream(organisation, row["request_id"]))
    await connection.execute(
        "DELETE FROM sealed_answers WHERE organisation_id = $1 AND recipient_id = $2", organisation, person
    )
    forgotten = 0
    for read_model in read_models:
        if isinstance(read_model, Forgetting):
            forgotten += await read_model.forget(connection, organisation, person, "public")
    logger.info(
        "erased a person of %s: %d data keys shredded, %d anonymous requests dropped, %d texts forgotten",
        organisation,
        erasure.keys_shredded,
        dropped,
        forgotten,
    )
    return PersonForgotten(erasure.keys_shredded, dropped, forgotten)
