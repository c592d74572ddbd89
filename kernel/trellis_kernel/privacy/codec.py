"""The protecting codec: a service's ContractCodec, with personal fields encrypted per person.

On encode, every personal field of an event whose contract protects personal data
(``EventContract.protects_personal_data``) becomes a protected value (see
``trellis_contracts.protected``) sealed with the data key of the person the field is about (its
``about`` declaration). The stored payload, and so the record the relay publishes, holds only
ciphertext for those fields. On decode they are opened with the keys from the store; a field
whose key was shredded (the person erased) reads as ``ERASED`` while every other fact of the
event decodes as stored, so deciders and projections fold erased history like any other.

An event of a contract that has personal fields but does not protect them is refused on encode
(it would put plain personal text into the store and onto the topic for good); stored ones still
decode, so a service can keep reading its history from before it protected its events.

The codec needs I/O for keys, so it offers the asynchronous side of the kernel's codec
(``encode_all``/``decode_all``) that the command handler uses; with ``connection`` it works in
that connection's transaction (keys made for an append commit with it).

Decoding in a transaction holds, until it ends, the shared lock of every person whose key opens a
field, taken before the keys are read (``DataKeyStore.keys_for_reading``). So a read model that
writes opened text in that transaction (an inline projection) cannot race the person's erasure:
the erasure waits for the transaction and then forgets what it wrote, or the transaction waits for
the erasure and opens nothing but ERASED.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, Final, Generic, TypeVar
from uuid import UUID

from trellis_contracts import EventContract
from trellis_contracts.catalogue import UnknownEventType
from trellis_contracts.personal import declaration_problems, personal_fields, personal_values
from trellis_contracts.protected import header_of, is_protected_value, reveal, seal
from trellis_kernel.codec import NOTHING, ContractCodec, Decoded
from trellis_kernel.privacy.keys import DEFAULT_SCOPE, DataKeyStore, KeyOwner, MissingDataKey
from trellis_kernel.store.connections import Connection
from trellis_kernel.store.errors import InvalidValue
from trellis_kernel.store.records import NewEvent, StoredEvent

C = TypeVar("C", bound=EventContract)

KeyScope = Callable[[EventContract], str]
"""Which of a person's keys encrypts an event's fields: one scope for everything (the default),
or, say, the year, so that retention can shred a year of a person's text."""
ORGANISATION_FIELD: Final = "organisation_id"


