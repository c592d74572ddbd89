"""The integrations service's use cases: subscriptions, their secrets, the delivery log, backfills.

Orchestration only: the rules are in ``domain/``; loading, deciding and appending (with the
inline ``subscriptions`` table) are the kernel's CommandHandler. HR admins and platform admins
of an organisation manage its subscriptions; only platform admins ask for backfills. Another
organisation's subscription answers exactly like a missing one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from trellis_contracts.envelope import EventTypeName
from trellis_integrations import projections
from trellis_integrations.delivery import tables
from trellis_integrations.delivery.tables import NOTIFY
from trellis_integrations.delivery.transport import Target
from trellis_integrations.delivery.webhooks import new_secret
from trellis_integrations.domain.endpoints import HTTPS_ONLY, EndpointRules
from trellis_integrations.domain.events import DisableReason, Kind
from trellis_integrations.domain.subscription import (
    Configuration,
    CreateSubscription,
    Disable,
    Enable,
    Reconfigure,
    Remove,
    RotateSecret,
    SubscriptionCommand,
    SubscriptionExists,
    SubscriptionState,
    subscription_decider,
)
from trellis_integrations.event_codec import INTEGRATIONS_CODEC
from trellis_integrations.streams import subscription_stream
from trellis_kernel.backfill.api import PLATFORM_ADMIN_ROLE
from trellis_kernel.commands import RETRY_ON_CONFLICT, CommandHandler, Outcome
from trellis_kernel.decider import DomainError
from trellis_kernel.http import Forbidden, NotFound, StaleVersion
from trellis_kernel.identity import Principal
from trellis_kernel.metadata import EventMetadata
from trellis_kernel.projections import setup_or_rebuild
from trellis_kernel.store import ConcurrencyConflict, Connection, EventStore, Pool

HR_ADMIN_ROLE = "hr_admin"
SYSTEM = "trellis-integrations-dispatcher"
SERVICES = ("goals", "feedback", "recognition")


def utc_now() -> datetime:
    return datetime.now(UTC)


class IdTaken(Exception):
    """The client's id names something else already (HTTP 409)."""

    def __init__(self, message: str, current_version: int) -> None:
        super().__init__(message)
        self.current_version = current_version


@dataclass(frozen=True)
class Admin:
    """A caller allowed to manage an organisation's subscriptions."""

    user_id: str
    organisation_id: str
    platform_admin: bool


def admin_of(principal: Principal) -> Admin:
    if not principal.organisation_id:
        raise Forbidden("the token names no organisation")
    if not (principal.has_role(HR_ADMIN_ROLE) or principal.has_role(PLATFORM_ADMIN_ROLE)):
        raise Forbidden("only an HR admin or a platform admin manages the organisation's subscriptions")
    return Admin(principal.subject, principal.organisation_id, principal.has_role(PLATFORM_ADMIN_ROLE))


