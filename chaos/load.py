"""The load: journeys of an organisation's people through the public HTTP APIs at a steady
rate (reporting lines set, goals proposed and agreed on the leadership track, check-ins,
milestones reached, praise given, colleagues recognised), and the ledger of what the platform
acknowledged.

A command that fails (no answer, 5xx) is sent again, with the same client-chosen ids, to the
service's other process, for as long as an outage may last. If a later attempt is refused as a
repeat (409/422) the first one may have been stored: that command is counted as retried, not
acknowledged, and the checks allow its events without requiring them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from chaos.platform import SECRET
from tests.integrations.lrs import Lrs
from tests.integrations.receiver import Receiver
from trellis_contracts.goals import MilestoneReachedV2
from trellis_integrations.delivery.webhooks import new_secret
from trellis_kernel.identity import mint_token

MILESTONES = ("ms_1", "ms_2", "ms_3")
DELIVERED_TYPES = [MilestoneReachedV2.event_type()]
"""What the integrator subscribes to, by webhook and as xAPI statements."""
DELIVERY_TIMEOUT = 2.0
"""Seconds the integrations service waits for the webhook receiver before trying again."""
LRS_TIMEOUT = 10.0
"""... and for the LRS (Ralph's file backend slows as it fills)."""
SUBSCRIPTIONS = ("chaos-webhook", "chaos-lrs")
PRAISES_PER_JOURNEY = 2
COMMANDS_PER_JOURNEY = 4 + len(MILESTONES) + PRAISES_PER_JOURNEY + 2
MANAGERS = 10
RETRY_FOR = 180.0
"""Seconds a command is tried again for (a broker or database restart on a busy machine)."""
ATTEMPT_TIMEOUT = 10.0
POLICY = """\
format: trellis.reward-policy.v1
policy_id: milestones
title: Leadership milestones
effective_on: {today}
rules:
  - id: milestone-celebration
    when: {{event: goals.MilestoneReached, career_track: [leadership]}}
    then:
      - recognition: {{visibility: public, kind: milestone_celebration}}
  - id: guild-completed
    when: {{event: goals.MilestoneReached, career_track: [leadership], where: {{milestone_id: {{equals: {last}}}}}}}
    then:
      - compensation_adjustment: {{kind: merit_increase, change: {{amount: "500.00", currency: EUR}}, pay_period: annual}}
peer_recognition:
  per_giver: {{at_most: 1000, window: month}}
  per_recipient: {{at_most: 100, window: week}}
  visibility: [public]
"""
"""A celebration per milestone reached, and a pay change (held for HR's approval) for the last
one: reactions whose exactly-once the checks count."""
PAY_CHANGE_MILESTONE = MILESTONES[-1]
APPROVAL_WAIT = 240.0
"""Seconds HR waits for a pay change to be proposed (a reaction, late while things break)."""


@dataclass(frozen=True)
class Command:
    service: str
    path: str
    body: dict[str, Any]
    as_person: str
    aggregate_id: str
    """The id that names the command's stream (after the organisation in the stream id)."""
    hr: bool = False
    approves_pay_change_of: str | None = None
    """HR's approval of the pay change proposed for this employee: the path is known once the
    proposal appears among the pending approvals."""


@dataclass(frozen=True)
class Acknowledged:
    command: Command
    stream_id: str
    version: int
    events: int
    attempts: int


@dataclass
class Ledger:
    organisation: str
    acknowledged: list[Acknowledged] = field(default_factory=list)
    retried: list[Command] = field(default_factory=list)
    """Commands whose first attempts failed and a later one was refused as a repeat."""
    refused: list[tuple[Command, int, str]] = field(default_factory=list)
    """Commands refused on their first attempt: the journey or the platform is wrong."""
    gave_up: list[Command] = field(default_factory=list)
    """Commands no attempt got an answer for within RETRY_FOR: their events may exist."""
    attempts_failed: int = 0
    never_proposed: list[str] = field(default_factory=list)
    """Employees whose pay change never appeared for approval."""
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    setup: set[tuple[str, str]] = field(default_factory=set)
    """(service, aggregate id) of what the run set up before the load: the reward policy."""

    @property
    def sent(self) -> int:
        return len(self.acknowledged) + len(self.retried) + len(self.refused) + len(self.gave_up)

    async def reached(self, commands: int) -> None:
        """Once ``commands`` commands have had their answer (or given up)."""
        while self.sent < commands:
            self.answered.clear()
            await self.answered.wait()


def bearer(subject: str, organisation: str, *, hr: bool = False) -> dict[str, str]:
    roles = ("hr_admin",) if hr else ()
    token = mint_token(SECRET, subject, roles=roles, organisation_id=organisation)
    return {"Authorization": f"Bearer {token}"}


def hr_headers(organisation: str) -> dict[str, str]:
    return bearer("hr_chaos", organisation, hr=True)


class Load:
    def __init__(
        self,
        urls: Callable[[str], list[str]],
        ledger: Ledger,
        *,
        commands: int,
        rate: float,
        concurrency: int,
        gate: Callable[[int], Awaitable[None]],
    ) -> None:
        self._urls = urls
        self.ledger = ledger
        self._commands = commands
        self._interval = 1.0 / rate
        self._concurrency = concurrency
        self._gate = gate
        self._issued = 0
        self._next_slot = time.monotonic()
        self._turn = 0
        self._lock = asyncio.Lock()
        self.today = datetime.now(UTC).date()

    def headers(self, subject: str, *, hr: bool = False) -> dict[str, str]:
        return bearer(subject, self.ledger.organisation, hr=hr)

    async def publish_policy(self, http: httpx.AsyncClient) -> None:
        answer = await http.post(
            f"{self._urls('recognition')[0]}/policies",
            content=POLICY.format(today=self.today.isoformat(), last=PAY_CHANGE_MILESTONE).encode(),
            headers={**self.headers("hr_chaos", hr=True), "content-type": "application/yaml"},
        )
        if answer.status_code != 201:
            raise RuntimeError(f"the reward policy was refused: {answer.status_code} {answer.text}")
        self.ledger.setup.add(("recognition", "milestones"))

    async def subscribe(self, http: httpx.AsyncClient, receiver: Receiver, lrs: Lrs) -> None:
        """The integrator's webhook and LRS subscriptions, made by HR before the load."""
        secret = new_secret()
        receiver.secrets.append(secret)
        url = self._urls("integrations")[0]
        headers = self.headers("hr_chaos", hr=True)
        bodies = {
            "/subscriptions/webhooks": {
                "subscription_id": SUBSCRIPTIONS[0],
                "endpoint": receiver.url,
                "event_types": DELIVERED_TYPES,
                "secret": secret,
                "timeout_seconds": DELIVERY_TIMEOUT,
            },
            "/subscriptions/xapi": {
                "subscription_id": SUBSCRIPTIONS[1],
                "endpoint": lrs.url,
                "username": lrs.username,
                "password": lrs.password,
                "home_page": "https://people.example.com",
                "event_types": DELIVERED_TYPES,
                "timeout_seconds": LRS_TIMEOUT,
            },
        }
        for path, body in bodies.items():
            answer = await http.post(url + path, json=body, headers=headers)
            if answer.status_code != 201:
                raise RuntimeError(f"{path} was refused: {answer.status_code} {answer.text}")
            self.ledger.setup.add(("integrations", str(body["subscription_id"])))

    async def run(self, http: httpx.AsyncClient) -> None:
        journeys = (self._commands + COMMANDS_PER_JOURNEY - 1) // COMMANDS_PER_JOURNEY
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(journeys):
            queue.put_nowait(n)

        async def worker() -> None:
            while not queue.empty():
                last_reached = False
                for command in self.journey(queue.get_nowait(), journeys):
                    if command.approves_pay_change_of is not None:
                        if not last_reached or self._issued >= self._commands:
                            continue  # no milestone for a pay change, or the load is done
                        found = await self._pay_change_approval(http, command.approves_pay_change_of)
                        if found is None:
                            continue
                        command = found
                    acknowledged = await self._send(http, command)
                    if command.path.endswith(f"/milestones/{PAY_CHANGE_MILESTONE}/reached"):
                        last_reached = acknowledged

        await asyncio.gather(*(worker() for _ in range(self._concurrency)))

    def journey(self, n: int, journeys: int) -> list[Command]:
        employee, manager = f"emp_{n}", f"mgr_{n % MANAGERS}"
        goal = f"goal_{n}"
        due = (self.today + timedelta(days=90)).isoformat()
        peers = [f"emp_{(n + k) % max(journeys, 2)}" for k in (1, 2)]
        commands = [
            Command(
                "goals",
                f"/employees/{employee}/manager",
                {"manager_id": manager},
                "hr_chaos",
                employee,
                hr=True,
            ),
            Command(
                "goals",
                "/goals",
                {
                    "goal_id": goal,
                    "employee_id": employee,
                    "title": "Lead the guild",
                    "description": "Run the guild's sessions this quarter",
                    "due_date": due,
                    "career_track_id": "leadership",
                    "milestones": [
                        {"milestone_id": m, "title": f"Session {m}", "owner_id": employee, "due_date": due}
                        for m in MILESTONES
                    ],
                },
                employee,
                goal,
            ),
            Command("goals", f"/goals/{goal}/agreement", {}, manager, goal),
            Command(
                "goals",
                f"/goals/{goal}/check-ins",
                {
                    "check_in_id": f"checkin_{n}",
                    "progress_summary": "Planned the first sessions",
                    "milestone_progress": [{"milestone_id": MILESTONES[0], "progress_percent": 50}],
                },
                manager,
                goal,
            ),
        ]
        for m in MILESTONES:
            commands.append(Command("goals", f"/goals/{goal}/milestones/{m}/reached", {}, employee, goal))
        for k, peer in enumerate(peers[:PRAISES_PER_JOURNEY]):
            feedback_id = f"praise_{n}_{k}"
            commands.append(
                Command(
                    "feedback",
                    "/feedback",
                    {
                        "feedback_id": feedback_id,
                        "recipient_id": employee,
                        "relationship": "peer",
                        "kind": "praise",
                        "content": "Your sessions made the guild worth joining.",
                    },
                    peer,
                    feedback_id,
                )
            )
        recognition_id = f"thanks_{n}"
        commands.append(
            Command(
                "recognition",
                "/recognitions",
                {
                    "recognition_id": recognition_id,
                    "recipient_id": employee,
                    "visibility": "public",
                    "message": "Thank you for running the guild.",
                },
                peers[0],
                recognition_id,
            )
        )
        commands.append(
            Command("recognition", "", {}, "hr_chaos", "", hr=True, approves_pay_change_of=employee)
        )
        return commands

    async def _pay_change_approval(self, http: httpx.AsyncClient, employee: str) -> Command | None:
        """HR's approval of the employee's proposed pay change, once it is pending."""
        headers = self.headers("hr_chaos", hr=True)
        urls = self._urls("recognition")
        deadline = time.monotonic() + APPROVAL_WAIT
        attempt = 0
        while time.monotonic() < deadline:
            attempt += 1
            try:
                answer = await http.get(
                    f"{urls[attempt % len(urls)]}/approvals", headers=headers, timeout=ATTEMPT_TIMEOUT
                )
                pending = answer.json() if answer.status_code == 200 else []
            except (httpx.HTTPError, ValueError):
                pending = []
            for item in pending:
                if item["kind"] == "compensation_adjustment" and item["employee_id"] == employee:
                    subject = item["subject_id"]
                    return Command(
                        "recognition",
                        f"/approvals/compensation/{subject}/approve",
                        {},
                        "hr_chaos",
                        subject,
                        hr=True,
                    )
            await asyncio.sleep(1.0)
        self.ledger.never_proposed.append(employee)
        return None

    async def _slot(self) -> int | None:
        """The next command's number, at the steady rate; None once all are issued."""
        async with self._lock:
            if self._issued >= self._commands:
                return None
            number = self._issued
            self._issued += 1
            await self._gate(number)
            now = time.monotonic()
            self._next_slot = max(self._next_slot + self._interval, now)
            wait = self._next_slot - now
        if wait > 0:
            await asyncio.sleep(wait)
        return number

    async def _send(self, http: httpx.AsyncClient, command: Command) -> bool:
        """Send the command (if the load is not done); True if it was acknowledged."""
        if await self._slot() is None:
            return False
        try:
            return await self._attempts(http, command)
        finally:
            self.ledger.answered.set()

    async def _attempts(self, http: httpx.AsyncClient, command: Command) -> bool:
        urls = self._urls(command.service)
        headers = self.headers(command.as_person, hr=command.hr)
        started = time.monotonic()
        attempts = 0
        self._turn += 1
        while True:
            url = urls[(self._turn + attempts) % len(urls)]
            attempts += 1
            try:
                answer = await http.post(
                    url + command.path, json=command.body, headers=headers, timeout=ATTEMPT_TIMEOUT
                )
            except httpx.HTTPError:
                answer = None
            if answer is not None and answer.status_code < 300:
                body = answer.json()
                self.ledger.acknowledged.append(
                    Acknowledged(command, body["stream_id"], body["version"], len(body["events"]), attempts)
                )
                return True
            if answer is not None and answer.status_code < 500:
                if attempts == 1:
                    self.ledger.refused.append((command, answer.status_code, answer.text[:300]))
                else:
                    self.ledger.retried.append(command)
                return False
            self.ledger.attempts_failed += 1
            if time.monotonic() - started > RETRY_FOR:
                self.ledger.gave_up.append(command)
                return False
            await asyncio.sleep(min(0.2 * attempts, 2.0))
