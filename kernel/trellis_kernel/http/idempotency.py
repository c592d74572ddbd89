"""Retryable commands without a natural id: the ``Idempotency-Key`` request header (IETF
httpapi draft "The Idempotency-Key HTTP Header Field").

A client that cannot tell whether its POST was applied (a timeout, a dropped connection) sends
it again with the same key. The first request that succeeds is remembered, per caller (their
organisation and subject) and key, with a fingerprint of the request (method, path and body)
and the answer it got; for at least ``retention`` (24 hours by default):

- the same key with the same request answers what the first one answered (status and body,
  with ``Idempotent-Replayed: true``), and nothing is done again;
- the same key with a different request answers 422 (the draft's answer), naming the header;
- a request that fails is not remembered: nothing was stored, so trying again is safe.

The key is stored in the service's own database, in the transaction of the command's append,
after the events (the append stays the transaction's first write, which the event store's
global order needs; see ``CommandHandler``). Two identical requests at once: the second one's
append or key insert waits for the first and then fails (a conflict on the stream, or on the
key), and it answers the first one's stored response. A command that records nothing (its
events were recorded before) is remembered right after it answers.

A service adopts it with its command routers and its lifespan::

    router = APIRouter(prefix="/goals", route_class=IdempotentRoute, responses=COMMAND_RESPONSES)

    keys = IdempotencyKeys(pool)
    await keys.setup()
    app.state.idempotency_keys = keys     # app.state.authenticate: the kernel's bearer_principal

Every POST route of such a router documents the optional header in the OpenAPI document.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any, Final

from fastapi import Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from trellis_kernel.commands import Outcome, after_each_append
from trellis_kernel.store import Connection, Pool

HEADER: Final = "Idempotency-Key"
REPLAYED_HEADER: Final = "Idempotent-Replayed"
DEFAULT_RETENTION: Final = timedelta(hours=24)
_PURGE_EVERY_SECONDS: Final = 600.0

# An sf-string (the draft: a String Structured Field) of visible ASCII, or the same unquoted,
# which many clients send.
_VISIBLE = r"\x21\x23-\x5b\x5d-\x7e"
KEY_PATTERN: Final = rf'^(?:"[{_VISIBLE} ]{{1,255}}"|[{_VISIBLE}]{{1,255}})$'
_KEY = re.compile(KEY_PATTERN)

TABLE: Final = (
    """
    CREATE TABLE IF NOT EXISTS idempotency_keys (
        scope       text NOT NULL,
        key         text NOT NULL,
        fingerprint text NOT NULL,
        request_id  uuid NOT NULL,
        status      integer NOT NULL,
        body        jsonb NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
    )
    """,
    "CREATE INDEX IF NOT EXISTS idempotency_keys_created_at_idx ON idempotency_keys (created_at)",
)


async def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            pattern=KEY_PATTERN,
            description="Makes a retried POST safe: the same key with the same request answers "
            "what the first one answered (kept at least 24 hours); with a different request, 422. "
            'A String Structured Field, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324".',
        ),
    ] = None,
) -> None:
    """Documents and validates the header; IdempotentRoute does the work."""


@dataclass(frozen=True)
class Remembered:
    fingerprint: str
    status: int
    body: Any

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status, headers={REPLAYED_HEADER: "true"})


@dataclass
class _Pending:
    keys: IdempotencyKeys
    scope: str
    key: str
    fingerprint: str
    status: int
    request_id: uuid.UUID = field(default_factory=uuid.uuid4)
    recorded: bool = False

    async def record(self, connection: Connection, outcome: Outcome[Any, Any]) -> None:
        body = {
            "stream_id": outcome.stream_id,
            "version": outcome.version,
            "events": [stored.event_type for stored in outcome.stored],
        }
        await self.keys.record(connection, self, body)
        self.recorded = True


class KeyTaken(Exception):
    """Another request recorded this key first (it committed while this one ran)."""


class IdempotencyKeys:
    """The remembered answers, in the service's database."""

    def __init__(self, pool: Pool, *, retention: timedelta = DEFAULT_RETENTION) -> None:
        self.pool = pool
        self.retention = retention
        self._purged_at = 0.0

    async def setup(self) -> None:
        async with self.pool.acquire() as connection:
            for statement in TABLE:
                await connection.execute(statement)

    async def find(self, scope: str, key: str) -> Remembered | None:
        await self._purge_now_and_then()
        row = await self.pool.fetchrow(
            "SELECT fingerprint, status, body FROM idempotency_keys"
            " WHERE scope = $1 AND key = $2 AND created_at >= now() - $3::interval",
            scope,
            key,
            self.retention,
        )
        if row is None:
            return None
        return Remembered(row["fingerprint"], row["status"], json.loads(row["body"]))

    async def record(self, connection: Connection, pending: _Pending, body: Any) -> None:
        """Remember ``body`` as the answer to the pending request (again, if the request appended
        more than once); raise KeyTaken when another request holds the key."""
        recorded = await connection.fetchval(
            """
            INSERT INTO idempotency_keys (scope, key, fingerprint, request_id, status, body)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (scope, key) DO UPDATE
               SET fingerprint = excluded.fingerprint, request_id = excluded.request_id,
                   status = excluded.status, body = excluded.body, created_at = now()
             WHERE idempotency_keys.request_id = excluded.request_id
                OR idempotency_keys.created_at < now() - $7::interval
            RETURNING true
            """,
            pending.scope,
            pending.key,
            pending.fingerprint,
            pending.request_id,
            pending.status,
            json.dumps(body),
            self.retention,
        )
        if not recorded:
            raise KeyTaken(pending.key)

    async def _purge_now_and_then(self) -> None:
        now = time.monotonic()
        if now - self._purged_at < _PURGE_EVERY_SECONDS:
            return
        self._purged_at = now
        await self.pool.execute(
            "DELETE FROM idempotency_keys WHERE created_at < now() - $1::interval", self.retention
        )


