"""The admin endpoint of a service's backfills: request one, watch its progress, cancel it.

Mounted by a service with ``app.include_router(backfill_router(event_types))``; it reads the
service's ``Backfills`` from ``app.state.backfills`` and the caller from
``app.state.authenticate`` (the kernel's bearer principal). Only platform admins may use it: a
replay reads every organisation's history unless it names one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, status
from pydantic import AwareDatetime, BaseModel, Field

from trellis_kernel.backfill.requests import (
    DEFAULT_RATE,
    MAX_RATE,
    TOPIC_PATTERN,
    Backfill,
    BackfillConflict,
    BackfillRequest,
    Backfills,
    UnknownBackfill,
)
from trellis_kernel.decider import DomainError
from trellis_kernel.http import QUERY_RESPONSES, Forbidden, NotFound, Refusal

PLATFORM_ADMIN_ROLE = "platform_admin"


class BackfillIn(BaseModel):
    backfill_id: uuid.UUID | None = Field(
        default=None, description="Chosen by the client to make the request retryable; a new one if absent."
    )
    topic: str = Field(pattern=TOPIC_PATTERN, description="The Kafka topic to replay to.")
    since: AwareDatetime | None = Field(
        default=None, description="Only events that happened at or after this."
    )
    event_types: list[str] | None = Field(
        default=None, min_length=1, max_length=200, description="Only events of these CloudEvents types."
    )
    organisation_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$",
        description="Only this organisation's events.",
    )
    rate_per_second: int = Field(
        default=DEFAULT_RATE, ge=1, le=MAX_RATE, description="At most this many events a second."
    )


class BackfillOut(BaseModel):
    backfill_id: uuid.UUID
    topic: str
    since: datetime | None
    event_types: list[str] | None
    organisation_id: str | None
    rate_per_second: int
    state: str = Field(description="requested, running, completed, failed or cancelled")
    requested_by: str
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    total: int | None = Field(description="Events to replay, counted when it started.")
    published: int = Field(description="Events published and acknowledged by the broker so far.")
    percent: float | None
    events_per_second: float | None
    error: str | None

    @classmethod
    def of(cls, backfill: Backfill) -> BackfillOut:
        request = backfill.request
        return cls(
            backfill_id=backfill.backfill_id,
            topic=request.topic,
            since=request.since,
            event_types=None if request.event_types is None else sorted(request.event_types),
            organisation_id=request.organisation_id,
            rate_per_second=request.rate_per_second,
            state=backfill.state,
            requested_by=backfill.requested_by,
            requested_at=backfill.requested_at,
            started_at=backfill.started_at,
            finished_at=backfill.finished_at,
            total=backfill.total,
            published=backfill.published,
            percent=backfill.percent,
            events_per_second=backfill.rate,
            error=backfill.error,
        )


_RESPONSES = {
    **QUERY_RESPONSES,
    409: {"model": Refusal, "description": "The id is taken by another request."},
}
BackfillId = Annotated[uuid.UUID, Path(description="The backfill's id.")]


def backfill_router(event_types: frozenset[str]) -> APIRouter:
    """``event_types``: the types the service stores (a request naming another is a 422)."""
    router = APIRouter(prefix="/admin/backfills", tags=["backfills (platform admins)"], responses=_RESPONSES)

    async def backfills_for(request: Request) -> Backfills:
        principal = await request.app.state.authenticate(request)
        if not principal.has_role(PLATFORM_ADMIN_ROLE):
            raise Forbidden(f"only a platform admin ({PLATFORM_ADMIN_ROLE!r}) may replay a service's history")
        backfills: Backfills = request.app.state.backfills
        return backfills

    @router.post(
        "", status_code=status.HTTP_201_CREATED, summary="Replay the stored history to a Kafka topic"
    )
    async def request_backfill(body: BackfillIn, request: Request) -> BackfillOut:
        backfills = await backfills_for(request)
        principal = await request.app.state.authenticate(request)
        unknown = sorted(set(body.event_types or ()) - event_types)
        if unknown:
            raise DomainError(f"this service stores no events of the types {unknown}", field="event_types")
        wanted = BackfillRequest(
            backfill_id=body.backfill_id or uuid.uuid4(),
            topic=body.topic,
            since=body.since,
            event_types=None if body.event_types is None else frozenset(body.event_types),
            organisation_id=body.organisation_id,
            rate_per_second=body.rate_per_second,
        )
        try:
            return BackfillOut.of(await backfills.request(wanted, requested_by=principal.subject))
        except BackfillConflict as conflict:
            raise HTTPException(status.HTTP_409_CONFLICT, detail=str(conflict)) from conflict

    @router.get("", summary="Every backfill of this service, the newest first")
    async def list_backfills(request: Request) -> list[BackfillOut]:
        backfills = await backfills_for(request)
        return [BackfillOut.of(backfill) for backfill in await backfills.listed()]

    @router.get("/{backfill_id}", summary="A backfill's state and progress")
    async def get_backfill(backfill_id: BackfillId, request: Request) -> BackfillOut:
        backfills = await backfills_for(request)
        try:
            return BackfillOut.of(await backfills.get(backfill_id))
        except UnknownBackfill as error:
            raise NotFound(str(error)) from error

    @router.post("/{backfill_id}/cancel", summary="Stop a backfill after its current batch")
    async def cancel_backfill(backfill_id: BackfillId, request: Request) -> BackfillOut:
        backfills = await backfills_for(request)
        try:
            return BackfillOut.of(await backfills.cancel(backfill_id))
        except UnknownBackfill as error:
            raise NotFound(str(error)) from error

    return router
