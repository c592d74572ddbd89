"""What the feedback service keeps privately for anonymity: never an event, never published,
never in a read model, and erased with the request.

- ``anonymous_request_keys``: the random key of each anonymous request, under which the people
  it asks get their pseudonyms (``domain.anonymity.respondent_token``);
- ``sealed_answers``: each anonymous answer, by pseudonym, until the request closes and
  releases them together (kept afterwards so that a giver can see what they gave). Its content
  is encrypted like the events' personal fields (a protected value, with the recipient's data
  key of the year it was given): erasing the recipient, or the organisation's retention of that
  year, makes it unreadable, and it then reads as ``"[erased]"``.

Erasing a request's key and sealed answers severs for good the link between the pseudonyms in
its events and the people asked. These tables are not projections: they cannot be rebuilt from
the events (by design), so they are kept out of ``trellis projections``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from trellis_contracts.personal import ERASED
from trellis_contracts.protected import header_of, is_protected_value, open_value
from trellis_contracts.protected import seal as protect
from trellis_feedback.domain.anonymity import SealedAnswer
from trellis_kernel.privacy import DataKeyStore, KeyOwner
from trellis_kernel.store import Connection, Pool

DDL: Sequence[str] = (
    """
    CREATE TABLE IF NOT EXISTS anonymous_request_keys (
        organisation_id text NOT NULL,
        request_id      text NOT NULL,
        key             bytea NOT NULL,
        PRIMARY KEY (organisation_id, request_id)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS sealed_answers (
        organisation_id  text NOT NULL,
        request_id       text NOT NULL,
        respondent_token text NOT NULL,
        kind             text NOT NULL,
        visibility       text NOT NULL,
        content          text NOT NULL,
        PRIMARY KEY (organisation_id, request_id, respondent_token)
    )
    """,
    # Whom the answer is about: its content is sealed with their key, and erasing them drops it.
    "ALTER TABLE sealed_answers ADD COLUMN IF NOT EXISTS recipient_id text",
    "CREATE INDEX IF NOT EXISTS sealed_answers_recipient_idx ON sealed_answers (organisation_id, recipient_id)",
)

PRIVATE_TABLES = ("anonymous_request_keys", "sealed_answers")


async def setup(pool: Pool) -> None:
    async with pool.acquire() as connection, connection.transaction():
        for statement in DDL:
            await connection.execute(statement)


async def keep_key(connection: Connection, organisation_id: str, request_id: str, key: bytes) -> None:
    await connection.execute(
        "INSERT INTO anonymous_request_keys (organisation_id, request_id, key) VALUES ($1, $2, $3)",
        organisation_id,
        request_id,
        key,
    )


async def key_of(connection: Connection | Pool, organisation_id: str, request_id: str) -> bytes | None:
    key: bytes | None = await connection.fetchval(
        "SELECT key FROM anonymous_request_keys WHERE organisation_id = $1 AND request_id = $2",
        organisation_id,
        request_id,
    )
    return key


async def keys_of(
    connection: Connection | Pool, organisation_id: str, request_ids: Sequence[str]
) -> dict[str, bytes]:
    rows = await connection.fetch(
        "SELECT request_id, key FROM anonymous_request_keys WHERE organisation_id = $1 AND request_id = ANY($2)",
        organisation_id,
        list(request_ids),
    )
    return {row["request_id"]: row["key"] for row in rows}


async def seal(
    connection: Connection,
    keys: DataKeyStore,
    organisation_id: str,
    request_id: str,
    recipient_id: str,
    answer: SealedAnswer,
    *,
    scope: str,
) -> None:
    """Keep the answer, its content sealed with the recipient's data key of ``scope`` (a year)."""
    owner = KeyOwner(organisation_id, recipient_id, scope)
    key = (await keys.keys_for_writing([owner], connection=connection))[owner]
    await connection.execute(
        """
        INSERT INTO sealed_answers (
            organisation_id, request_id, respondent_token, kind, visibility, content, recipient_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        """,
        organisation_id,
        request_id,
        answer.respondent_token,
        answer.kind,
        answer.visibility,
        json.dumps(protect(answer.content, key=key.key, key_id=key.key_id)),
        recipient_id,
    )


async def _opened(
    rows: Sequence[Any], keys: DataKeyStore, connection: Connection | None
) -> tuple[SealedAnswer, ...]:
    stored = [_stored_content(row["content"]) for row in rows]
    key_ids = {header_of(value).key_id for value in stored if not isinstance(value, str)}
    opened = await keys.keys_for_reading(key_ids, connection=connection) if key_ids else {}
    answers = []
    for row, value in zip(rows, stored, strict=True):
        if isinstance(value, str):
            content = value  # kept before answers were sealed
        else:
            key = opened.get(header_of(value).key_id)
            content = ERASED if key is None else str(open_value(value, key))
        answers.append(SealedAnswer(row["respondent_token"], row["kind"], row["visibility"], content))
    return tuple(answers)


def _stored_content(text: str) -> str | dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if is_protected_value(value) else text


async def sealed_answers(
    connection: Connection, keys: DataKeyStore, organisation_id: str, request_id: str
) -> tuple[SealedAnswer, ...]:
    rows = await connection.fetch(
        "SELECT respondent_token, kind, visibility, content FROM sealed_answers"
        " WHERE organisation_id = $1 AND request_id = $2",
        organisation_id,
        request_id,
    )
    return await _opened(rows, keys, connection)


async def sealed_answer(
    pool: Pool, keys: DataKeyStore, organisation_id: str, request_id: str, token: str
) -> SealedAnswer | None:
    row = await pool.fetchrow(
        "SELECT respondent_token, kind, visibility, content FROM sealed_answers"
        " WHERE organisation_id = $1 AND request_id = $2 AND respondent_token = $3",
        organisation_id,
        request_id,
        token,
    )
    if row is None:
        return None
    [answer] = await _opened([row], keys, None)
    return answer


async def erase(connection: Connection, organisation_id: str, request_id: str) -> bool:
    """Forget the request's key and sealed answers; True if there was anything to forget."""
    keys = await connection.execute(
        "DELETE FROM anonymous_request_keys WHERE organisation_id = $1 AND request_id = $2",
        organisation_id,
        request_id,
    )
    await connection.execute(
        "DELETE FROM sealed_answers WHERE organisation_id = $1 AND request_id = $2",
        organisation_id,
        request_id,
    )
    return keys != "DELETE 0"


async def closed_before(pool: Pool, moment: datetime) -> list[tuple[str, str]]:
    """(organisation, request) of the anonymous requests closed before ``moment`` whose key is
    still kept."""
    rows = await pool.fetch(
        """
        SELECT k.organisation_id, k.request_id FROM anonymous_request_keys k
        JOIN feedback_requests r USING (organisation_id, request_id)
        WHERE r.closed_at IS NOT NULL AND r.closed_at < $1
        """,
        moment,
    )
    return [(row["organisation_id"], row["request_id"]) for row in rows]
