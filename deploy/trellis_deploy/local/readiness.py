"""Readiness probes that speak the real protocols: a Kafka metadata request, a PostgreSQL query."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg
from aiokafka import AIOKafkaClient


async def kafka_answers_metadata(bootstrap_servers: str) -> bool:
    # A broker that is still starting refuses connections; that is expected, not an error to log.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    client = AIOKafkaClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=5000)
    try:
        await client.bootstrap()
        metadata = await client.fetch_all_metadata()
        return bool(metadata.brokers())
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):
            await client.close()


async def postgres_answers(dsn: str) -> bool:
    try:
        connection = await asyncpg.connect(dsn, timeout=5)
    except Exception:
        return False
    try:
        return bool(await connection.fetchval("select 1"))
    finally:
        await connection.close()


def wait_until(
    probe: Callable[[], Coroutine[Any, Any, bool]],
    *,
    timeout: float,
    still_starting: Callable[[], bool],
    interval: float = 0.5,
) -> bool:
    """Polls `probe` until it succeeds, the deadline passes, or the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if asyncio.run(probe()):
            return True
        if not still_starting():
            return False
        time.sleep(interval)
    return False
