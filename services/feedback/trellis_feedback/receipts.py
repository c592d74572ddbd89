"""Retries of commands that create something under an id the client chose.

The first time a request id, feedback id or conversation id is used, the answer is recorded
with a fingerprint of the command (who sent it, and what it said) in the transaction that
appends its events. The same id again with the same fingerprint answers exactly as the first
time; with another fingerprint it is a conflict (409). Feedback ids of answers and of unasked
feedback share one kind, since both name a piece of feedback.

A fingerprint of a command about an anonymous request is an HMAC under the request's private
key, so that it says nothing about who was asked or who answered once the key is erased.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from trellis_kernel.store import Connection, Pool

IdKind = Literal["request", "feedback", "conversation"]

DDL = """
CREATE TABLE IF NOT EXISTS command_receipts (
    organisation_id text NOT NULL,
    id_kind         text NOT NULL,
    client_id       text NOT NULL,
    fingerprint     bytea NOT NULL,
    stream_id       text NOT NULL,
    version         integer NOT NULL,
    event_types     text[] NOT NULL,
    PRIMARY KEY (organisation_id, id_kind, client_id)
)
"""


@dataclass(frozen=True)
class Receipt:
    stream_id: str
    version: int
    event_types: tuple[str, ...]


class IdTaken(Exception):
    """The client's id was used before for a different command."""

    def __init__(self, kind: IdKind, client_id: str) -> None:
        super().__init__(f"the {kind}_id {client_id!r} was already used for a different {kind}")


def fingerprint(command: Mapping[str, Any], key: bytes | None = None) -> bytes:
    canonical = json.dumps(command, sort_keys=True, separators=(",", ":"), default=str).encode()
    if key is None:
        return hashlib.sha256(canonical).digest()
    return hmac.new(key, canonical, hashlib.sha256).digest()


async def setup(pool: Pool) -> None:
    await pool.execute(DDL)


async def hold(connection: Connection, organisation_id: str, kind: IdKind, client_id: str) -> None:
    """Take this id's lock until the transaction ends, before reading anything the command
    decides on: a concurrent command with the same id waits, then finds the receipt."""
    digest = hashlib.blake2b(f"{organisation_id}/{kind}/{client_id}".encode(), digest_size=8).digest()
    await connection.execute("SELECT pg_advisory_xact_lock($1)", int.from_bytes(digest, "big", signed=True))


async def recall(
    connection: Connection, organisation_id: str, kind: IdKind, client_id: str, print_: bytes
) -> Receipt | None:
    """The first answer to this command, None if the id is new; IdTaken if it was used for
    something else. Call ``hold`` first, in the same transaction."""
    row = await connection.fetchrow(
        "SELECT fingerprint, stream_id, version, event_types FROM command_receipts"
        " WHERE organisation_id = $1 AND id_kind = $2 AND client_id = $3",
        organisation_id,
        kind,
        client_id,
    )
    if row is None:
        return None
    if not hmac.compare_digest(bytes(row["fingerprint"]), print_):
        raise IdTaken(kind, client_id)
    return Receipt(row["stream_id"], row["version"], tuple(row["event_types"]))


async def record(
    connection: Connection,
    organisation_id: str,
    kind: IdKind,
    client_id: str,
    print_: bytes,
    receipt: Receipt,
) -> None:
    await connection.execute(
        "INSERT INTO command_receipts (organisation_id, id_kind, client_id, fingerprint, stream_id, version,"
        " event_types) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        organisation_id,
        kind,
        client_id,
        print_,
        receipt.stream_id,
        receipt.version,
        list(receipt.event_types),
    )


async def forget_stream(connection: Connection, stream_id: str) -> None:
    await connection.execute("DELETE FROM command_receipts WHERE stream_id = $1", stream_id)
