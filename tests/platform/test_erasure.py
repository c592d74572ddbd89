"""Erasing a person across the platform (GDPR art. 17): `trellis run` on databases of its own,
`trellis demo` seeding an organisation through the APIs, then HR erases Ana in the goals
service. Afterwards none of Ana's text is anywhere: not in any table of any service's database,
not in any record on any topic (read with the CloudEvents SDK), not in any API answer nor in the
web app; her data keys answer 410 Gone; other people's text and the non-personal figures of
Ana's goals and rewards are intact; and every projection rebuilds to the same answers.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat

from tests.conftest import PostgresServer
from tests.kernel.privacy.support import text_everywhere
from tests.platform.running import RunningPlatform, fresh_service_databases, start_platform, stop_platform
from tests.platform.test_demo import run_demo
from tests.recognition.test_end_to_end import read_topic
from trellis_contracts.personal import ERASED
from trellis_contracts.protected import header_of, is_protected_value
from trellis_contracts.topics import FEEDBACK_TOPIC, GOALS_TOPIC, RECOGNITION_TOPIC
from trellis_deploy.demo.goals_journey import VISIONS
from trellis_deploy.services import SERVICE_APPS
from trellis_kernel.identity import mint_token

pytestmark = pytest.mark.infra

ANAS_TEXT = (
    VISIONS["ana"][0],
    "Master Photoshop",
    "Produce campaign visuals without design-team help",
    "Complete the online course",
    "Ship a campaign visual alone",
    "Drafted the first campaign visual",
    "How do my campaign visuals land?",
    "The campaign visuals you drafted alone were sharp and on brand.",
    "Ask for critique earlier: show drafts at half-way.",
    "Thank you for the crisp launch visuals!",
)
"""What the demo writes about Ana: her vision, her goal, its milestones and check-in, the
feedback she asked for and received, and Ben's thanks."""
OTHERS_TEXT = (
    VISIONS["cara"][0],
    "Cara's discovery calls are a model for the whole team.",
    "Your customer stories made our campaign real.",  # written by Ana, about Cara: Cara's record
)
TOPICS = {GOALS_TOPIC.name: "goals", FEEDBACK_TOPIC.name: "feedback", RECOGNITION_TOPIC.name: "recognition"}


@pytest.fixture(scope="module")
async def own_databases(postgres: PostgresServer) -> dict[str, str]:
    return await fresh_service_databases(postgres)


@pytest.fixture(scope="module")
def own_platform(
    own_databases: dict[str, str], kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningPlatform]:
    """A platform of this module's own: its databases hold only the organisation seeded here, so a
    scan of every table means something (the session's platform serves other demos)."""
    running = start_platform(own_databases, kafka_bootstrap, tmp_path_factory.mktemp("erasure") / ".trellis")
    yield running
    stop_platform(running)


@pytest.fixture
async def pools(own_databases: dict[str, str]) -> AsyncIterator[dict[str, asyncpg.Pool]]:
    opened = {
        name: await asyncpg.create_pool(url, min_size=1, max_size=2) for name, url in own_databases.items()
    }
    yield opened
    for pool in opened.values():
        await pool.close()


