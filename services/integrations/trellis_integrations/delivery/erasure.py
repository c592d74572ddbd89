"""An erased person's text in the delivery log: nothing the integrations service could read.

The service keeps each routed event's body (``delivery_events``) until its deliveries are done
and as the log. A body of a contract that protects personal data holds the text as ciphertext
under the publishing service's key (shredded by the erasure), never opened here. A contract that
carries personal text in the clear (a major published before its service protected it) would keep
the text readable, so:

- on ``PersonErased`` (goals topic), in the claim's transaction, every kept body with such text
  about the person is rewritten with it read as erased (``"[erased]"``), and the person is
  remembered (``erased_people``);
- an event with such text about a remembered person (another topic lagging behind, a backfill
  of old history) is kept with it read as erased from the start.

Webhook deliveries still pending send the rewritten body; xAPI statements are made from it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any, Final

from trellis_contracts.base import EventContract
from trellis_contracts.catalogue import every_contract
from trellis_contracts.personal import personal_fields, personal_values
from trellis_contracts.protected import is_protected_value
from trellis_kernel.store import Connection

ERASED_PEOPLE: Final = """
    CREATE TABLE IF NOT EXISTS erased_people (
        organisation_id  text NOT NULL,
        person_id        text NOT NULL,
        erased_at        timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (organisation_id, person_id)
    )
"""


@functools.cache
def carries_clear_text(event_type: str) -> bool:
    contract = every_contract().get(event_type)
    return contract is not None and bool(personal_fields(contract)) and not contract.protects_personal_data


def _clear_text_owners(contract: type[EventContract], data: dict[str, Any]) -> set[str]:
    return {
        personal.owner_id
        for personal in personal_values(contract, data)
        if personal.owner_id is not None and not is_protected_value(personal.value)
    }


def without_text_about(
    contract: type[EventContract], data: Mapping[str, Any], people: set[str]
) -> dict[str, Any] | None:
    """A copy of ``data`` with the clear personal text about ``people`` read as erased; None when
    it holds none."""
    copy: dict[str, Any] = json.loads(json.dumps(data))
    changed = False
    for personal in personal_values(contract, copy):
        if personal.owner_id in people and not is_protected_value(personal.value):
            erased = personal.field.erased()
            if personal.value not in (erased, None):
                personal.replace(erased)
                changed = True
    return copy if changed else None


def _body(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


async def without_erased_people(
    connection: Connection, organisation_id: str, event_type: str, body: str
) -> str:
    """The body to keep for a routed event: clear text about people erased before read as erased."""
    if not carries_clear_text(event_type):
        return body
    contract = every_contract()[event_type]
    document = json.loads(body)
    owners = _clear_text_owners(contract, document["data"])
    if not owners:
        return body
    rows = await connection.fetch(
        "SELECT person_id FROM erased_people WHERE organisation_id = $1 AND person_id = ANY($2::text[])",
        organisation_id,
        sorted(owners),
    )
    erased = {row["person_id"] for row in rows}
    data = without_text_about(contract, document["data"], erased) if erased else None
    if data is None:
        return body
    document["data"] = data
    return _body(document)


async def forget_person(connection: Connection, organisation_id: str, person_id: str) -> int:
    """Remember the person as erased and rewrite the kept bodies holding clear text about them;
    returns how many were rewritten. Running it again changes nothing."""
    await connection.execute(
        "INSERT INTO erased_people (organisation_id, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        organisation_id,
        person_id,
    )
    rows = await connection.fetch(
        "SELECT event_id, event_type, body FROM delivery_events"
        " WHERE organisation_id = $1 AND event_type = ANY($3::text[]) AND strpos(body, $2) > 0"
        " FOR UPDATE",
        organisation_id,
        person_id,
        sorted(t for t in every_contract() if carries_clear_text(t)),
    )
    rewritten = 0
    for row in rows:
        contract = every_contract()[row["event_type"]]
        document = json.loads(row["body"])
        data = without_text_about(contract, document["data"], {person_id})
        if data is None:
            continue
        document["data"] = data
        await connection.execute(
            "UPDATE delivery_events SET body = $2 WHERE event_id = $1", row["event_id"], _body(document)
        )
        rewritten += 1
    return rewritten
