"""Webhook deliveries as Standard Webhooks 1.0 specifies, signed with the ``standardwebhooks`` library.

The body is the CloudEvent in structured JSON mode (``application/cloudevents+json``), the same
event an integrator reads from Kafka. Headers: ``webhook-id`` (the CloudEvent id: the same on
every retry, on a replay and for every subscription, so a receiver deduplicates on it),
``webhook-timestamp`` (when this attempt was signed) and ``webhook-signature`` (``v1,<base64
HMAC-SHA256>``, one per secret in force: during a rotation's overlap the old and the new secret
both sign). Redirects are not followed; 2xx is delivered, 410 Gone disables the subscription,
anything else (or no answer within the subscription's timeout) is tried again later.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import time
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

from trellis_integrations.delivery.transport import (
    MAX_RESPONSE_EXCERPT,
    Attempt,
    PendingDelivery,
    Target,
    short,
)
from trellis_integrations.domain.retries import Outcome

CONTENT_TYPE = "application/cloudevents+json"
USER_AGENT = "Trellis-Webhooks/1.0"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def is_secret(value: str) -> bool:
    if not value.startswith(SECRET_PREFIX):
        return False
    try:
        raw = base64.b64decode(value.removeprefix(SECRET_PREFIX), validate=True)
    except ValueError:
        return False
    return 24 <= len(raw) <= 64


def signed_headers(
    webhook_id: str, body: str, secrets_in_force: tuple[str, ...], at: datetime
) -> dict[str, str]:
    signatures = " ".join(Webhook(secret).sign(webhook_id, at, body) for secret in secrets_in_force)
    return {
        "content-type": CONTENT_TYPE,
        "user-agent": USER_AGENT,
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
    }


def outcome_of(status_code: int) -> Outcome:
    if 200 <= status_code < 300:
        return "delivered"
    if status_code == 410:
        return "gone"
    return "retry"


class WebhookTransport:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def deliver(self, target: Target, delivery: PendingDelivery) -> Attempt:
        started_at = datetime.now(UTC)
        headers = signed_headers(str(delivery.event_id), delivery.body, target.secrets, started_at)
        began = time.perf_counter()
        try:
            async with asyncio.timeout(target.timeout_seconds):
                async with self._client.stream(
                    "POST",
                    target.endpoint,
                    content=delivery.body.encode("utf-8"),
                    headers=headers,
                    timeout=target.timeout_seconds,
                    follow_redirects=False,
                ) as response:
                    excerpt = await _excerpt(response)
        except TimeoutError:
            return Attempt(
                "retry", started_at, _ms(began), error=f"no answer within {target.timeout_seconds:g}s"
            )
        except httpx.HTTPError as error:
            return Attempt("retry", started_at, _ms(began), error=short(f"{type(error).__name__}: {error}"))
        outcome = outcome_of(response.status_code)
        problem = None if outcome == "delivered" else short(f"HTTP {response.status_code}: {excerpt}")
        return Attempt(outcome, started_at, _ms(began), response.status_code, problem)


async def _excerpt(response: httpx.Response) -> str:
    """The start of the answer's body, for the delivery log (the rest is not read)."""
    read = b""
    async for chunk in response.aiter_bytes():
        read += chunk
        if len(read) >= MAX_RESPONSE_EXCERPT:
            break
    return read[:MAX_RESPONSE_EXCERPT].decode("utf-8", "replace")


def _ms(began: float) -> float:
    return (time.perf_counter() - began) * 1000.0
