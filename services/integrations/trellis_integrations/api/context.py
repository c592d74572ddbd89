"""Per-request dependencies: the application and the acting admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from trellis_contracts.fields import OPAQUE_ID_PATTERN
from trellis_integrations.application import Admin, IntegrationsApplication, admin_of
from trellis_kernel.identity import CurrentPrincipal


async def application(request: Request) -> IntegrationsApplication:
    app: IntegrationsApplication = request.app.state.integrations
    return app


async def current_admin(principal: CurrentPrincipal) -> Admin:
    return admin_of(principal)


App = Annotated[IntegrationsApplication, Depends(application)]
Caller = Annotated[Admin, Depends(current_admin)]
SubscriptionId = Annotated[str, Path(pattern=OPAQUE_ID_PATTERN, examples=["payroll-sync"])]
