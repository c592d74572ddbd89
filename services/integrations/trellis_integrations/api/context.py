"""Per-request dependencies: the application and the acting admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from trellis_contracts.fields import OPAQUE_ID_PATTERN
from trellis_integrations.application import Admin, IntegrationsApplication, admin_of

_bearer = HTTPBearer(auto_error=False, description="A JWT with sub, org_id and roles claims.")


def application(request: Request) -> IntegrationsApplication:
    app: IntegrationsApplication = request.app.state.integrations
    return app


async def current_admin(
    request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]
) -> Admin:
    return admin_of(await request.app.state.authenticate(request))


App = Annotated[IntegrationsApplication, Depends(application)]
Caller = Annotated[Admin, Depends(current_admin)]
SubscriptionId = Annotated[str, Path(pattern=OPAQUE_ID_PATTERN, examples=["payroll-sync"])]
