"""The privacy routes every service mounts with one line: the key endpoint, its audit, erasure.

    app.include_router(privacy_router(lambda request: request.app.state.feedback.keys, authenticate))

- ``GET /privacy/data-keys/{key_id}``: the data key a protected value names (its ``kid``), as a
  JSON Web Key, for a token with the ``integrator`` role of the key's organisation. Every request
  by a verified token is recorded, granted or not, in the same transaction as the answer's
  lookup. A key of another organisation is a 404 like a missing one; a shredded key (the person
  was erased) is a 410: drop what you derived from it.
- ``GET /privacy/data-key-reads``: who read which keys, newest first, for an HR admin.
- ``POST /privacy/people/{person_id}/erasure`` (with ``erasure=True``): an HR admin erases a
  person, with a reason; ``on_erased`` runs in the erasure's transaction (the service that
  publishes ``PersonErased`` appends it there).
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations, and they use
# aliases local to privacy_router().
import base64
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, StringConstraints

from trellis_contracts.fields import NO_NUL_PATTERN, OPAQUE_ID_PATTERN
from trellis_kernel.http.errors import Forbidden, NotFound
from trellis_kernel.http.problems import QUERY_RESPONSES, Refusal
from trellis_kernel.identity import Principal
from trellis_kernel.identity.fastapi import PrincipalDependency
from trellis_kernel.privacy.keys import MAX_REASON_LENGTH, DataKeyStore, Erasure
from trellis_kernel.store.connections import Connection

INTEGRATOR_ROLE = "integrator"
"""The role of a token that may read data keys of its organisation (a payroll or LMS system)."""
HR_ADMIN_ROLE = "hr_admin"

KeyStoreOf = Callable[[Request], DataKeyStore]
OnErased = Callable[[Connection, Erasure], Awaitable[None]]

_bearer = HTTPBearer(auto_error=False, description="A JWT with sub, org_id and roles claims.")
_KEY_RESPONSES: dict[int | str, dict[str, Any]] = {
    **QUERY_RESPONSES,
    410: {"model": Refusal, "description": "The key was shredded: the person it belonged to was erased."},
}
_Id = Annotated[str, Path(pattern=OPAQUE_ID_PATTERN, examples=["dk_0f3e9a7c2b1d4e5f8a6b7c9d0e1f2a3b"])]


class DataKeyJwk(BaseModel):
    """A person's data key as a JSON Web Key (RFC 7517), with whose key it is."""

    kty: Literal["oct"] = "oct"
    use: Literal["enc"] = "enc"
    kid: str = Field(description="The key's id, as in the protected values' header.")
    k: str = Field(description="BASE64URL (no padding) of the 256-bit AES key.")
    org: str = Field(description="The organisation.")
    sub: str = Field(description="The person whose key it is.")


class ErasureRequest(BaseModel):
    reason: Annotated[
        str, StringConstraints(min_length=1, max_length=MAX_REASON_LENGTH, pattern=NO_NUL_PATTERN)
    ] = Field(description="Why the person is erased (kept with the record of the erasure, never published).")


class ErasureAnswer(BaseModel):
    organisation_id: str
    person_id: str
    erased_by: str
    erased_at: datetime
    keys_shredded: int = Field(description="How many of the person's data keys this service deleted.")
    already_erased: bool = Field(description="True when the person had been erased before (that record).")


class KeyReadAnswer(BaseModel):
    read_id: int
    key_id: str
    person_id: str | None
    reader: str
    outcome: Literal["granted", "erased", "not_found", "forbidden"]
    read_at: datetime


def _organisation(principal: Principal) -> str:
    if principal.organisation_id is None:
        raise Forbidden("the token names no organisation (org_id)")
    return principal.organisation_id


