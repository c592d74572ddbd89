"""Recognition as people meet it, from the recognition service's API: an employee's recognition
and rewards; for HR the reward policies (each backtested over a period on request) and the held
rewards and proposed pay changes to approve or reject right here."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from trellis_web import charts
from trellis_web.api import ApiError
from trellis_web.pages.common import FORM_CHECKED, Me, Part, command, part, recognition, today
from trellis_web.rendering import render
from trellis_web.session import SignedIn

router = APIRouter()
BACKTEST_DAYS = 90
OUTCOME_LABELS = {
    "recognition": "Recognition",
    "points": "Points",
    "bonus": "Bonus",
    "reward": "Reward",
    "compensation_adjustment": "Pay change",
    "learning_assignment": "Learning assignment",
    "lead_initiative": "Lead an initiative",
}


async def feed(request: Request, me: SignedIn, employee_id: str) -> Part[list[dict[str, Any]]]:
    """The employee's recognition and rewards as the signed-in person may see them."""
    return await part(recognition(request, me).get(f"/employees/{employee_id}/recognition"))


def outcomes_of(version: dict[str, Any]) -> list[str]:
    """What a policy version's rules grant, in words: "bonus", "pay change", ..."""
    kinds: list[str] = []
    for rule in version["document"].get("rules", []):
        for outcome in rule.get("then", []):
            for kind in outcome:
                label = OUTCOME_LABELS.get(kind, kind.replace("_", " "))
                if label not in kinds:
                    kinds.append(label)
    return kinds


async def _backtest(
    request: Request, me: SignedIn, policies: list[dict[str, Any]], policy_id: str, start: date, end: date
) -> dict[str, Any]:
    chosen = next((p for p in policies if p["policy_id"] == policy_id), None)
    if chosen is None:
        return {"policy_id": policy_id, "problems": ["There is no such policy."]}
    latest = chosen["versions"][-1]
    try:
        report = await recognition(request, me).post(
            f"/policies/backtest?from={start.isoformat()}&to={end.isoformat()}", latest["document"]
        )
    except ApiError as error:
        if error.status in (401, 403):
            raise
        return {"policy_id": policy_id, "title": chosen["title"], "problems": error.reasons}
    by_kind: dict[str, int] = {}
    for line in report["lines"]:
        label = OUTCOME_LABELS.get(line["outcome_kind"], line["outcome_kind"])
        by_kind[label] = by_kind.get(label, 0) + line["count"]
    return {
        "policy_id": policy_id,
        "title": chosen["title"],
        "version": latest["policy_version"],
        "report": report,
        "chart": charts.counts(
            "backtest-outcomes", f"What “{chosen['title']}” would have granted", list(by_kind.items()),
            what="outcomes",
        )
        if by_kind
        else None,
    }  # fmt: skip


@router.get("/organisation/rewards", response_class=HTMLResponse)
async def rewards_page(
    request: Request,
    me: Me,
    backtest: str | None = None,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> HTMLResponse:
    api = recognition(request, me)
    policies, approvals = await asyncio.gather(api.get("/policies"), api.get("/approvals"))
    day = today()
    start = start or day - timedelta(days=BACKTEST_DAYS)
    end = end or day + timedelta(days=1)
    result = await _backtest(request, me, policies, backtest, start, end) if backtest else None
    for policy in policies:
        policy["outcomes"] = outcomes_of(policy["versions"][-1])
    return render(
        request,
        "rewards.html",
        me,
        policies=policies,
        approvals=sorted(approvals, key=lambda a: a["waiting_since"]),
        backtest=result,
        start=start,
        end=end,
        outcome_labels=OUTCOME_LABELS,
    )


Decision = Literal["approve", "reject"]
Subject = Literal["rewards", "compensation"]


@router.post("/organisation/approvals/{subject}/{subject_id}/{decision}", dependencies=FORM_CHECKED)
async def decide(
    request: Request,
    subject: Subject,
    subject_id: str,
    decision: Decision,
    me: Me,
    reason: Annotated[str, Form()] = "",
    employee_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    what = "The reward" if subject == "rewards" else "The pay change"
    whom = f" for {employee_id}" if employee_id else ""
    done = (
        f"{what}{whom} was approved: it is final now."
        if decision == "approve"
        else f"{what}{whom} was rejected."
    )
    body = {"reason": reason.strip() or None}
    return await command(
        request,
        recognition(request, me).post(f"/approvals/{subject}/{quote(subject_id, safe='')}/{decision}", body),
        done,
        "/organisation/rewards#approvals",
    )
