"""An organisation seeded on a running platform through its public APIs only, as any client
would: people acting with their own development tokens, and waits for what the services learn
from each other's topics (a moment after the API that caused it answered)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx

from tests.platform.running import RunningPlatform
from trellis_kernel.identity import mint_token

T = TypeVar("T")
PAY_CHANGE = "1200.00"


def growth_policy(policy_id: str, effective_on: str) -> str:
    """A reward policy whose outcome needs HR's approval: a proposed pay change for every
    milestone reached; colleagues may also recognise each other."""
    return f"""\
format: trellis.reward-policy.v1
policy_id: {policy_id}
title: Pay for growth
description: Every milestone reached proposes a merit increase, final once HR approves it.
effective_on: {effective_on}
rules:
  - id: milestone-merit-increase
    when: {{event: goals.MilestoneReached}}
    then:
      - compensation_adjustment: {{kind: merit_increase, change: {{amount: "{PAY_CHANGE}", currency: EUR}}, pay_period: annual}}
peer_recognition:
  per_giver: {{at_most: 5, window: month}}
  per_recipient: {{at_most: 3, window: week}}
  visibility: [public, team, private]
"""


def eventually(what: str, probe: Callable[[], T | None], timeout: float = 60) -> T:
    """``probe()`` once it answers something, polling while the services catch up."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout:.0f}s: {what}")
        time.sleep(0.3)


@dataclass
class Organisation:
    platform: RunningPlatform
    organisation_id: str
    hr_admins: frozenset[str]
    http: httpx.Client

    @classmethod
    def fresh(cls, platform: RunningPlatform, http: httpx.Client, hr_admins: set[str]) -> Organisation:
        return cls(platform, f"org_{uuid.uuid4().hex[:8]}", frozenset(hr_admins), http)

    def headers(self, person: str) -> dict[str, str]:
        roles = ["hr_admin"] if person in self.hr_admins else []
        token = mint_token(self.platform.secret, person, roles=roles, organisation_id=self.organisation_id)
        return {"Authorization": f"Bearer {token}"}

    def url(self, service: str, path: str) -> str:
        return self.platform.api_urls[service] + path

    def get(self, service: str, person: str, path: str) -> Any:
        response = self.http.get(self.url(service, path), headers=self.headers(person))
        assert response.status_code == 200, f"GET {service} {path} as {person}: {response.text}"
        return response.json()

    def post(self, service: str, person: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(self.url(service, path), json=body, headers=self.headers(person))
        assert response.status_code in (200, 201), f"POST {service} {path} as {person}: {response.text}"
        answer: dict[str, Any] = response.json()
        return answer

    def day(self, days_from_today: int) -> str:
        return (datetime.now(UTC).date() + timedelta(days=days_from_today)).isoformat()

    # --- what the journeys need -------------------------------------------------------------

    def reports_to(self, hr: str, employee: str, manager: str) -> None:
        """HR sets the reporting line; waits until the feedback service knows it."""
        self.post("goals", hr, f"/employees/{employee}/manager", {"manager_id": manager})

        def known() -> bool:
            response = self.http.get(
                self.url("feedback", f"/employees/{employee}/cadence"), headers=self.headers(hr)
            )
            return response.status_code == 200 and response.json()["manager_id"] == manager

        eventually(f"the feedback service learns that {employee} reports to {manager}", known)

    def publish_policy(self, hr: str, text: str) -> dict[str, Any]:
        response = self.http.post(
            self.url("recognition", "/policies"),
            content=text.encode(),
            headers={**self.headers(hr), "content-type": "application/yaml"},
        )
        assert response.status_code == 201, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def agreed_goal(self, employee: str, manager: str, title: str, milestones: dict[str, str]) -> str:
        goal_id = f"goal_{uuid.uuid4().hex[:10]}"
        self.post(
            "goals",
            employee,
            "/goals",
            {
                "goal_id": goal_id,
                "employee_id": employee,
                "title": title,
                "description": f"{title}, agreed with {manager}",
                "due_date": self.day(60),
                "milestones": [
                    {"milestone_id": ms, "title": text, "owner_id": employee, "due_date": self.day(30)}
                    for ms, text in milestones.items()
                ],
            },
        )
        self.post("goals", manager, f"/goals/{goal_id}/agreement", {})
        return goal_id

    def reach(self, employee: str, goal_id: str, milestone_id: str) -> None:
        self.post("goals", employee, f"/goals/{goal_id}/milestones/{milestone_id}/reached", {})

    def pay_change_awaiting_hr(self, hr: str, employee: str) -> dict[str, Any]:
        """Waits until the recognition service proposed a pay change for ``employee``."""

        def waiting() -> dict[str, Any] | None:
            pending = self.get("recognition", hr, "/approvals")
            return next(
                (
                    p
                    for p in pending
                    if p["kind"] == "compensation_adjustment" and p["employee_id"] == employee
                ),
                None,
            )

        return eventually(f"a pay change for {employee} awaits HR", waiting)
