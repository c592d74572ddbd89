"""The access-request route every service mounts with one line: a person's copy of its data.

    app.include_router(export_router("goals", lambda r: r.app.state.goals.store, lambda r: CODEC))

``GET /privacy/people/{person_id}/export``: for an HR admin of the organisation, or the person
themselves. What the service holds about the person (see ``trellis_kernel.privacy.export``): the
events naming them, personal text about others replaced, the reads of their data keys and their
erasure. A 404 when the service holds nothing about the person in the caller's organisation:
the same answer for a person of another organisation as for one who does not exist.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations, and they use
# aliases local to export_router().
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from trellis_contracts.fields import OPAQUE_ID_PATTERN
from trellis_kernel.codec import AsyncEventCodec, EventCodec
from trellis_kernel.http.errors import Forbidden, NotFound
from trellis_kernel.http.privacy import HR_ADMIN_ROLE
from trellis_kernel.http.problems import QUERY_RESPONSES
from trellis_kernel.identity import Principal
from trellis_kernel.identity.fastapi import PrincipalDependency, request_principal
from trellis_kernel.privacy.codec import ProtectingCodec
from trellis_kernel.privacy.export import ABOUT_SOMEONE_ELSE, PersonExport, export_person
from trellis_kernel.store.event_store import EventStore

StoreOf = Callable[[Request], EventStore]
CodecOf = Callable[[Request], EventCodec[Any] | AsyncEventCodec[Any]]

_bearer = HTTPBearer(auto_error=False, description="A JWT with sub, org_id and roles claims.")
_PersonId = Annotated[str, Path(pattern=OPAQUE_ID_PATTERN, examples=["emp_2c91"])]


class ExportedEventAnswer(BaseModel):
    event_id: str
    type: str = Field(description="The event's type (its CloudEvents type), e.g. dev.trellis.goals.GoalCreated.v1.")
    stream_id: str
    version: int
    occurred_at: datetime
    recorded_at: datetime
    data: dict[str, Any] = Field(
        description="The event's data (its contract's JSON): personal text about the person in the "
        f"clear, about anyone else {ABOUT_SOMEONE_ELSE!r}, erased text '[erased]'."
    )


class ExportedKeyRead(BaseModel):
    key_id: str
    reader: str = Field(description="Who asked for the person's data key (an integrator).")
    outcome: Literal["granted", "erased", "not_found", "forbidden"]
    read_at: datetime


class ExportedErasure(BaseModel):
    erased_by: str
    reason: str
    erased_at: datetime
    keys_shredded: int


class PersonExportAnswer(BaseModel):
    service: str
    organisation_id: str
    person_id: str
    generated_at: datetime
    events: list[ExportedEventAnswer] = Field(description="Every stored event naming the person, oldest first.")
    key_reads: list[ExportedKeyRead] = Field(description="Who read the person's data keys, newest first.")
    erasure: ExportedErasure | None = Field(description="The person's erasure, if they were erased.")


def export_router(
    service: str, store: StoreOf, codec: CodecOf, authenticate: PrincipalDependency | None = None
) -> APIRouter:
    """The access-request route of ``service``, on its event store (``store(request)``) and codec
    (``codec(request)``; a ProtectingCodec brings its key store: key reads and erasure), for
    callers verified by ``authenticate`` (by default the app's ``app.state.authenticate``)."""
    router = APIRouter(prefix="/privacy", tags=["privacy"])
    Caller = Annotated[Principal, Depends(authenticate or request_principal)]
    Bearer = Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]

    @router.get("/people/{person_id}/export", response_model=PersonExportAnswer, responses=QUERY_RESPONSES)
    async def export(
        person_id: _PersonId, request: Request, response: Response, principal: Caller, _: Bearer
    ) -> PersonExportAnswer:
        """A copy of everything this service holds about a person (an access request): for an
        HR admin of their organisation or the person themselves."""
        if principal.organisation_id is None:
            raise Forbidden("the token names no organisation (org_id)")
        if not (principal.has_role(HR_ADMIN_ROLE) or principal.subject == person_id):
            raise Forbidden(f"a person's data is exported for themselves or the role {HR_ADMIN_ROLE!r}")
        service_codec = codec(request)
        found = await export_person(
            store(request),
            service_codec,
            principal.organisation_id,
            person_id,
            keys=service_codec.keys if isinstance(service_codec, ProtectingCodec) else None,
        )
        if not found.holds_anything:
            raise NotFound(f"{service} holds nothing about {person_id} in this organisation")
        response.headers["Cache-Control"] = "no-store"
        return _answer(service, found)

    return router


def _answer(service: str, found: PersonExport) -> PersonExportAnswer:
    return PersonExportAnswer(
        service=service,
        organisation_id=found.organisation_id,
        person_id=found.person_id,
        generated_at=datetime.now(UTC),
        events=[
            ExportedEventAnswer(
                event_id=str(event.event_id),
                type=event.type,
                stream_id=event.stream_id,
                version=event.version,
                occurred_at=event.occurred_at,
                recorded_at=event.recorded_at,
                data=event.data,
            )
            for event in found.events
        ],
        key_reads=[
            ExportedKeyRead(key_id=read.key_id, reader=read.reader, outcome=read.outcome, read_at=read.read_at)
            for read in found.key_reads
        ],
        erasure=None
        if found.erasure is None
        else ExportedErasure(
            erased_by=found.erasure.erased_by,
            reason=found.erasure.reason,
            erased_at=found.erasure.erased_at,
            keys_shredded=found.erasure.keys_shredded,
        ),
    )