class ProtectingCodec(Generic[C]):
    """``ProtectingCodec(ContractCodec[FeedbackEvent](FEEDBACK_EVENTS), data_keys)``."""

    def __init__(
        self,
        codec: ContractCodec[C],
        keys: DataKeyStore,
        *,
        key_scope: KeyScope | None = None,
    ) -> None:
        self._codec = codec
        self._keys = keys
        self._key_scope = key_scope or (lambda _: DEFAULT_SCOPE)
        problems = [
            problem
            for contract in codec.contracts
            if contract.protects_personal_data
            for problem in declaration_problems(contract)
        ]
        if problems:
            raise ValueError("personal data that cannot be protected: " + "; ".join(problems))

    @property
    def event_types(self) -> frozenset[str]:
        return self._codec.event_types

    @property
    def keys(self) -> DataKeyStore:
        return self._keys

    async def encode_all(
        self,
        events: Sequence[C],
        *,
        connection: Connection | None = None,
        event_ids: Sequence[UUID] | None = None,
    ) -> list[NewEvent]:
        ids: Sequence[UUID | None] = event_ids if event_ids is not None else [None] * len(events)
        records = [
            self._codec.encode(event, event_id=event_id) for event, event_id in zip(events, ids, strict=True)
        ]
        plans: list[tuple[NewEvent, list[tuple[Any, KeyOwner]]]] = []
        for event, record in zip(events, records, strict=True):
            contract = type(event)
            if not personal_fields(contract):
                plans.append((record, []))
                continue
            if not contract.protects_personal_data:
                raise InvalidValue(
                    "event",
                    f"{contract.event_type()} carries personal data in plain text; "
                    "publish a major version that protects it (protects_personal_data)",
                )
            payload = record.payload  # fresh from model_dump, nobody else holds it: sealed in place
            organisation_id = payload[ORGANISATION_FIELD]
            scope = self._key_scope(event)
            fields = []
            for personal in personal_values(contract, payload):
                if personal.owner_id is None:
                    raise InvalidValue(
                        personal.field.dotted,
                        f"holds personal data about nobody: its {personal.field.about} is empty",
                    )
                fields.append((personal, KeyOwner(organisation_id, personal.owner_id, scope)))
            plans.append((record, fields))
        owners = {owner for _, fields in plans for _, owner in fields}
        keys = await self._keys.keys_for_writing(owners, connection=connection) if owners else {}
        sealed: list[NewEvent] = []
        for record, fields in plans:
            for personal, owner in fields:
                key = keys[owner]
                personal.replace(seal(personal.value, key=key.key, key_id=key.key_id))
            sealed.append(record)
        return sealed

    async def decode_all(
        self, stored: Sequence[StoredEvent], *, connection: Connection | None = None
    ) -> list[C]:
        """The events, with protected fields opened; a shredded key's fields read as ERASED.

        Raises MissingDataKey (a key neither live nor shredded), UnknownEventType, and pydantic's
        ValidationError for a payload that does not match its contract.
        """
        decoded = await self._decode(stored, NOTHING, connection)
        assert decoded is not None  # nothing to be still valid: always decoded
        return decoded.events

    async def decode_reusable(
        self,
        stored: Sequence[StoredEvent],
        *,
        still_valid: frozenset[str] = NOTHING,
        connection: Connection | None = None,
    ) -> Decoded[C] | None:
        """``decode_all``, with the ids of the live keys that opened the events' fields (the
        events hold their text only while every one of those keys exists), after checking, in
        the same query that fetches these keys, that every key of ``still_valid`` still exists:
        None when one was shredded (or is missing), so that text opened with it before is
        never used again. Events with personal text stored in the clear are never reusable
        (``relies_on`` None): sealing the history rewrites them in place."""
        return await self._decode(stored, still_valid, connection)

    async def _decode(
        self, stored: Sequence[StoredEvent], still_valid: frozenset[str], connection: Connection | None
    ) -> Decoded[C] | None:
        key_ids: set[str] = set()
        in_the_clear = False
        for record in stored:
            contract = self._contract(record)
            if contract.protects_personal_data:
                for personal in personal_values(contract, record.payload):
                    if is_protected_value(personal.value):
                        key_ids.add(header_of(personal.value).key_id)
            elif personal_fields(contract):
                in_the_clear = True
        wanted = key_ids | still_valid
        try:
            keys = await self._keys.keys_for_reading(wanted, connection=connection) if wanted else {}
        except MissingDataKey as missing:
            if key_ids.intersection(missing.key_ids):
                raise
            return None
        if any(keys[key_id] is None for key_id in still_valid):
            return None
        opened = {key_id: key for key_id, key in keys.items() if key is not None}
        events = [self._codec.decode(self._opened(record, opened)) for record in stored]
        relies_on = None if in_the_clear else frozenset(key_id for key_id in key_ids if key_id in opened)
        return Decoded(events, relies_on)

    def _opened(self, record: StoredEvent, keys: dict[str, bytes]) -> StoredEvent:
        contract = self._contract(record)
        if not contract.protects_personal_data:
            return record
        return dataclasses.replace(record, payload=reveal(contract, record.payload, keys))

    def _contract(self, stored: StoredEvent) -> type[EventContract]:
        contract = self._codec.contract(stored.event_type)
        if contract is None:
            raise UnknownEventType(f"this codec has no contract of the type {stored.event_type!r}")
        return contract