def _key(raw: str) -> str | None:
    raw = raw.strip()
    if not _KEY.fullmatch(raw):
        return None
    return raw[1:-1] if raw.startswith('"') else raw


def _fingerprint(request: Request, body: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.url.path.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _mismatch() -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={
            "detail": [
                {
                    "field": HEADER,
                    "reason": "this key was used for a different request; use a new key for a new request",
                }
            ]
        },
    )


class IdempotentRoute(APIRoute):
    """A route whose POST honours the Idempotency-Key header (see the module's doc)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {method.upper() for method in kwargs.get("methods") or ()}
        dependencies = list(kwargs.get("dependencies") or ())
        if "POST" in methods and not any(d.dependency is idempotency_key for d in dependencies):
            kwargs["dependencies"] = [*dependencies, Depends(idempotency_key)]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()
        if "POST" not in (self.methods or ()):
            return original
        success = self.status_code or 200

        async def handler(request: Request) -> Response:
            raw = request.headers.get(HEADER)
            key = _key(raw) if raw is not None else None
            keys: IdempotencyKeys | None = getattr(request.app.state, "idempotency_keys", None)
            if key is None or keys is None:
                return await original(request)  # no key, or one validation refuses
            principal = await request.app.state.authenticate(request)
            scope = f"{principal.organisation_id or ''}/{principal.subject}"
            fingerprint = _fingerprint(request, await request.body())
            remembered = await keys.find(scope, key)
            if remembered is not None:
                return remembered.response() if remembered.fingerprint == fingerprint else _mismatch()
            pending = _Pending(keys, scope, key, fingerprint, success)
            try:
                with after_each_append(pending.record):
                    response = await original(request)
            except Exception:
                # A request with the same key that committed meanwhile (this one lost the race
                # on the stream or on the key) has the answer.
                remembered = await keys.find(scope, key)
                if remembered is None:
                    raise
                return remembered.response() if remembered.fingerprint == fingerprint else _mismatch()
            if 200 <= response.status_code < 300 and not pending.recorded:
                # An identical request may have remembered its answer first: keep that one.
                async with keys.pool.acquire() as connection:
                    with contextlib.suppress(KeyTaken):
                        await keys.record(connection, pending, json.loads(bytes(response.body)))
            return response

        return handler
