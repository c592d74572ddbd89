"""xAPI statements sent to a Learning Record Store: ``PUT <endpoint>/statements?statementId=...``.

The statement id derives from the event id, so a retry or a replay is the same statement: an LRS
answers 204 (stored, or already stored as it is) or 409 (a statement of that id is stored), and
either way the event is in the LRS once. 400 means the LRS refuses the statement itself, which
no retry changes: that delivery is given up (and shows in the log). Authentication is HTTP basic
with the subscription's username and password.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime

import httpx

from trellis_integrations.delivery.transport import Attempt, PendingDelivery, Target, short
from trellis_integrations.domain.retries import Outcome
from trellis_integrations.domain.xapi import DEFAULT_ACTIVITY_BASE, XAPI_VERSION, statement, statement_id


def outcome_of(status_code: int) -> Outcome:
    if 200 <= status_code < 300 or status_code == 409:
        return "delivered"
    if status_code == 410:
        return "gone"
    if status_code == 400:
        return "rejected"
    return "retry"


class XapiTransport:
    def __init__(self, client: httpx.AsyncClient, *, activity_base: str = DEFAULT_ACTIVITY_BASE) -> None:
        self._client = client
        self._activity_base = activity_base

    async def deliver(self, target: Target, delivery: PendingDelivery) -> Attempt:
        started_at = datetime.now(UTC)
        began = time.perf_counter()
        event = json.loads(delivery.body)
        assert target.home_page is not None and target.lrs_username is not None
        made = statement(
            delivery.event_type,
            event["id"],
            event["time"],
            event["data"],
            home_page=target.home_page,
            activity_base=self._activity_base,
        )
        url = target.endpoint.rstrip("/") + "/statements"
        try:
            async with asyncio.timeout(target.timeout_seconds):
                response = await self._client.put(
                    url,
                    params={"statementId": str(statement_id(event["id"]))},
                    json=made,
                    headers={"X-Experience-API-Version": XAPI_VERSION},
                    auth=(target.lrs_username, target.secrets[0]),
                    timeout=target.timeout_seconds,
                    follow_redirects=False,
                )
        except TimeoutError:
            return Attempt(
                "retry", started_at, _ms(began), error=f"no answer within {target.timeout_seconds:g}s"
            )
        except httpx.HTTPError as error:
            return Attempt("retry", started_at, _ms(began), error=short(f"{type(error).__name__}: {error}"))
        outcome = outcome_of(response.status_code)
        problem = None
        if response.status_code == 409:
            problem = "the LRS holds a statement of this id already"
        elif outcome != "delivered":
            problem = short(f"HTTP {response.status_code}: {response.text}")
        return Attempt(outcome, started_at, _ms(began), response.status_code, problem)


def _ms(began: float) -> float:
    return (time.perf_counter() - began) * 1000.0
