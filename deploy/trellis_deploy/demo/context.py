"""What the demo's journeys share: the organisation being seeded, its people, and API calls
made as one of them (with a development token, as any client of the APIs would)."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from trellis_kernel.identity import mint_token


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
        response = self.http.post(self.urls[service] + path, json=body, headers=self._headers(as_person))
        if response.status_code >= 400:
            raise DemoError(
                f"{service} refused POST {path} as {as_person}: {response.status_code} {response.text}"
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