def privacy_router(
    keys: KeyStoreOf,
    authenticate: PrincipalDependency,
    *,
    erasure: bool = False,
    on_erased: OnErased | None = None,
) -> APIRouter:
    """The privacy routes, on the service's ``DataKeyStore`` (``keys(request)``) and bearer
    tokens (``authenticate``). ``erasure``: also the erasure route (the service where HR erases
    people); ``on_erased`` runs in the erasure's transaction, once per person."""
    router = APIRouter(prefix="/privacy", tags=["privacy"])
    Caller = Annotated[Principal, Depends(authenticate)]
    Bearer = Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]

    @router.get("/data-keys/{key_id}", response_model=DataKeyJwk, responses=_KEY_RESPONSES)
    async def data_key(key_id: _Id, request: Request, principal: Caller, _: Bearer) -> Any:
        """The data key a protected value names, for an integrator of its organisation.
        Cache it while you hold what it opens; drop it on ``PersonErased`` or a 410."""
        organisation_id = _organisation(principal)
        read = await keys(request).read_for(
            key_id,
            organisation_id=organisation_id,
            reader=principal.subject,
            allowed=principal.has_role(INTEGRATOR_ROLE),
        )
        if read.outcome == "forbidden":
            raise Forbidden(f"reading data keys needs the role {INTEGRATOR_ROLE!r}")
        if read.outcome == "not_found":
            raise NotFound(f"no data key {key_id}")
        if read.outcome == "erased" or read.key is None:
            return JSONResponse(
                status_code=410,
                content={"detail": f"the data key {key_id} was shredded: its person was erased"},
                headers={"Cache-Control": "no-store"},
            )
        jwk = DataKeyJwk(
            kid=read.key.key_id,
            k=base64.urlsafe_b64encode(read.key.key).rstrip(b"=").decode("ascii"),
            org=read.key.owner.organisation_id,
            sub=read.key.owner.person_id,
        )
        return JSONResponse(jwk.model_dump(), headers={"Cache-Control": "no-store"})

    @router.get("/data-key-reads", response_model=list[KeyReadAnswer], responses=QUERY_RESPONSES)
    async def data_key_reads(
        request: Request,
        principal: Caller,
        _: Bearer,
        person_id: Annotated[str | None, Query(pattern=OPAQUE_ID_PATTERN)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[KeyReadAnswer]:
        """Who asked for which data keys, and what they got (newest first): for an HR admin."""
        organisation_id = _organisation(principal)
        if not principal.has_role(HR_ADMIN_ROLE):
            raise Forbidden(f"the record of key reads is for the role {HR_ADMIN_ROLE!r}")
        records = await keys(request).key_reads(organisation_id, person_id=person_id, limit=limit)
        return [
            KeyReadAnswer(
                read_id=r.read_id,
                key_id=r.key_id,
                person_id=r.person_id,
                reader=r.reader,
                outcome=r.outcome,
                read_at=r.read_at,
            )
            for r in records
        ]

    if erasure:

        @router.post("/people/{person_id}/erasure", response_model=ErasureAnswer, responses=QUERY_RESPONSES)
        async def erase(
            person_id: _Id, body: ErasureRequest, request: Request, principal: Caller, _: Bearer
        ) -> ErasureAnswer:
            """Erase a person: delete their data keys (every protected field about them becomes
            unreadable wherever it was copied) and record who did it, when and why. HR admins
            only. Asking again answers the first erasure."""
            organisation_id = _organisation(principal)
            if not principal.has_role(HR_ADMIN_ROLE):
                raise Forbidden(f"erasing a person needs the role {HR_ADMIN_ROLE!r}")
            store = keys(request)
            async with store.pool.acquire() as connection, connection.transaction():
                done = await store.erase(
                    organisation_id,
                    person_id,
                    erased_by=principal.subject,
                    reason=body.reason,
                    connection=connection,
                )
                if on_erased is not None and not done.already_erased:
                    await on_erased(connection, done)
            return ErasureAnswer(
                organisation_id=done.organisation_id,
                person_id=done.person_id,
                erased_by=done.erased_by,
                erased_at=done.erased_at,
                keys_shredded=done.keys_shredded,
                already_erased=done.already_erased,
            )

    return router
