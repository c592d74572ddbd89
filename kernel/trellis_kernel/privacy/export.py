"""A person's copy of what a service holds about them (an access request, GDPR article 15).

Every stored event of the organisation that names the person in any field (as employee, giver,
recipient, manager, owner, author, ...), decoded through the service's codec (a ContractCodec or
a ProtectingCodec: protected fields are opened, a shredded key's read as ``[erased]``). Personal
fields about the person are given in the clear; personal fields about someone else (the feedback
the person gave describes its recipient) read as ``[about someone else]``: the person learns the
fact and its date, not another person's record. An answer to an anonymous request names nobody,
so it is never in its author's export. With the service's ``DataKeyStore``: who read the
person's data keys, and the record of their erasure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from uuid import UUID

from trellis_contracts import EventContract
from trellis_contracts.personal import personal_values
from trellis_kernel.codec import AsyncEventCodec, EventCodec, asynchronous
from trellis_kernel.privacy.keys import DataKeyStore, Erasure, KeyReadRecord
from trellis_kernel.store.event_store import EventStore
from trellis_kernel.store.records import Position, StoredEvent

ABOUT_SOMEONE_ELSE: Final = "[about someone else]"
"""What a personal text about another person reads as in a person's export (a list of texts:
``[ABOUT_SOMEONE_ELSE]``)."""

BATCH_SIZE: Final = 500
ALL_KEY_READS: Final = 1_000_000


@dataclass(frozen=True)
class ExportedEvent:
    event_id: UUID
    type: str
    stream_id: str
    version: int
    occurred_at: datetime
    recorded_at: datetime
    data: dict[str, Any]
    """The event's data as its contract's JSON, personal fields about others replaced."""


@dataclass(frozen=True)
class PersonExport:
    organisation_id: str
    person_id: str
    events: tuple[ExportedEvent, ...]
    key_reads: tuple[KeyReadRecord, ...]
    erasure: Erasure | None

    @property
    def holds_anything(self) -> bool:
        return bool(self.events or self.key_reads or self.erasure)


def as_seen_by(person_id: str, event: EventContract) -> dict[str, Any]:
    """The event's JSON data with every personal field about someone other than ``person_id``
    replaced by ``ABOUT_SOMEONE_ELSE``."""
    data = event.model_dump(mode="json")
    for personal in personal_values(type(event), data):
        if personal.owner_id != person_id:
            personal.replace([ABOUT_SOMEONE_ELSE] if personal.field.shape == "texts" else ABOUT_SOMEONE_ELSE)
    return data


async def export_person(
    store: EventStore,
    codec: EventCodec[Any] | AsyncEventCodec[Any],
    organisation_id: str,
    person_id: str,
    *,
    keys: DataKeyStore | None = None,
    batch_size: int = BATCH_SIZE,
) -> PersonExport:
    """What the service holds about the person: events naming them (in global order), reads of
    their data keys and their erasure (with ``keys``, the service's key store)."""
    decoder = asynchronous(codec)
    events: list[ExportedEvent] = []
    after = Position.START
    async with store.connection() as connection:
        while True:
            batch = await store.read_naming(organisation_id, person_id, after, batch_size, connection=connection)
            if not batch:
                break
            decoded = await decoder.decode_all(batch, connection=connection)
            events.extend(_exported(person_id, stored, event) for stored, event in zip(batch, decoded, strict=True))
            after = batch[-1].position
    key_reads: Sequence[KeyReadRecord] = ()
    erasure = None
    if keys is not None:
        key_reads = await keys.key_reads(organisation_id, person_id=person_id, limit=ALL_KEY_READS)
        erasure = await keys.erasure(organisation_id, person_id)
    return PersonExport(organisation_id, person_id, tuple(events), tuple(key_reads), erasure)


def _exported(person_id: str, stored: StoredEvent, event: Any) -> ExportedEvent:
    if not isinstance(event, EventContract):
        raise TypeError(f"the codec decoded {stored.event_type} to {type(event).__name__}, not a contract")
    return ExportedEvent(
        event_id=stored.event_id,
        type=stored.event_type,
        stream_id=stored.stream_id,
        version=stored.version,
        occurred_at=stored.occurred_at,
        recorded_at=stored.recorded_at,
        data=as_seen_by(person_id, event),
    )
