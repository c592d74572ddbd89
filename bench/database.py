"""A scratch PostgreSQL database for one benchmark run, on the server Trellis uses.

The server comes from BENCH_DATABASE_URL, POSTGRES_DATABASE_URL (what `trellis infra env` sets)
or DATABASE_URL when set (it must be allowed to create databases), else from the local stack
(`trellis infra up`, which is idempotent).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import asyncpg


def admin_dsn() -> str:
    """Call it outside a running event loop: starting the local stack runs one of its own."""
    configured = (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("POSTGRES_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
    )
    if configured:
        return configured
    from trellis_deploy import infrastructure

    endpoints = infrastructure.up()
    if endpoints.postgres_admin_dsn is None:
        raise SystemExit("no PostgreSQL DSN allowed to create databases; set BENCH_DATABASE_URL")
    return endpoints.postgres_admin_dsn


@dataclass(frozen=True)
class ScratchDatabase:
    dsn: str
    host: str
    port: int
    user: str
    password: str
    name: str


def _with_database(dsn: str, name: str) -> str:
    base, _, _ = dsn.partition("?")[0].rpartition("/")
    return f"{base}/{name}"


@asynccontextmanager
async def scratch_database(admin: str, prefix: str = "bench") -> AsyncIterator[ScratchDatabase]:
    """A new empty database on the server of `admin` (see admin_dsn()), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    dsn = _with_database(admin, name)
    parts = urlsplit(dsn)
    try:
        yield ScratchDatabase(
            dsn=dsn,
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            name=name,
        )
    finally:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()
