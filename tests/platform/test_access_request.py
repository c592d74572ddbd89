"""An access request (GDPR article 15) against the running platform: a person with goals,
feedback given and received (named and anonymous) and recognition, beside a colleague with data
of his own, all made through the services' APIs on real Kafka and PostgreSQL; `trellis export`
then writes one archive holding all of her data and nothing of his."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.platform.running import RunningPlatform
from trellis_kernel.identity import mint_token
from trellis_kernel.privacy import ABOUT_SOMEONE_ELSE

pytestmark = pytest.mark.infra

ADA_TEXT = {
    "vision": "Ada wants to lead the accessibility guild",
    "goal": "Ada ships the screen-reader audit",
    "description": "Ada fixes every blocker the audit finds",
    "milestone": "Ada's audit of the checkout",
    "check_in": "Ada finished half of the audit",
    "prompt": "How clear are Ada's audit reports?",
    "bob_about_ada": "Bob thinks Ada's audit notes are exemplary",
    "bob_answers_ada": "Bob would like Ada's reports sooner",
    "bob_thanks_ada": "Bob thanks Ada for the keyboard fixes",
}
"""Text about Ada (written by her or by others): all of it belongs in her archive."""
BOB_TEXT = {
    "vision": "Bob dreams of running the platform team",
    "goal": "Bob migrates the billing database",
    "description": "Bob moves billing to the new cluster",
    "milestone": "Bob's dry run of the billing cut-over",
    "ada_about_bob": "Ada finds Bob's code reviews thorough",
    "ada_thanks_bob": "Ada thanks Bob for the on-call cover",
    "prompt": "What should Bob delegate?",
    "ada_anonymous": "Ada wishes Bob shared the roadmap earlier",
    "cy_anonymous": "Cy wants Bob in fewer meetings",
    "dee_anonymous": "Dee asks Bob for written decisions",
}
"""Text about Bob (some of it written by Ada): none of it belongs in her archive."""
FILES = ("goals.json", "feedback.json", "recognition.json", "integrations.json")


class Organisation:
    def __init__(self, platform: RunningPlatform, http: httpx.Client) -> None:
        self.platform, self.http = platform, http
        suffix = uuid.uuid4().hex[:8]
        self.id = f"org-access-{suffix}"
        self.ada, self.bob, self.mia, self.cy, self.dee = (
            f"{name}-{suffix}" for name in ("ada", "bob", "mia", "cy", "dee")
        )
        self.hr = f"hr-{suffix}"

    def call(self, method: str, service: str, who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        roles = ["hr_admin"] if who == self.hr else []
        token = mint_token(self.platform.secret, who, roles=roles, organisation_id=self.id)
        answer = self.http.request(
            method,
            self.platform.api_urls[service] + path,
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code < 300, f"{method} {path}: {answer.status_code} {answer.text}"
        result: dict[str, Any] = answer.json()
        return result

    def post(self, service: str, who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.call("POST", service, who, path, body)


def seed(o: Organisation) -> None:
    today = datetime.now(UTC).date()
    due = (today + timedelta(days=90)).isoformat()
    soon = (today + timedelta(days=7)).isoformat()
    for person in (o.ada, o.bob, o.cy, o.dee):
        o.post("goals", o.hr, f"/employees/{person}/manager", {"manager_id": o.mia})
    o.post("goals", o.ada, f"/employees/{o.ada}/vision", {"long_term_aspirations": ADA_TEXT["vision"]})
    o.post("goals", o.bob, f"/employees/{o.bob}/vision", {"long_term_aspirations": BOB_TEXT["vision"]})
    o.post(
        "goals",
        o.ada,
        "/goals",
        {
            "goal_id": "goal-ada",
            "employee_id": o.ada,
            "title": ADA_TEXT["goal"],
            "description": ADA_TEXT["description"],
            "due_date": due,
            "milestones": [
                {"milestone_id": "ms-1", "title": ADA_TEXT["milestone"], "owner_id": o.ada, "due_date": due}
            ],
        },
    )
    o.post("goals", o.mia, "/goals/goal-ada/agreement", {})
    o.post(
        "goals",
        o.mia,
        "/goals/goal-ada/check-ins",
        {"check_in_id": "ci-1", "progress_summary": ADA_TEXT["check_in"]},
    )
    o.post(
        "goals",
        o.bob,
        "/goals",
        {
            "goal_id": "goal-bob",
            "employee_id": o.bob,
            "title": BOB_TEXT["goal"],
            "description": BOB_TEXT["description"],
            "due_date": due,
            "milestones": [
                {"milestone_id": "ms-1", "title": BOB_TEXT["milestone"], "owner_id": o.bob, "due_date": due}
            ],
        },
    )

    o.post(
        "feedback",
        o.bob,
        "/feedback",
        {
            "recipient_id": o.ada,
            "relationship": "peer",
            "kind": "praise",
            "content": ADA_TEXT["bob_about_ada"],
        },
    )
    o.post(
        "feedback",
        o.ada,
        "/feedback",
        {
            "recipient_id": o.bob,
            "relationship": "peer",
            "kind": "praise",
            "content": BOB_TEXT["ada_about_bob"],
        },
    )
    o.post(
        "feedback",
        o.ada,
        "/feedback-requests",
        {
            "request_id": "req-ada",
            "recipient_id": o.ada,
            "givers": [{"giver_id": o.bob, "relationship": "peer"}],
            "due_on": soon,
            "prompts": [ADA_TEXT["prompt"]],
        },
    )
    o.post(
        "feedback",
        o.bob,
        "/feedback-requests/req-ada/answers",
        {"content": ADA_TEXT["bob_answers_ada"], "kind": "constructive"},
    )
    o.post(
        "feedback",
        o.bob,
        "/feedback-requests",
        {
            "request_id": "req-bob",
            "recipient_id": o.bob,
            "givers": [{"giver_id": giver, "relationship": "peer"} for giver in (o.ada, o.cy, o.dee)],
            "anonymous": True,
            "due_on": soon,
            "prompts": [BOB_TEXT["prompt"]],
        },
    )
    for giver, text in ((o.ada, "ada_anonymous"), (o.cy, "cy_anonymous"), (o.dee, "dee_anonymous")):
        o.post(
            "feedback",
            giver,
            "/feedback-requests/req-bob/answers",
            {"content": BOB_TEXT[text], "kind": "constructive"},
        )

    o.post(
        "recognition",
        o.hr,
        "/policies",
        {
            "format": "trellis.reward-policy.v1",
            "policy_id": "thanks",
            "title": "Thanks between colleagues",
            "effective_on": today.isoformat(),
            "rules": [
                {
                    "id": "praise",
                    "when": {
                        "event": "feedback.FeedbackGiven",
                        "where": {"kind": {"equals": "praise"}},
                        "count": {"at_least": 50, "window": "quarter"},
                    },
                    "then": [{"recognition": {"visibility": "team", "kind": "acknowledgement"}}],
                }
            ],
            "peer_recognition": {
                "per_giver": {"at_most": 5, "window": "month"},
                "per_recipient": {"at_most": 5, "window": "week"},
                "visibility": ["public", "team"],
            },
        },
    )
    o.post(
        "recognition",
        o.bob,
        "/recognitions",
        {"recipient_id": o.ada, "visibility": "public", "message": ADA_TEXT["bob_thanks_ada"]},
    )
    o.post(
        "recognition",
        o.ada,
        "/recognitions",
        {"recipient_id": o.bob, "visibility": "public", "message": BOB_TEXT["ada_thanks_bob"]},
    )


def trellis_export(platform: RunningPlatform, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.endswith("_DATABASE_URL") and not key.startswith("TRELLIS_")
    }
    environment |= {"TRELLIS_HOME": str(platform.home), "TRELLIS_JWT_SECRET": platform.secret}
    return subprocess.run(
        [sys.executable, "-m", "trellis_deploy.cli", "export", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def read_archive(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def events_of(files: dict[str, bytes], name: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(files[name])["events"]
    return events


def test_a_persons_archive_holds_all_of_her_data_and_nothing_about_anyone_else(
    platform: RunningPlatform, tmp_path: Path
) -> None:
    with httpx.Client(timeout=30) as http:
        o = Organisation(platform, http)
        seed(o)

    out = tmp_path / "ada.zip"
    exported = trellis_export(platform, o.id, o.ada, "--out", str(out))
    assert exported.returncode == 0, f"{exported.stdout}\n{exported.stderr}"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    files = read_archive(out)
    assert sorted(files) == sorted(("manifest.json", *FILES))

    manifest = json.loads(files["manifest.json"])
    assert (manifest["organisation_id"], manifest["person_id"]) == (o.id, o.ada)
    assert [entry["file"] for entry in manifest["files"]] == list(FILES)
    for entry in manifest["files"]:
        content = files[entry["file"]]
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
        assert entry["events"] == len(json.loads(content)["events"])
        assert (json.loads(content)["service"], json.loads(content)["person_id"]) == (entry["service"], o.ada)
    held = {entry["service"]: entry["holds_data"] for entry in manifest["files"]}
    assert held == {"goals": True, "feedback": True, "recognition": True, "integrations": False}

    everything = b"\n".join(files.values()).decode()
    for key, text in ADA_TEXT.items():
        assert text in everything, f"her {key} is missing from her archive"
    for key, text in BOB_TEXT.items():
        assert text not in everything, f"Bob's {key} is in Ada's archive"
    for person in (o.cy, o.dee):
        assert person not in everything

    goals = [event["data"] for event in events_of(files, "goals.json")]
    assert {event.get("goal_id") for event in goals} >= {"goal-ada"}
    assert "goal-bob" not in json.dumps(goals)
    feedback = events_of(files, "feedback.json")
    given = [e["data"] for e in feedback if e["data"].get("giver_id") == o.ada and "content" in e["data"]]
    assert [(g["recipient_id"], g["content"]) for g in given] == [(o.bob, ABOUT_SOMEONE_ELSE)]
    assert all(e["data"].get("request_id") != "req-bob" for e in feedback), (
        "her anonymous answer is attributed"
    )
    recognition = [e["data"] for e in events_of(files, "recognition.json") if "message" in e["data"]]
    assert sorted((r["recipient_id"], r["message"]) for r in recognition) == sorted(
        [(o.ada, ADA_TEXT["bob_thanks_ada"]), (o.bob, ABOUT_SOMEONE_ELSE)]
    )
    assert str(out) in exported.stdout

    # Bob's archive has the anonymous answers released to him, Ada's among them, naming nobody.
    exported = trellis_export(platform, o.id, o.bob, "--out", str(tmp_path / "bob.zip"))
    assert exported.returncode == 0, f"{exported.stdout}\n{exported.stderr}"
    bob = read_archive(tmp_path / "bob.zip")
    closed = [e["data"] for e in events_of(bob, "feedback.json") if e["data"].get("request_id") == "req-bob"]
    released = [d for d in closed if d.get("released_answers")]
    assert len(released) == 1
    assert sorted(a["content"] for a in released[0]["released_answers"]) == sorted(
        BOB_TEXT[key] for key in ("ada_anonymous", "cy_anonymous", "dee_anonymous")
    )
    assert o.ada not in json.dumps(closed)

    nobody = trellis_export(platform, o.id, "nobody-at-all", "--out", str(tmp_path / "nobody.zip"))
    assert nobody.returncode == 1
    assert "no service holds anything about nobody-at-all" in nobody.stderr
    assert not (tmp_path / "nobody.zip").exists()