class IntegrationsApplication:
    def __init__(
        self, pool: Pool, *, rules: EndpointRules = HTTPS_ONLY, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.pool = pool
        self.store = EventStore(pool)
        self.rules = rules
        self.clock = clock
        self.subscriptions: CommandHandler[SubscriptionCommand, SubscriptionState, Any] = CommandHandler(
            self.store,
            subscription_decider,
            INTEGRATIONS_CODEC,
            projections=projections.PROJECTIONS,
            retry=RETRY_ON_CONFLICT,
        )

    async def setup(self) -> None:
        await self.store.setup()
        for projection in projections.PROJECTIONS:
            await setup_or_rebuild(self.store, projection, inline=True)
        async with self.pool.acquire() as connection:
            for statement in tables.SCHEMA:
                await connection.execute(statement)

    # --- commands -----------------------------------------------------------------------------

    async def _handle(
        self,
        admin: Admin,
        subscription_id: str,
        command: SubscriptionCommand,
        *,
        expected_version: int | None = None,
        connection: Connection | None = None,
    ) -> Outcome[SubscriptionState, Any]:
        stream = subscription_stream(admin.organisation_id, subscription_id)
        if not isinstance(command, CreateSubscription):
            loaded = await self.subscriptions.load(stream, connection=connection)
            if loaded.state is None:
                raise NotFound(f"there is no subscription {subscription_id!r}")
        try:
            return await self.subscriptions.handle(
                stream,
                command,
                metadata=EventMetadata(principal=admin.user_id),
                expected_version=expected_version,
                connection=connection,
            )
        except ConcurrencyConflict as conflict:
            raise StaleVersion(stream, expected_version or 0, conflict.current_version) from conflict

    async def create(
        self, admin: Admin, subscription_id: str, kind: Kind, configuration: Configuration, secret: str | None
    ) -> Outcome[SubscriptionState, Any]:
        """A new subscription with a signing secret (webhook; generated unless given) or the LRS's
        password (xapi); the same request again answers as the first time."""
        if kind == "xapi" and not secret:
            raise DomainError("the LRS needs the password of its username", field="password")
        secret_id = uuid.uuid4().hex
        async with self.pool.acquire() as connection, connection.transaction():
            try:
                outcome = await self._handle(
                    admin,
                    subscription_id,
                    CreateSubscription(
                        subscription_id=subscription_id,
                        organisation_id=admin.organisation_id,
                        kind=kind,
                        configuration=configuration,
                        secret_id=secret_id,
                        by=admin.user_id,
                        now=self.clock(),
                        rules=self.rules,
                    ),
                    connection=connection,
                )
            except SubscriptionExists as taken:
                current = await self.store.stream_version(
                    subscription_stream(admin.organisation_id, subscription_id), connection=connection
                )
                raise IdTaken(taken.message, current) from taken
            if outcome.changed:
                await self._keep_secret(connection, admin, subscription_id, secret_id, secret or new_secret())
        return outcome

    async def _keep_secret(
        self, connection: Connection, admin: Admin, subscription_id: str, secret_id: str, secret: str
    ) -> None:
        await connection.execute(
            "INSERT INTO subscription_secrets (organisation_id, subscription_id, secret_id, secret, created_at)"
            " VALUES ($1, $2, $3, $4, $5)",
            admin.organisation_id,
            subscription_id,
            secret_id,
            secret,
            self.clock(),
        )

    async def reconfigure(
        self, admin: Admin, subscription_id: str, configuration: Configuration, expected_version: int | None
    ) -> Outcome[SubscriptionState, Any]:
        command = Reconfigure(configuration, admin.user_id, self.clock(), self.rules)
        return await self._handle(admin, subscription_id, command, expected_version=expected_version)

    async def rotate_secret(
        self, admin: Admin, subscription_id: str, secret: str | None, overlap: timedelta
    ) -> Outcome[SubscriptionState, Any]:
        """A new secret signs from now on; the one in force keeps signing beside it for ``overlap``
        (zero: it stops at once), then is erased."""
        now = self.clock()
        secret_id = uuid.uuid4().hex
        async with self.pool.acquire() as connection, connection.transaction():
            outcome = await self._handle(
                admin,
                subscription_id,
                RotateSecret(secret_id, now + overlap if overlap else None, admin.user_id, now),
                connection=connection,
            )
            # Every older secret stops signing at the end of this overlap at the latest.
            await connection.execute(
                "UPDATE subscription_secrets SET valid_until = least(coalesce(valid_until, $3), $3)"
                " WHERE organisation_id = $1 AND subscription_id = $2",
                admin.organisation_id,
                subscription_id,
                now + overlap,
            )
            await self._keep_secret(connection, admin, subscription_id, secret_id, secret or new_secret())
        return outcome

    async def disable(
        self, admin: Admin, subscription_id: str, reason: str
    ) -> Outcome[SubscriptionState, Any]:
        command = Disable("admin", reason or "disabled by an admin", admin.user_id, self.clock())
        return await self._handle(admin, subscription_id, command)

    async def enable(self, admin: Admin, subscription_id: str) -> Outcome[SubscriptionState, Any]:
        """Deliveries resume, the one the receiver answered 410 to first; the run of failures
        starts afresh."""
        async with self.pool.acquire() as connection, connection.transaction():
            outcome = await self._handle(
                admin, subscription_id, Enable(admin.user_id, self.clock()), connection=connection
            )
            await connection.execute(
                "UPDATE subscription_health SET consecutive_failures = 0, failing_since = NULL"
                " WHERE organisation_id = $1 AND subscription_id = $2",
                admin.organisation_id,
                subscription_id,
            )
            await connection.execute(NOTIFY)
        return outcome

    async def remove(self, admin: Admin, subscription_id: str) -> Outcome[SubscriptionState, Any]:
        """No more deliveries; the ones waiting are dropped, the log stays until its retention."""
        async with self.pool.acquire() as connection, connection.transaction():
            outcome = await self._handle(
                admin, subscription_id, Remove(admin.user_id, self.clock()), connection=connection
            )
            await connection.execute(
                "UPDATE deliveries SET status = 'cancelled', finished_at = $3, leased_until = NULL"
                " WHERE organisation_id = $1 AND subscription_id = $2 AND status = 'pending'",
                admin.organisation_id,
                subscription_id,
                self.clock(),
            )
            await connection.execute(
                "DELETE FROM subscription_secrets WHERE organisation_id = $1 AND subscription_id = $2",
                admin.organisation_id,
                subscription_id,
            )
        return outcome

    async def disable_for_receiver(
        self, connection: Connection, target: Target, reason: DisableReason, detail: str, now: datetime
    ) -> bool:
        """The dispatcher's verdict (410 Gone, or failing for too long), in its transaction."""
        outcome = await self.subscriptions.handle(
            subscription_stream(target.organisation_id, target.subscription_id),
            Disable(reason, detail, SYSTEM, now),
            metadata=EventMetadata(principal=SYSTEM),
            connection=connection,
        )
        return outcome.changed

    # --- queries ------------------------------------------------------------------------------

    async def _row(self, admin: Admin, subscription_id: str) -> Any:
        row = await self.pool.fetchrow(
            """
            SELECT s.*, h.consecutive_failures, h.failing_since, h.last_success_at, h.last_failure_at,
                   (SELECT coalesce(jsonb_object_agg(status, n), '{}') FROM (
                        SELECT status, count(*) AS n FROM deliveries d
                        WHERE d.organisation_id = s.organisation_id AND d.subscription_id = s.subscription_id
                        GROUP BY status) counts) AS deliveries
            FROM subscriptions s
            LEFT JOIN subscription_health h USING (organisation_id, subscription_id)
            WHERE s.organisation_id = $1 AND s.subscription_id = $2
            """,
            admin.organisation_id,
            subscription_id,
        )
        if row is None:
            raise NotFound(f"there is no subscription {subscription_id!r}")
        return row

    async def subscription(self, admin: Admin, subscription_id: str) -> Any:
        return await self._row(admin, subscription_id)

    async def listed(self, admin: Admin, kind: str | None, status: str | None) -> list[Any]:
        return list(
            await self.pool.fetch(
                """
                SELECT s.*, NULL::integer AS consecutive_failures, NULL::timestamptz AS failing_since,
                       NULL::timestamptz AS last_success_at, NULL::timestamptz AS last_failure_at,
                       '{}'::jsonb AS deliveries
                FROM subscriptions s
                WHERE s.organisation_id = $1 AND ($2::text IS NULL OR s.kind = $2)
                  AND ($3::text IS NULL OR s.status = $3)
                ORDER BY s.created_at, s.subscription_id
                """,
                admin.organisation_id,
                kind,
                status,
            )
        )

    async def secrets(self, admin: Admin, subscription_id: str) -> list[Any]:
        row = await self._row(admin, subscription_id)
        if row["kind"] != "webhook":
            raise DomainError("only a webhook subscription has signing secrets", field="subscription_id")
        return list(
            await self.pool.fetch(
                """
                SELECT secret_id, secret, created_at, valid_until FROM subscription_secrets
                WHERE organisation_id = $1 AND subscription_id = $2 AND (valid_until IS NULL OR valid_until > $3)
                ORDER BY created_at DESC
                """,
                admin.organisation_id,
                subscription_id,
                self.clock(),
            )
        )

    async def deliveries(
        self,
        admin: Admin,
        subscription_id: str,
        *,
        status: str | None,
        event_type: str | None,
        after: int,
        limit: int,
    ) -> list[Any]:
        await self._row(admin, subscription_id)
        return list(
            await self.pool.fetch(
                """
                SELECT d.*, coalesce((
                    SELECT jsonb_agg(to_jsonb(a) - 'delivery_id' ORDER BY a.attempt)
                    FROM delivery_attempts a WHERE a.delivery_id = d.delivery_id), '[]') AS attempt_log
                FROM deliveries d
                WHERE d.organisation_id = $1 AND d.subscription_id = $2 AND d.delivery_id > $3
                  AND ($4::text IS NULL OR d.status = $4) AND ($5::text IS NULL OR d.event_type = $5)
                ORDER BY d.delivery_id
                LIMIT $6
                """,
                admin.organisation_id,
                subscription_id,
                after,
                status,
                event_type,
                limit,
            )
        )

    # --- backfills ------------------------------------------------------------------------------

    async def request_backfill(
        self,
        admin: Admin,
        subscription_id: str,
        *,
        backfill_id: uuid.UUID,
        service: str,
        since: datetime | None,
        event_types: list[str] | None,
    ) -> Any:
        """A job that delivers a service's replay (backfill ``backfill_id``) to this subscription;
        until the replay is in, the subscription's live deliveries wait so that each aggregate
        reaches the receiver in order. The replay itself is asked of the owning service."""
        if not admin.platform_admin:
            raise Forbidden(f"only a platform admin ({PLATFORM_ADMIN_ROLE!r}) may replay a service's history")
        row = await self._row(admin, subscription_id)
        if row["status"] == "removed":
            raise DomainError("the subscription was removed", field="subscription_id")
        if service not in SERVICES:
            raise DomainError(
                f"no service {service!r} publishes events; choose one of {SERVICES}", field="service"
            )
        subscribed = {t for t in row["event_types"] if EventTypeName.parse(t).service == service}
        chosen = sorted(subscribed & set(event_types) if event_types is not None else subscribed)
        if not chosen:
            raise DomainError(
                f"the subscription takes none of the {service} events asked for", field="event_types"
            )
        existing = await self.pool.fetchrow("SELECT * FROM backfill_jobs WHERE backfill_id = $1", backfill_id)
        if existing is None:
            await self.pool.execute(
                """
                INSERT INTO backfill_jobs (backfill_id, organisation_id, subscription_id, service, event_types,
                                           since, created_by, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (backfill_id) DO NOTHING
                """,
                backfill_id,
                admin.organisation_id,
                subscription_id,
                service,
                chosen,
                since,
                admin.user_id,
                self.clock(),
            )
        elif (
            existing["organisation_id"],
            existing["subscription_id"],
            existing["service"],
            list(existing["event_types"]),
            existing["since"],
        ) != (admin.organisation_id, subscription_id, service, chosen, since):
            raise IdTaken(f"backfill {backfill_id} was asked for with other content", 0)
        return await self.backfill(admin, subscription_id, backfill_id)

    async def backfill(self, admin: Admin, subscription_id: str, backfill_id: uuid.UUID) -> Any:
        row = await self.pool.fetchrow(
            """
            SELECT j.*,
                   (SELECT coalesce(jsonb_object_agg(status, n), '{}') FROM (
                        SELECT status, count(*) AS n FROM deliveries d WHERE d.backfill_id = j.backfill_id
                        GROUP BY status) counts) AS deliveries
            FROM backfill_jobs j
            WHERE j.backfill_id = $1 AND j.organisation_id = $2 AND j.subscription_id = $3
            """,
            backfill_id,
            admin.organisation_id,
            subscription_id,
        )
        if row is None:
            raise NotFound(f"there is no backfill {backfill_id} for subscription {subscription_id!r}")
        return row

    async def cancel_backfill(self, admin: Admin, subscription_id: str, backfill_id: uuid.UUID) -> Any:
        """Stop holding live deliveries for a replay that will not come (cancelled at the service)."""
        await self.backfill(admin, subscription_id, backfill_id)
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "UPDATE backfill_jobs SET state = 'cancelled' WHERE backfill_id = $1 AND state = 'replaying'",
                backfill_id,
            )
            await connection.execute(NOTIFY)
        return await self.backfill(admin, subscription_id, backfill_id)