class Demo:
    def __init__(self, platform: RunningPlatform, organisation: str) -> None:
        self.platform = platform
        self.organisation = organisation
        self.suffix = organisation.removeprefix("org-demo-")
        self.moment = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def person(self, key: str) -> str:
        return f"{key}-{self.suffix}"

    def headers(self, key: str, *roles: str) -> dict[str, str]:
        token = mint_token(
            self.platform.secret, self.person(key), roles=list(roles), organisation_id=self.organisation
        )
        return {"Authorization": f"Bearer {token}"}

    def reads(self) -> list[tuple[str, str, str]]:
        """(service, path, who asks) of every read that shows Ana's data or her team's."""
        ana, maya = self.person("ana"), self.person("maya")
        goal, request = f"photoshop-{self.organisation}", f"ana-photoshop-{self.organisation}"
        return [
            ("goals", f"/employees/{ana}/progress", "maya"),
            ("goals", f"/employees/{ana}/vision", "maya"),
            ("goals", f"/managers/{maya}/team", "maya"),
            ("goals", f"/goals/{goal}", "maya"),
            ("goals", f"/goals/{goal}/check-ins", "maya"),
            ("goals", f"/goals/{goal}/history?as_of={self.moment}", "maya"),
            ("goals", f"/goals/{goal}/timeline", "maya"),
            ("goals", f"/goals/{goal}/versions/1", "maya"),
            ("goals", f"/goals/{goal}/progress-history", "maya"),
            ("goals", "/organisation/goals", "hana"),
            ("feedback", f"/employees/{ana}/feedback", "maya"),
            ("feedback", f"/feedback-requests/{request}", "maya"),
            ("feedback", f"/feedback-requests/{request}/results", "ana"),
            ("feedback", f"/employees/{ana}/milestones-reached", "maya"),
            ("feedback", f"/goals/{goal}/feedback-counts", "maya"),
            ("feedback", f"/employees/{ana}/conversations", "maya"),
            ("recognition", f"/employees/{ana}/recognition", "maya"),
            ("recognition", f"/teams/{maya}/recognition", "maya"),
            ("recognition", "/recognition", "hana"),
            ("recognition", f"/reward-triggers?employee_id={ana}", "hana"),
            ("recognition", "/approvals", "hana"),
        ]

    def answers(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        refused = []
        with httpx.Client(timeout=30) as http:
            for service, path, who in self.reads():
                roles = ("hr_admin",) if who == "hana" else ()
                answer = http.get(self.platform.api_urls[service] + path, headers=self.headers(who, *roles))
                if answer.status_code != 200:
                    refused.append(f"{service} {path} as {who}: {answer.status_code} {answer.text}")
                found[f"{service} {path}"] = answer.json()
        assert not refused, "\n".join(refused)
        return found

    def web_page_of_ana(self) -> str:
        with httpx.Client(base_url=self.platform.web_url, timeout=30) as web:
            form_token = re.search(r'name="form_token" value="([^"]+)"', web.get("/signin").text)
            assert form_token
            page = web.post(
                "/signin/local",
                data={
                    "form_token": form_token.group(1),
                    "person_id": self.person("ana"),
                    "organisation_id": self.organisation,
                },
                follow_redirects=True,
            )
            assert page.status_code == 200
            return html.unescape(page.text)


def _found(texts: tuple[str, ...], where: str) -> list[str]:
    return [text for text in texts if text in where]


async def _everything_in_databases(pools: dict[str, asyncpg.Pool]) -> dict[str, str]:
    return {name: await text_everywhere(pool) for name, pool in pools.items()}


async def _records_of(bootstrap: str, organisation: str) -> list[tuple[str, dict[str, Any], str]]:
    """(topic, data, the record as text) of every record about the organisation on every topic,
    dead-letter topics included, decoded with the CloudEvents SDK."""
    found = []
    for topic in [*TOPICS, *(f"{name}.dlt" for name in TOPICS)]:
        for record in await read_topic(bootstrap, topic):
            if record.value is None or organisation.encode() not in record.value:
                continue
            event = ce_kafka.from_kafka(
                ce_kafka.KafkaMessage(dict(record.headers), record.key, record.value), JSONFormat()
            )
            data = event.get_data()
            assert isinstance(data, dict)
            whole = (
                json.dumps(data, ensure_ascii=False)
                + " "
                + " ".join(map(str, event.get_attributes().values()))
            )
            found.append((topic, data, whole))
    return found


def _key_ids(value: Any) -> set[str]:
    if is_protected_value(value):
        return {header_of(value).key_id}
    if isinstance(value, dict):
        return {kid for item in value.values() for kid in _key_ids(item)}
    if isinstance(value, list):
        return {kid for item in value for kid in _key_ids(item)}
    return set()


def _key_answers(demo: Demo, kids: dict[str, str]) -> dict[str, tuple[int, str | None]]:
    """What each service's key endpoint answers an integrator for each key id: (status, whose)."""
    answers = {}
    with httpx.Client(timeout=30) as http:
        for kid, service in kids.items():
            answer = http.get(
                f"{demo.platform.api_urls[service]}/privacy/data-keys/{kid}",
                headers=demo.headers("payroll", "integrator"),
            )
            answers[kid] = (
                answer.status_code,
                answer.json().get("sub") if answer.status_code == 200 else None,
            )
    return answers


def _rebuild_every_projection(platform: RunningPlatform, databases: dict[str, str]) -> list[str]:
    environment = {key: value for key, value in os.environ.items() if not key.endswith("_DATABASE_URL")}
    environment |= {f"{name.upper()}_DATABASE_URL": url for name, url in databases.items()}
    environment |= {"KAFKA_BOOTSTRAP_SERVERS": platform.kafka, "TRELLIS_HOME": str(platform.home)}
    rebuilt = []
    for app in SERVICE_APPS:
        if not app.inline_projections:
            continue
        listing = _trellis(["projections", "list", app.name], environment)
        for name in (line.split(" (")[0] for line in listing.splitlines() if line.strip()):
            _trellis(["projections", "rebuild", app.name, name], environment)
            rebuilt.append(f"{app.name}/{name}")
    return rebuilt


def _trellis(arguments: list[str], environment: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "trellis_deploy.cli", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, f"trellis {' '.join(arguments)}: {done.stdout}\n{done.stderr}"
    return done.stdout


async def test_an_erased_person_leaves_no_text_anywhere_while_everything_else_stays(
    own_platform: RunningPlatform,
    own_databases: dict[str, str],
    pools: dict[str, asyncpg.Pool],
    kafka_bootstrap: str,
) -> None:
    demo_run = run_demo(own_platform, own_databases)
    assert demo_run.returncode == 0, f"{demo_run.stdout}\n{demo_run.stderr}"
    organisation = re.search(r"Seeding organisation (org-demo-\w+)", demo_run.stdout)
    assert organisation, demo_run.stdout
    demo = Demo(own_platform, organisation.group(1))
    ana = demo.person("ana")

    # Before: the scans and reads below do see Ana's text, so their silence afterwards means something.
    before = json.dumps(demo.answers(), ensure_ascii=False)
    assert _found(ANAS_TEXT, before) == list(ANAS_TEXT), "the reads do not show all of Ana's text"
    assert "Master Photoshop" in demo.web_page_of_ana()
    databases = "\n".join((await _everything_in_databases(pools)).values())
    assert _found(ANAS_TEXT[:4], databases), "the read models keep no text of Ana's at all"
    records = await _records_of(kafka_bootstrap, demo.organisation)
    assert len(records) > 40, f"only {len(records)} records of the demo's organisation on the topics"
    in_the_clear = [(topic, _found(ANAS_TEXT + OTHERS_TEXT, whole)) for topic, _, whole in records]
    assert not [found for found in in_the_clear if found[1]], "personal text in the clear on the topics"
    kids = {kid: TOPICS[topic] for topic, data, _ in records for kid in _key_ids(data)}
    anas_keys = {
        kid for kid, (status, whose) in _key_answers(demo, kids).items() if status == 200 and whose == ana
    }
    assert {kids[kid] for kid in anas_keys} == {"goals", "feedback", "recognition"}, (
        "Ana has a key in each service"
    )

    async with httpx.AsyncClient(timeout=30) as http:
        erased = await http.post(
            f"{own_platform.api_urls['goals']}/privacy/people/{ana}/erasure",
            json={"reason": "Ana left and asked to be forgotten (art. 17)"},
            headers=demo.headers("hana", "hr_admin"),
        )
    assert erased.status_code == 200, erased.text

    # Feedback and recognition learn it from PersonErased on the goals topic.
    deadline = time.monotonic() + 90
    while True:
        everything = await _everything_in_databases(pools)
        left = {name: _found(ANAS_TEXT, text) for name, text in everything.items() if _found(ANAS_TEXT, text)}
        if not left:
            break
        assert time.monotonic() < deadline, f"Ana's text still stored 90 s after her erasure: {left}"
        await asyncio.sleep(1)
    person_erased = [data for topic, data, _ in await _records_of(kafka_bootstrap, demo.organisation)
                     if topic == GOALS_TOPIC.name and data.get("erasure_id") and data.get("employee_id") == ana]  # fmt: skip
    assert len(person_erased) == 1, "PersonErased is published once"

    after = demo.answers()
    after_text = json.dumps(after, ensure_ascii=False)
    assert not _found(ANAS_TEXT, after_text), "an API still answers with Ana's text"
    assert not _found(ANAS_TEXT, demo.web_page_of_ana())
    in_the_clear = [
        (topic, _found(ANAS_TEXT, whole))
        for topic, _, whole in await _records_of(kafka_bootstrap, demo.organisation)
    ]
    assert not [found for found in in_the_clear if found[1]], "Ana's text on the topics"
    assert {
        kid: answer[0] for kid, answer in _key_answers(demo, {k: kids[k] for k in anas_keys}).items()
    } == dict.fromkeys(anas_keys, 410), "every copy of Ana's text on the topics stays shut"

    # Others keep their text; Ana's goal keeps its figures; her rewards stay payroll records.
    cara = demo.person("cara")
    async with httpx.AsyncClient(timeout=30, headers=demo.headers("cara")) as http:
        vision = await http.get(f"{own_platform.api_urls['goals']}/employees/{cara}/vision")
        feedback = await http.get(f"{own_platform.api_urls['feedback']}/employees/{cara}/feedback")
    seen_by_cara = json.dumps([vision.json(), feedback.json()], ensure_ascii=False)
    assert _found(OTHERS_TEXT, seen_by_cara) == list(OTHERS_TEXT)
    goal = after[f"goals /goals/photoshop-{demo.organisation}"]["goal"]
    assert goal["status"] == "active" and goal["terms"]["title"] == ERASED
    assert [(m["title"], m["progress_percent"], bool(m["reached_on"])) for m in goal["milestones"]] == [
        (ERASED, 100, True),
        (ERASED, 40, False),
    ], "the milestones keep their progress"
    rewards = after[f"recognition /reward-triggers?employee_id={ana}"]
    assert rewards, "the rewards Ana's course milestone triggered are still on record"

    rebuilt = _rebuild_every_projection(own_platform, own_databases)
    assert len(rebuilt) >= 3, rebuilt
    assert demo.answers() == after, "a projection rebuilt from the events answers differently"
    for name, text in (await _everything_in_databases(pools)).items():
        assert not _found(ANAS_TEXT, text), f"a rebuild brought Ana's text back in {name}"
