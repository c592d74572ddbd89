"""Every published version of every reward policy, with its document: what the consumer reads
to find the versions in effect for an event (instead of folding each policy stream), and what
``GET /policies`` lists. Versions never change once published, so parsed documents are kept
in memory per process."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from trellis_contracts import recognition as r
from trellis_contracts.reward_policy import RewardPolicy
from trellis_kernel.store import Connection, StoredEvent
from trellis_recognition.domain.policies import PolicyVersion


class PolicyVersions:
    name = "recognition.policy_versions"
    tables: Sequence[str] = ("policy_versions",)
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.policy_versions (
            organisation_id text NOT NULL,
            policy_id       text NOT NULL,
            policy_version  integer NOT NULL,
            title           text NOT NULL,
            effective_on    date NOT NULL,
            published_by    text NOT NULL,
            published_at    timestamptz NOT NULL,
            document        jsonb NOT NULL,
            PRIMARY KEY (organisation_id, policy_id, policy_version)
        )
        """,
    )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        if event.event_type != r.PolicyPublishedV2.event_type():
            return
        p = event.payload
        await connection.execute(
            f"""
            INSERT INTO {schema}.policy_versions (organisation_id, policy_id, policy_version, title,
                effective_on, published_by, published_at, document)
            VALUES ($1, $2, $3, $4, $5::date, $6, $7, $8::jsonb)
            ON CONFLICT (organisation_id, policy_id, policy_version) DO NOTHING
            """,
            p["organisation_id"],
            p["policy_id"],
            p["policy_version"],
            p["title"],
            _date(p["effective_on"]),
            p["published_by_id"],
            event.occurred_at,
            json.dumps(p["document"]),
        )


def _date(text: str) -> date:
    return date.fromisoformat(text)


@lru_cache(maxsize=4096)
def _document(text: str) -> RewardPolicy:
    return RewardPolicy.model_validate_json(text)


def _version(row: Any) -> PolicyVersion:
    return PolicyVersion(
        policy_id=row["policy_id"],
        organisation_id=row["organisation_id"],
        version=row["policy_version"],
        document=_document(row["document"]),
        published_at=row["published_at"],
    )


async def versions_of(connection: Connection, organisation_id: str) -> list[PolicyVersion]:
    """Every version of every policy of the organisation."""
    rows = await connection.fetch(
        "SELECT organisation_id, policy_id, policy_version, published_at, document::text AS document"
        " FROM policy_versions WHERE organisation_id = $1 ORDER BY policy_id, policy_version",
        organisation_id,
    )
    return [_version(row) for row in rows]


async def policy_rows(
    connection: Connection, organisation_id: str, policy_id: str | None = None
) -> list[dict[str, Any]]:
    """The versions as stored (document included), by policy then version."""
    rows = await connection.fetch(
        "SELECT policy_id, policy_version, title, effective_on, published_by, published_at,"
        " document::text AS document FROM policy_versions"
        " WHERE organisation_id = $1 AND ($2::text IS NULL OR policy_id = $2)"
        " ORDER BY policy_id, policy_version",
        organisation_id,
        policy_id,
    )
    return [{**dict(row), "document": json.loads(row["document"])} for row in rows]
