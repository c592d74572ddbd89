"""Team budgets for monetary rewards: HR admins set them; the team's manager and HR see their use."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from trellis_contracts.recognition import BudgetPeriod
from trellis_kernel.http import COMMAND_RESPONSES, QUERY_RESPONSES, Accepted
from trellis_recognition.api.context import App, Caller, IdInPath, accepted
from trellis_recognition.api.schemas import BudgetIn, BudgetOut, budget_out

router = APIRouter(prefix="/teams/{team_id}/budgets", tags=["budgets"])

PeriodInPath = Annotated[
    BudgetPeriod, Path(description="A year (2026), quarter (2026-Q2) or month (2026-05).")
]


@router.put(
    "/{period}",
    summary="Set a team's budget for a period (HR admins)",
    description="Teams are named by their manager's id. A grant that would take a period past "
    "its budget (or is in another currency) is held for an HR admin's approval.",
    responses=COMMAND_RESPONSES,
)
async def set_budget(
    team_id: IdInPath, period: PeriodInPath, body: BudgetIn, app: App, caller: Caller
) -> Accepted:
    return accepted(await app.set_budget(caller, team_id, period, body.amount, body.expected_version))


@router.get("", summary="A team's budgets and what was granted from them", responses=QUERY_RESPONSES)
async def team_budgets(team_id: IdInPath, app: App, caller: Caller) -> list[BudgetOut]:
    return [budget_out(row) for row in await app.budgets(caller, team_id)]
