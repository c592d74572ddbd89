"""The ``subscriptions`` table: each subscription as its stream left it, for routing and the API.

Kept inline (in the transaction of each append), so the consumer that routes events and the
dispatcher that delivers them never act on a configuration older than the last command.
"""

from __future__ import annotations

from collections.abc import Sequence

from trellis_integrations.domain.events import (
    SecretRotated,
    SubscriptionCreated,
    SubscriptionDisabled,
    SubscriptionEnabled,
    SubscriptionReconfigured,
    SubscriptionRemoved,
)
from trellis_integrations.event_codec import INTEGRATIONS_CODEC
from trellis_kernel.projections import Projection
from trellis_kernel.store import Connection, StoredEvent


class SubscriptionTable:
    name = "integrations.subscriptions"
    tables: Sequence[str] = ("subscriptions",)
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.subscriptions (
            organisation_id  text NOT NULL,
            subscription_id  text NOT NULL,
            kind             text NOT NULL,
            endpoint         text NOT NULL,
            event_types      text[] NOT NULL,
            max_in_flight    integer NOT NULL,
            timeout_seconds  double precision NOT NULL,
            lrs_username     text,
            home_page        text,
            description      text,
            secret_id        text NOT NULL,
            status           text NOT NULL,
            disabled_reason  text,
            disabled_detail  text,
            disabled_at      timestamptz,
            created_by       text NOT NULL,
            created_at       timestamptz NOT NULL,
            updated_at       timestamptz NOT NULL,
            version          integer NOT NULL,
            PRIMARY KEY (organisation_id, subscription_id)
        )
        """,
        "CREATE INDEX ON {schema}.subscriptions USING gin (event_types) WHERE status <> 'removed'",
    )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        decoded = INTEGRATIONS_CODEC.decode(event)
        table = f"{schema}.subscriptions"
        key = (decoded.organisation_id, decoded.subscription_id)
        if isinstance(decoded, SubscriptionCreated):
            await connection.execute(
                f"""
                INSERT INTO {table} (organisation_id, subscription_id, kind, endpoint, event_types,
                    max_in_flight, timeout_seconds, lrs_username, home_page, description, secret_id,
                    status, created_by, created_at, updated_at, version)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'active', $12, $13, $13, $14)
                """,
                *key,
                decoded.kind,
                decoded.endpoint,
                list(decoded.event_types),
                decoded.max_in_flight,
                decoded.timeout_seconds,
                decoded.lrs_username,
                decoded.home_page,
                decoded.description,
                decoded.secret_id,
                decoded.created_by,
                decoded.occurred_at,
                event.version,
            )
            return
        if isinstance(decoded, SubscriptionReconfigured):
            changes = (
                "endpoint = $3, event_types = $4, max_in_flight = $5, timeout_seconds = $6,"
                " lrs_username = $7, home_page = $8, description = $9"
            )
            values: tuple[object, ...] = (
                decoded.endpoint,
                list(decoded.event_types),
                decoded.max_in_flight,
                decoded.timeout_seconds,
                decoded.lrs_username,
                decoded.home_page,
                decoded.description,
            )
        elif isinstance(decoded, SecretRotated):
            changes, values = "secret_id = $3", (decoded.secret_id,)
        elif isinstance(decoded, SubscriptionDisabled):
            changes = "status = 'disabled', disabled_reason = $3, disabled_detail = $4, disabled_at = $5"
            values = (decoded.reason, decoded.detail, decoded.occurred_at)
        elif isinstance(decoded, SubscriptionEnabled):
            changes = "status = 'active', disabled_reason = NULL, disabled_detail = NULL, disabled_at = NULL"
            values = ()
        elif isinstance(decoded, SubscriptionRemoved):
            changes, values = "status = 'removed'", ()
        else:
            return
        at, version = len(values) + 3, len(values) + 4
        await connection.execute(
            f"UPDATE {table} SET {changes}, updated_at = ${at}, version = ${version}"
            " WHERE organisation_id = $1 AND subscription_id = $2",
            *key,
            *values,
            decoded.occurred_at,
            event.version,
        )


PROJECTIONS: tuple[Projection, ...] = (SubscriptionTable(),)
