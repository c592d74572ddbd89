"""What the demo's journeys share: the organisation being seeded, its people, and API calls
made as one of them (with a development token, as any client of the APIs would)."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import httpx

from trellis_kernel.identity import mint_token

T = TypeVar("T")


class DemoError(RuntimeError):
    pass


@dataclass(frozen=True)
class Person:
    person_id: str
    name: str
    role: str
    """"employee", "manager" or "hr"."""
    team: str | None = None
    track_id: str | None = None


@dataclass
class DemoContext:
    organisation_id: str
    people: dict[str, Person]
    urls: dict[str, str]
    secret: str
    http: httpx.Client
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    events_caused: Counter[str] = field(default_factory=Counter)
    """Per service, how many events its answers said the demo's commands recorded."""

    @classmethod
    def fresh(cls, urls: dict[str, str], secret: str, http: httpx.Client, plan: list[Person]) -> DemoContext:
        suffix = uuid.uuid4().hex[:6]
        people = {
            p.person_id: Person(f"{p.person_id}-{suffix}", p.name, p.role, p.team, p.track_id) for p in plan
        }
        return cls(f"org-demo-{suffix}", people, urls, secret, http)

    def id_of(self, key: str) -> str:
        return self.people[key].person_id

    def day(self, days_from_today: int) -> str:
        return (self.today + timedelta(days=days_from_today)).isoformat()

    def _headers(self, key: str) -> dict[str, str]:
        person = self.people[key]
        roles = ["hr_admin"] if person.role == "hr" else []
        token = mint_token(self.secret, person.person_id, roles=roles, organisation_id=self.organisation_id)
        return {"Authorization": f"Bearer {token}"}

    def post(self, service: str, as_person: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._command("POST", service, as_person, path, body)

    def put(self, service: str, as_person: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._command("PUT", service, as_person, path, body)

    def _command(
        self, method: str, service: str, as_person: str, path: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        response = self.http.request(
            method, self.urls[service] + path, json=body, headers=self._headers(as_person)
        )
        if response.status_code >= 400:
            raise DemoError(
                f"{service} refused {method} {path} as {as_person}: {response.status_code} {response.text}"
            )
        answer: dict[str, Any] = response.json()
        self.events_caused[service] += len(answer.get("events", []))
        return answer

    def get(self, service: str, as_person: str, path: str) -> Any:
        response = self.http.get(self.urls[service] + path, headers=self._headers(as_person))
        if response.status_code >= 400:
            raise DemoError(
                f"{service} refused GET {path} as {as_person}: {response.status_code} {response.text}"
            )
        return response.json()

    def get_or_none(self, service: str, as_person: str, path: str) -> Any:
        """Like get, but None while the service does not know the thing yet (404), or does not
        yet know the person may see it (403): what a service learns from another one's topic
        arrives a moment after the API that caused it answered."""
        response = self.http.get(self.urls[service] + path, headers=self._headers(as_person))
        if response.status_code in (403, 404):
            return None
        if response.status_code >= 400:
            raise DemoError(
                f"{service} refused GET {path} as {as_person}: {response.status_code} {response.text}"
            )
        return response.json()

    def wait_for(self, what: str, probe: Callable[[], T | None], timeout: float = 90) -> T:
        """``probe()`` once it answers something, polling while the services catch up."""
        deadline = time.monotonic() + timeout
        while True:
            found = probe()
            if found:
                return found
            if time.monotonic() > deadline:
                raise DemoError(f"gave up after {timeout:.0f}s waiting until {what}")
            time.sleep(0.3)
