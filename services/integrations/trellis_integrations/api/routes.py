"""The routes: commands answer the subscription stream's new version, queries what is kept."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, status

from trellis_integrations.api.context import App, Caller, SubscriptionId
from trellis_integrations.api.schemas import (
    BackfillIn,
    BackfillOut,
    ConfigurationIn,
    DeliveryOut,
    DisableIn,
    RotationIn,
    SecretOut,
    SubscriptionOut,
    WebhookIn,
    XapiIn,
)
from trellis_integrations.delivery.webhooks import is_secret
from trellis_kernel.commands import Outcome
from trellis_kernel.decider import DomainError
from trellis_kernel.http import COMMAND_RESPONSES, QUERY_RESPONSES, Accepted

router = APIRouter(prefix="/subscriptions", tags=["subscriptions"])


def accepted(outcome: Outcome[Any, Any]) -> Accepted:
    return Accepted(
        stream_id=outcome.stream_id,
        version=outcome.version,
        events=[event.event_type() for event in outcome.events],
    )


@router.post(
    "/webhooks",
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe an HTTPS endpoint to event types (Standard Webhooks)",
    responses=COMMAND_RESPONSES,
)
async def create_webhook(body: WebhookIn, app: App, caller: Caller) -> Accepted:
    subscription_id = body.subscription_id or uuid.uuid4().hex
    return accepted(await app.create(caller, subscription_id, "webhook", body.configuration(), body.secret))


@router.post(
    "/xapi",
    status_code=status.HTTP_201_CREATED,
    summary="Send xAPI statements of learning events to a Learning Record Store",
    responses=COMMAND_RESPONSES,
)
async def create_xapi(body: XapiIn, app: App, caller: Caller) -> Accepted:
    subscription_id = body.subscription_id or uuid.uuid4().hex
    return accepted(await app.create(caller, subscription_id, "xapi", body.configuration(), body.password))


@router.get("", summary="The organisation's subscriptions", responses=QUERY_RESPONSES)
async def list_subscriptions(
    app: App,
    caller: Caller,
    kind: Literal["webhook", "xapi"] | None = None,
    state: Annotated[Literal["active", "disabled", "removed"] | None, Query(alias="status")] = None,
) -> list[SubscriptionOut]:
    return [SubscriptionOut.of(row) for row in await app.listed(caller, kind, state)]


@router.get(
    "/{subscription_id}",
    summary="A subscription, its health and its deliveries by status",
    responses=QUERY_RESPONSES,
)
async def get_subscription(subscription_id: SubscriptionId, app: App, caller: Caller) -> SubscriptionOut:
    return SubscriptionOut.of(await app.subscription(caller, subscription_id))


@router.post(
    "/{subscription_id}/configuration",
    summary="Change the endpoint, event types or limits",
    responses=COMMAND_RESPONSES,
)
async def reconfigure(
    subscription_id: SubscriptionId, body: ConfigurationIn, app: App, caller: Caller
) -> Accepted:
    return accepted(
        await app.reconfigure(caller, subscription_id, body.configuration(), body.expected_version)
    )


@router.get(
    "/{subscription_id}/secrets",
    summary="The signing secrets in force, the newest first",
    responses=QUERY_RESPONSES,
)
async def secrets(subscription_id: SubscriptionId, app: App, caller: Caller) -> list[SecretOut]:
    return [SecretOut.model_validate(dict(row)) for row in await app.secrets(caller, subscription_id)]


@router.post(
    "/{subscription_id}/secret-rotations",
    summary="A new secret; the previous one keeps signing beside it for the overlap",
    responses=COMMAND_RESPONSES,
)
async def rotate_secret(
    subscription_id: SubscriptionId, body: RotationIn, app: App, caller: Caller
) -> Accepted:
    kind = (await app.subscription(caller, subscription_id))["kind"]
    if kind == "webhook" and body.secret is not None and not is_secret(body.secret):
        raise DomainError("a signing secret is whsec_ and 24 to 64 bytes in base64", field="secret")
    if kind == "xapi" and body.secret is None:
        raise DomainError("give the LRS's new password", field="secret")
    overlap = timedelta(seconds=body.overlap_seconds if kind == "webhook" else 0)
    return accepted(await app.rotate_secret(caller, subscription_id, body.secret, overlap))


@router.post(
    "/{subscription_id}/disable", summary="Stop delivering (deliveries wait)", responses=COMMAND_RESPONSES
)
async def disable(
    subscription_id: SubscriptionId, app: App, caller: Caller, body: DisableIn | None = None
) -> Accepted:
    return accepted(await app.disable(caller, subscription_id, (body.reason if body else None) or ""))


@router.post(
    "/{subscription_id}/enable",
    summary="Deliver again, from the delivery that was waiting first",
    responses=COMMAND_RESPONSES,
)
async def enable(subscription_id: SubscriptionId, app: App, caller: Caller) -> Accepted:
    return accepted(await app.enable(caller, subscription_id))


@router.post(
    "/{subscription_id}/remove", summary="Remove; waiting deliveries are dropped", responses=COMMAND_RESPONSES
)
async def remove(subscription_id: SubscriptionId, app: App, caller: Caller) -> Accepted:
    return accepted(await app.remove(caller, subscription_id))


@router.get(
    "/{subscription_id}/deliveries",
    summary="The delivery log: each delivery with its attempts, status codes and latencies",
    responses=QUERY_RESPONSES,
)
async def deliveries(
    subscription_id: SubscriptionId,
    app: App,
    caller: Caller,
    state: Annotated[
        Literal["pending", "delivered", "failed", "cancelled"] | None, Query(alias="status")
    ] = None,
    event_type: str | None = None,
    after: Annotated[int, Query(ge=0, description="Deliveries after this delivery_id (paging).")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    rows = await app.deliveries(
        caller, subscription_id, status=state, event_type=event_type, after=after, limit=limit
    )
    return [DeliveryOut.of(row) for row in rows]


@router.post(
    "/{subscription_id}/backfills",
    status_code=status.HTTP_201_CREATED,
    summary="Deliver a service's replayed history to this subscription (platform admins)",
    responses=COMMAND_RESPONSES,
)
async def request_backfill(
    subscription_id: SubscriptionId, body: BackfillIn, app: App, caller: Caller, request: Request
) -> BackfillOut:
    row = await app.request_backfill(
        caller,
        subscription_id,
        backfill_id=body.backfill_id or uuid.uuid4(),
        service=body.service,
        since=body.since,
        event_types=body.event_types,
    )
    return BackfillOut.of(row, request.app.state.backfill_topic)


@router.get(
    "/{subscription_id}/backfills/{backfill_id}", summary="A backfill's progress", responses=QUERY_RESPONSES
)
async def backfill(
    subscription_id: SubscriptionId, backfill_id: uuid.UUID, app: App, caller: Caller, request: Request
) -> BackfillOut:
    return BackfillOut.of(
        await app.backfill(caller, subscription_id, backfill_id), request.app.state.backfill_topic
    )


@router.post(
    "/{subscription_id}/backfills/{backfill_id}/cancel",
    summary="Stop waiting for a replay (live deliveries go on)",
    responses=COMMAND_RESPONSES,
)
async def cancel_backfill(
    subscription_id: SubscriptionId, backfill_id: uuid.UUID, app: App, caller: Caller, request: Request
) -> BackfillOut:
    row = await app.cancel_backfill(caller, subscription_id, backfill_id)
    return BackfillOut.of(row, request.app.state.backfill_topic)
