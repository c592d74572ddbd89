"""Protecting the history a service stored before it protected personal data.

A service that switches to protecting majors still has, in its store, the events it wrote in the
plain majors: their personal text is there in the clear, where erasing a key cannot reach it.
``protect_history`` rewrites each such event in place as its protecting major (the same fields,
an upcast that is the identity), sealed through the service's ``ProtectingCodec`` with the key of
the person each field is about (a person erased already gets a key shredded at once, so their
old text becomes unreadable too). Event id, stream, version, position and time stay, so readers
and the relay's checkpoint are not disturbed and nothing is published again.

It is the one deliberate exception to "events are never changed", and it is recorded: a
``privacy_migrations`` row per migration says how far it got, how many events it protected, when
it started and last finished. It runs in batches, each in its own transaction with the row's
progress, so it can be stopped and run again (it resumes after the last batch) and running it
when it is done changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from trellis_contracts import EventContract
from trellis_kernel.privacy.codec import ProtectingCodec
from trellis_kernel.store.connections import Pool

MIGRATIONS_TABLE: Final = """
CREATE TABLE IF NOT EXISTS privacy_migrations (
    name             text PRIMARY KEY,
    started_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    last_position    bigint NOT NULL DEFAULT 0,
    events_protected bigint NOT NULL DEFAULT 0
)
"""


@dataclass(frozen=True)
class HistoryProtection:
    """A migration's record: how many events it rewrote in all, and when it last finished."""

    name: str
    events_protected: int
    started_at: datetime
    finished_at: datetime | None


async def protect_history(
    pool: Pool,
    codec: ProtectingCodec[Any],
    majors: Mapping[type[EventContract], type[EventContract]],
    *,
    name: str,
    batch_size: int = 500,
) -> HistoryProtection:
    """Rewrite every stored event of a plain major of ``majors`` as its protecting major.

    ``majors`` maps each plain class to the class that protects it (same fields); ``name`` names
    the migration's record. Returns the record once no such event is left.
    """
    plain = {old.event_type(): (old, new) for old, new in majors.items()}
    for old, new in majors.items():
        if not new.protects_personal_data or set(new.model_fields) != set(old.model_fields):
            raise ValueError(f"{new.__name__} is not {old.__name__} with its personal data protected")
    async with pool.acquire() as connection:
        await connection.execute(MIGRATIONS_TABLE)
        await connection.execute(
            "INSERT INTO privacy_migrations (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", name
        )
    while True:
        async with pool.acquire() as connection, connection.transaction():
            # One runner at a time: the record's row is locked for the batch.
            last = await connection.fetchval(
                "SELECT last_position FROM privacy_migrations WHERE name = $1 FOR UPDATE", name
            )
            rows = await connection.fetch(
                "SELECT global_position, event_id, event_type, payload::text AS payload FROM events"
                " WHERE global_position > $1 AND event_type = ANY($2::text[])"
                " ORDER BY global_position LIMIT $3 FOR UPDATE",
                last,
                sorted(plain),
                batch_size,
            )
            if not rows:
                record = await connection.fetchrow(
                    "UPDATE privacy_migrations SET finished_at = now() WHERE name = $1"
                    " RETURNING name, events_protected, started_at, finished_at",
                    name,
                )
                assert record is not None  # inserted before the first batch
                return HistoryProtection(**dict(record))
            events = []
            for row in rows:
                old, new = plain[row["event_type"]]
                fields = old.model_validate(json.loads(row["payload"])).model_dump(mode="json")
                events.append(new.model_validate(fields))
            records = await codec.encode_all(
                events, connection=connection, event_ids=[row["event_id"] for row in rows]
            )
            await connection.executemany(
                "UPDATE events SET event_type = $2, payload = $3::text::jsonb WHERE global_position = $1",
                [
                    (row["global_position"], record.event_type, json.dumps(record.payload))
                    for row, record in zip(rows, records, strict=True)
                ],
            )
            await connection.execute(
                "UPDATE privacy_migrations SET last_position = $2,"
                " events_protected = events_protected + $3 WHERE name = $1",
                name,
                rows[-1]["global_position"],
                len(rows),
            )
