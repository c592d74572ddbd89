"""The data key store: one key per person (and scope) in the service's own database, wrapped under
a key-encryption key; erasure by deleting a person's keys; the record of every key handed out.

Tables (created by ``setup()``, idempotently):

- ``privacy_data_keys``: the live keys, wrapped; one per (organisation, person, scope).
- ``privacy_shredded_keys``: the ids of deleted keys, so that a value encrypted with one reads
  as erased rather than as a lost key, and the key endpoint can say "erased" (410).
- ``privacy_erasures``: who erased whom, when and why (one row per person erased).
- ``privacy_key_reads``: every request for a key through the key endpoint, and its outcome.

Making a key and erasing its person cannot interleave: the maker holds a shared advisory lock on
the person until its transaction ends and checks for an erasure once it has it, erasure takes an
exclusive one. So a key is either made before the erasure and deleted by it, with everything
sealed under it, or not made at all: a writer after the erasure gets a throw-away key (recorded as
shredded at once), so nothing it writes about the erased person can ever be read. Using a live key
needs no lock: an erasure that deletes it meanwhile shreds what was sealed with it too.

Opening values and erasing their person cannot interleave inside a transaction either: a key read
in a transaction holds the shared lock of every person whose key it reads, taken before the
statement that reads the keys, until the transaction ends. What the transaction writes from the
opened text (a read model's row) is then committed before an erasure deletes the keys and forgets
the person's text, so the erasure sees it; or the erasure committed first, and the read finds the
keys shredded and opens nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal
from uuid import uuid4

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from trellis_kernel.privacy.kms import KeyEncryptionKeys, WrappedKey
from trellis_kernel.store.connections import Connection, Pool
from trellis_kernel.store.errors import InvalidValue

DEFAULT_SCOPE: Final = "default"
MAX_REASON_LENGTH: Final = 2000

SCHEMA: Final = (
    """
    CREATE TABLE IF NOT EXISTS privacy_data_keys (
        organisation_id text NOT NULL,
        person_id       text NOT NULL,
        scope           text NOT NULL,
        key_id          text NOT NULL,
        kek_id          text NOT NULL,
        wrapped_key     bytea NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        wrapped_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT privacy_data_keys_pkey PRIMARY KEY (organisation_id, person_id, scope),
        CONSTRAINT privacy_data_keys_key_id_key UNIQUE (key_id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS privacy_data_keys_kek_idx ON privacy_data_keys (kek_id)",
    """
    CREATE TABLE IF NOT EXISTS privacy_shredded_keys (
        key_id          text PRIMARY KEY,
        organisation_id text NOT NULL,
        person_id       text NOT NULL,
        scope           text NOT NULL,
        cause           text NOT NULL,
        shredded_at     timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS privacy_erasures (
        organisation_id text NOT NULL,
        person_id       text NOT NULL,
        erased_by       text NOT NULL,
        reason          text NOT NULL,
        erased_at       timestamptz NOT NULL DEFAULT now(),
        keys_shredded   integer NOT NULL,
        CONSTRAINT privacy_erasures_pkey PRIMARY KEY (organisation_id, person_id)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS privacy_key_reads (
        read_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        organisation_id text NOT NULL,
        key_id          text NOT NULL,
        person_id       text,
        reader          text NOT NULL,
        outcome         text NOT NULL CHECK (outcome IN ('granted', 'erased', 'not_found', 'forbidden')),
        read_at         timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX IF NOT EXISTS privacy_key_reads_person_idx ON privacy_key_reads (organisation_id, person_id)",
)

ReadOutcome = Literal["granted", "erased", "not_found", "forbidden"]


class MissingDataKey(LookupError):
    """Values name data keys that are neither live nor shredded: lost, not erased. Never read
    them as erased: that would hide a loss of data."""

    def __init__(self, key_ids: Iterable[str]) -> None:
        self.key_ids = tuple(sorted(key_ids))
        super().__init__(f"no data key and no record of its erasure for {', '.join(self.key_ids)}")


@dataclass(frozen=True, order=True)
class KeyOwner:
    """Whose key: a person of an organisation, for a scope (one key per scope; retention can
    shred a scope, such as one year of a person's feedback, without erasing the person)."""

    organisation_id: str
    person_id: str
    scope: str = DEFAULT_SCOPE


@dataclass(frozen=True)
class DataKey:
    key_id: str
    key: bytes
    owner: KeyOwner


@dataclass(frozen=True)
class Erasure:
    organisation_id: str
    person_id: str
    erased_by: str
    reason: str
    erased_at: datetime
    keys_shredded: int
    already_erased: bool = False
    """True when the person had been erased before: this is the first erasure's record."""


@dataclass(frozen=True)
class KeyRead:
    """The outcome of a request for a key through the key endpoint (recorded either way)."""

    outcome: ReadOutcome
    key: DataKey | None = None


@dataclass(frozen=True)
class KeyReadRecord:
    read_id: int
    organisation_id: str
    key_id: str
    person_id: str | None
    reader: str
    outcome: ReadOutcome
    read_at: datetime


_KEYS_FOR_READING: Final = (
    "SELECT key_id, organisation_id, person_id, scope, kek_id, wrapped_key"
    " FROM privacy_data_keys WHERE key_id = ANY($1::text[])"
    " UNION ALL"
    " SELECT key_id, organisation_id, person_id, scope, NULL, NULL"
    " FROM privacy_shredded_keys WHERE key_id = ANY($1::text[])"
)
_KEY_OWNERS: Final = (
    "SELECT key_id, organisation_id, person_id FROM privacy_data_keys WHERE key_id = ANY($1::text[])"
    " UNION ALL"
    " SELECT key_id, organisation_id, person_id FROM privacy_shredded_keys WHERE key_id = ANY($1::text[])"
)
# In the array's order: unnest yields its elements in order, and each is locked as it comes.
_LOCK_PEOPLE_SHARED: Final = "SELECT count(pg_advisory_xact_lock_shared(lock)) FROM unnest($1::bigint[]) AS lock"


def _context(owner: KeyOwner, key_id: str) -> bytes:
    # Binds a wrapped key to its row: moved to another person or scope, it does not unwrap.
    return "\n".join(
        ("trellis.data-key", owner.organisation_id, owner.person_id, owner.scope, key_id)
    ).encode()


def _person_lock(organisation_id: str, person_id: str) -> int:
    digest = hashlib.sha256(f"trellis.privacy\n{organisation_id}\n{person_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _new_key_id() -> str:
    return f"dk_{uuid4().hex}"


def _checked_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidValue("reason", "an erasure needs a reason")
    if len(text) > MAX_REASON_LENGTH or "\x00" in text:
        raise InvalidValue("reason", f"a reason is text of at most {MAX_REASON_LENGTH} characters")
    return text


class DataKeyStore:
    def __init__(self, pool: Pool, kek: KeyEncryptionKeys, *, cache_size: int = 10_000) -> None:
        """``cache_size``: unwrapped keys kept in memory, to spare a KMS round trip. The row is
        read every time all the same, so an erasure anywhere takes effect at once."""
        self.pool = pool
        self.kek = kek
        self._cache: OrderedDict[tuple[str, bytes], bytes] = OrderedDict()
        self._cache_size = cache_size
        # Whose each key is: never changes (a shredded key keeps its person), so a key read in a
        # transaction can lock its people before its one read of the keys.
        self._owners: OrderedDict[str, tuple[str, str]] = OrderedDict()

    async def setup(self) -> None:
        async with self.pool.acquire() as connection, connection.transaction():
            for statement in SCHEMA:
                await connection.execute(statement)

    @contextlib.asynccontextmanager
    async def _transaction(self, connection: Connection | None) -> AsyncIterator[Connection]:
        if connection is not None and connection.is_in_transaction():
            yield connection
        elif connection is not None:
            async with connection.transaction():
                yield connection
        else:
            async with self.pool.acquire() as own, own.transaction():
                yield own

    # --- writing -----------------------------------------------------------------------------

    async def keys_for_writing(
        self, owners: Iterable[KeyOwner], *, connection: Connection | None = None
    ) -> dict[KeyOwner, DataKey]:
        """A key for each owner: their live key, a new one, or (for an erased person) a key that
        is shredded as it is made.

        A live key needs one read and no lock: if an erasure deletes it meanwhile, what is sealed
        with it is shredded with it. Making a key takes the person's shared lock and checks for an
        erasure after getting it, in ``connection``'s transaction when one is open (else in one of
        its own), so that no key is made for someone erased, and an erasure waits for the key's
        transaction and then deletes it.
        """
        wanted = sorted(set(owners))
        if not wanted:
            return {}
        if connection is None:
            async with self.pool.acquire() as own:
                return await self._keys_for_writing(own, wanted)
        return await self._keys_for_writing(connection, wanted)

    async def _keys_for_writing(
        self, connection: Connection, wanted: list[KeyOwner]
    ) -> dict[KeyOwner, DataKey]:
        found = await self._live_keys(connection, wanted)
        keys = {owner: await self._unwrapped(owner, *found[owner]) for owner in wanted if owner in found}
        missing = [owner for owner in wanted if owner not in found]
        if missing:
            async with self._transaction(connection) as current:
                people = {(o.organisation_id, o.person_id) for o in missing}
                for organisation_id, person_id in sorted(people):
                    await current.execute(
                        "SELECT pg_advisory_xact_lock_shared($1)", _person_lock(organisation_id, person_id)
                    )
                erased = await self._erased_people(current, sorted(people))
                for owner in missing:
                    if (owner.organisation_id, owner.person_id) in erased:
                        keys[owner] = await self._throw_away_key(current, owner)
                    else:
                        keys[owner] = await self._create(current, owner)
        return keys

    async def _erased_people(
        self, connection: Connection, people: list[tuple[str, str]]
    ) -> set[tuple[str, str]]:
        rows = await connection.fetch(
            "SELECT e.organisation_id, e.person_id FROM privacy_erasures e"
            " JOIN unnest($1::text[], $2::text[]) AS p(organisation_id, person_id)"
            " USING (organisation_id, person_id)",
            [p[0] for p in people],
            [p[1] for p in people],
        )
        return {(row["organisation_id"], row["person_id"]) for row in rows}

    async def _live_keys(
        self, connection: Connection, owners: list[KeyOwner]
    ) -> dict[KeyOwner, tuple[str, WrappedKey]]:
        if not owners:
            return {}
        rows = await connection.fetch(
            "SELECT k.organisation_id, k.person_id, k.scope, k.key_id, k.kek_id, k.wrapped_key"
            " FROM privacy_data_keys k"
            " JOIN unnest($1::text[], $2::text[], $3::text[]) AS o(organisation_id, person_id, scope)"
            " USING (organisation_id, person_id, scope)",
            [o.organisation_id for o in owners],
            [o.person_id for o in owners],
            [o.scope for o in owners],
        )
        return {
            KeyOwner(row["organisation_id"], row["person_id"], row["scope"]): (
                row["key_id"],
                WrappedKey(row["kek_id"], bytes(row["wrapped_key"])),
            )
            for row in rows
        }

    async def _create(self, connection: Connection, owner: KeyOwner) -> DataKey:
        key_id = _new_key_id()
        key = AESGCM.generate_key(bit_length=256)
        wrapped = await self.kek.wrap(key, context=_context(owner, key_id))
        inserted = await connection.fetchval(
            "INSERT INTO privacy_data_keys (organisation_id, person_id, scope, key_id, kek_id, wrapped_key)"
            " VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (organisation_id, person_id, scope) DO NOTHING RETURNING key_id",
            owner.organisation_id,
            owner.person_id,
            owner.scope,
            key_id,
            wrapped.kek_id,
            wrapped.ciphertext,
        )
        if inserted is not None:
            self._remember_owner(key_id, owner.organisation_id, owner.person_id)
            return DataKey(key_id, key, owner)
        # Another writer made the key first (and committed: the insert waited for it).
        existing = await self._live_keys(connection, [owner])
        return await self._unwrapped(owner, *existing[owner])

    async def _throw_away_key(self, connection: Connection, owner: KeyOwner) -> DataKey:
        key_id = _new_key_id()
        await connection.execute(
            "INSERT INTO privacy_shredded_keys (key_id, organisation_id, person_id, scope, cause)"
            " VALUES ($1, $2, $3, $4, 'erasure')",
            key_id,
            owner.organisation_id,
            owner.person_id,
            owner.scope,
        )
        self._remember_owner(key_id, owner.organisation_id, owner.person_id)
        return DataKey(key_id, AESGCM.generate_key(bit_length=256), owner)

    async def _unwrapped(self, owner: KeyOwner, key_id: str, wrapped: WrappedKey) -> DataKey:
        self._remember_owner(key_id, owner.organisation_id, owner.person_id)
        cached = self._cache.get((key_id, wrapped.ciphertext))
        if cached is None:
            cached = await self.kek.unwrap(wrapped, context=_context(owner, key_id))
            self._cache[(key_id, wrapped.ciphertext)] = cached
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end((key_id, wrapped.ciphertext))
        return DataKey(key_id, cached, owner)

    def _remember_owner(self, key_id: str, organisation_id: str, person_id: str) -> None:
        self._owners[key_id] = (organisation_id, person_id)
        self._owners.move_to_end(key_id)
        if len(self._owners) > self._cache_size:
            self._owners.popitem(last=False)

    def _forget(self, key_ids: Iterable[str]) -> None:
        gone = set(key_ids)
        for cached in [entry for entry in self._cache if entry[0] in gone]:
            del self._cache[cached]

    # --- reading -----------------------------------------------------------------------------

    async def keys_for_reading(
        self, key_ids: Iterable[str], *, connection: Connection | None = None
    ) -> dict[str, bytes | None]:
        """The key of each id, or None for a shredded one (its values read as erased).

        In ``connection``'s open transaction, the shared lock of each person whose key is read is
        held until the transaction ends, and the keys are read after it is granted: an erasure of
        one of them waits for the transaction, or the transaction waits for the erasure and then
        reads the keys shredded (see the module). Outside a transaction, no lock.

        Raises MissingDataKey for an id that is neither: a value whose key was lost is an error,
        not an erasure.
        """
        wanted = sorted(set(key_ids))
        if not wanted:
            return {}
        if connection is not None and connection.is_in_transaction():
            await self._lock_owners(connection, wanted)
            rows = await connection.fetch(_KEYS_FOR_READING, wanted)
        elif connection is not None:
            rows = await connection.fetch(_KEYS_FOR_READING, wanted)
        else:
            async with self.pool.acquire() as own:
                rows = await own.fetch(_KEYS_FOR_READING, wanted)
        keys: dict[str, bytes | None] = {}
        for row in rows:
            if row["wrapped_key"] is None:
                keys[row["key_id"]] = None
                continue
            owner = KeyOwner(row["organisation_id"], row["person_id"], row["scope"])
            wrapped = WrappedKey(row["kek_id"], bytes(row["wrapped_key"]))
            keys[row["key_id"]] = (await self._unwrapped(owner, row["key_id"], wrapped)).key
        missing = set(wanted) - set(keys)
        if missing:
            raise MissingDataKey(missing)
        return keys

    async def _lock_owners(self, connection: Connection, key_ids: list[str]) -> None:
        """Take the shared lock of the people the keys belong to, in their order (as every
        holder of several does), until the transaction ends. Owners not known yet are read
        first: the lock has to come before the statement that reads the keys, whose snapshot
        then shows an erasure that committed while this waited for it."""
        unknown = [key_id for key_id in key_ids if key_id not in self._owners]
        if unknown:
            for row in await connection.fetch(_KEY_OWNERS, unknown):
                self._remember_owner(row["key_id"], row["organisation_id"], row["person_id"])
        people = sorted({self._owners[key_id] for key_id in key_ids if key_id in self._owners})
        if people:
            await connection.execute(
                _LOCK_PEOPLE_SHARED, [_person_lock(organisation_id, person_id) for organisation_id, person_id in people]
            )

    # --- erasure -----------------------------------------------------------------------------

    async def erase(
        self,
        organisation_id: str,
        person_id: str,
        *,
        erased_by: str,
        reason: str,
        connection: Connection | None = None,
    ) -> Erasure:
        """Delete every key of the person, and record who erased them, when and why.

        Whoever calls it has checked that ``erased_by`` may (an HR admin of the organisation).
        Erasing someone erased before deletes any key made since (there should be none) and
        answers the first erasure's record. Joins ``connection``'s transaction when one is open,
        so that a service can record the erasure's event in it.
        """
        text = _checked_reason(reason)
        if not erased_by:
            raise InvalidValue("erased_by", "an erasure names who made it")
        async with self._transaction(connection) as current:
            await current.execute(
                "SELECT pg_advisory_xact_lock($1)", _person_lock(organisation_id, person_id)
            )
            shredded = await current.fetch(
                "WITH gone AS ("
                "  DELETE FROM privacy_data_keys WHERE organisation_id = $1 AND person_id = $2"
                "  RETURNING key_id, scope"
                ")"
                " INSERT INTO privacy_shredded_keys (key_id, organisation_id, person_id, scope, cause)"
                " SELECT key_id, $1, $2, scope, 'erasure' FROM gone RETURNING key_id",
                organisation_id,
                person_id,
            )
            self._forget(row["key_id"] for row in shredded)
            before = await current.fetchrow(
                "SELECT * FROM privacy_erasures WHERE organisation_id = $1 AND person_id = $2",
                organisation_id,
                person_id,
            )
            if before is not None:
                return _erasure(before, already_erased=True)
            row = await current.fetchrow(
                "INSERT INTO privacy_erasures (organisation_id, person_id, erased_by, reason, keys_shredded)"
                " VALUES ($1, $2, $3, $4, $5) RETURNING *",
                organisation_id,
                person_id,
                erased_by,
                text,
                len(shredded),
            )
            assert row is not None
            return _erasure(row, already_erased=False)

    async def shred_scopes(
        self,
        organisation_id: str,
        scopes: Iterable[str],
        *,
        cause: str = "retention",
        connection: Connection | None = None,
    ) -> int:
        """Delete every key of the organisation in ``scopes`` (say, the years past its retention),
        whoever it belongs to, recording each as shredded with ``cause``: whatever was sealed with
        them reads as erased from then on, and the key endpoint answers 410. Returns the keys
        shredded (none the second time). Joins ``connection``'s transaction when one is open."""
        wanted = sorted(set(scopes))
        if not wanted:
            return 0
        if not cause:
            raise InvalidValue("cause", "a shredding says why")
        async with self._transaction(connection) as current:
            shredded = await current.fetch(
                "WITH gone AS ("
                "  DELETE FROM privacy_data_keys WHERE organisation_id = $1 AND scope = ANY($2::text[])"
                "  RETURNING key_id, person_id, scope"
                ")"
                " INSERT INTO privacy_shredded_keys (key_id, organisation_id, person_id, scope, cause)"
                " SELECT key_id, $1, person_id, scope, $3 FROM gone RETURNING key_id",
                organisation_id,
                wanted,
                cause,
            )
            self._forget(row["key_id"] for row in shredded)
        return len(shredded)

    async def scopes(self, organisation_id: str, *, connection: Connection | None = None) -> set[str]:
        """The scopes the organisation's live keys are in."""
        query = "SELECT DISTINCT scope FROM privacy_data_keys WHERE organisation_id = $1"
        if connection is not None:
            rows = await connection.fetch(query, organisation_id)
        else:
            rows = await self.pool.fetch(query, organisation_id)
        return {row["scope"] for row in rows}

    async def erasure(self, organisation_id: str, person_id: str) -> Erasure | None:
        """The record of the person's erasure, if they were erased."""
        row = await self.pool.fetchrow(
            "SELECT * FROM privacy_erasures WHERE organisation_id = $1 AND person_id = $2",
            organisation_id,
            person_id,
        )
        return None if row is None else _erasure(row, already_erased=True)

    # --- the key endpoint --------------------------------------------------------------------

    async def read_for(self, key_id: str, *, organisation_id: str, reader: str, allowed: bool) -> KeyRead:
        """A key asked for by ``reader`` of ``organisation_id`` (``allowed``: the caller holds the
        role that may read keys), with the request recorded in the same transaction: a key is
        never handed out unrecorded. A key of another organisation is ``not_found``."""
        async with self.pool.acquire() as connection, connection.transaction():
            read = KeyRead("forbidden")
            person_id: str | None = None
            if allowed:
                read, person_id = await self._look_up(connection, key_id, organisation_id)
            await connection.execute(
                "INSERT INTO privacy_key_reads (organisation_id, key_id, person_id, reader, outcome)"
                " VALUES ($1, $2, $3, $4, $5)",
                organisation_id,
                key_id,
                person_id,
                reader,
                read.outcome,
            )
            return read

    async def _look_up(
        self, connection: Connection, key_id: str, organisation_id: str
    ) -> tuple[KeyRead, str | None]:
        row = await connection.fetchrow(
            "SELECT organisation_id, person_id, scope, kek_id, wrapped_key FROM privacy_data_keys"
            " WHERE key_id = $1 AND organisation_id = $2",
            key_id,
            organisation_id,
        )
        if row is not None:
            owner = KeyOwner(row["organisation_id"], row["person_id"], row["scope"])
            key = await self._unwrapped(owner, key_id, WrappedKey(row["kek_id"], bytes(row["wrapped_key"])))
            return KeyRead("granted", key), owner.person_id
        person_id = await connection.fetchval(
            "SELECT person_id FROM privacy_shredded_keys WHERE key_id = $1 AND organisation_id = $2",
            key_id,
            organisation_id,
        )
        if person_id is not None:
            return KeyRead("erased"), person_id
        return KeyRead("not_found"), None

    async def key_reads(
        self, organisation_id: str, *, person_id: str | None = None, limit: int = 100
    ) -> list[KeyReadRecord]:
        """The latest requests for keys of the organisation (of one person's keys, if given)."""
        rows = await self.pool.fetch(
            "SELECT * FROM privacy_key_reads WHERE organisation_id = $1"
            " AND ($2::text IS NULL OR person_id = $2) ORDER BY read_id DESC LIMIT $3",
            organisation_id,
            person_id,
            limit,
        )
        return [
            KeyReadRecord(
                read_id=row["read_id"],
                organisation_id=row["organisation_id"],
                key_id=row["key_id"],
                person_id=row["person_id"],
                reader=row["reader"],
                outcome=row["outcome"],
                read_at=row["read_at"],
            )
            for row in rows
        ]

    # --- rotation of the key-encryption key ----------------------------------------------------

    async def rewrap(self, *, batch_size: int = 500) -> int:
        """Re-wrap data keys wrapped under any KEK but the current one, a batch per transaction,
        until none is left; returns how many moved. The data keys themselves stay, so no
        encrypted value changes. Safe to run beside the service and on several replicas."""
        moved = 0
        while True:
            async with self.pool.acquire() as connection, connection.transaction():
                rows = await connection.fetch(
                    "SELECT organisation_id, person_id, scope, key_id, kek_id, wrapped_key"
                    " FROM privacy_data_keys WHERE kek_id <> $1 ORDER BY key_id LIMIT $2"
                    " FOR UPDATE SKIP LOCKED",
                    self.kek.current,
                    batch_size,
                )
                for row in rows:
                    owner = KeyOwner(row["organisation_id"], row["person_id"], row["scope"])
                    context = _context(owner, row["key_id"])
                    key = await self.kek.unwrap(
                        WrappedKey(row["kek_id"], bytes(row["wrapped_key"])), context=context
                    )
                    wrapped = await self.kek.wrap(key, context=context)
                    await connection.execute(
                        "UPDATE privacy_data_keys SET kek_id = $2, wrapped_key = $3, wrapped_at = now()"
                        " WHERE key_id = $1",
                        row["key_id"],
                        wrapped.kek_id,
                        wrapped.ciphertext,
                    )
            moved += len(rows)
            if len(rows) < batch_size:
                return moved

    async def keys_per_kek(self) -> dict[str, int]:
        """How many live data keys each KEK wraps: an old KEK may go once it wraps none."""
        rows = await self.pool.fetch("SELECT kek_id, count(*) AS n FROM privacy_data_keys GROUP BY kek_id")
        return {row["kek_id"]: row["n"] for row in rows}


def _erasure(row: Any, *, already_erased: bool) -> Erasure:
    return Erasure(
        organisation_id=row["organisation_id"],
        person_id=row["person_id"],
        erased_by=row["erased_by"],
        reason=row["reason"],
        erased_at=row["erased_at"],
        keys_shredded=row["keys_shredded"],
        already_erased=already_erased,
    )
