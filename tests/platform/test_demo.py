"""`trellis demo` against the running platform: a fresh organisation each run, seeded through
the public APIs, every event it caused seen by a downstream consumer, and the web app showing
the demo's people."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys

import httpx
import pytest

from tests.platform.running import RunningPlatform
from trellis_kernel.identity import mint_token

pytestmark = pytest.mark.infra


def run_demo(platform: RunningPlatform, databases: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.endswith("_DATABASE_URL") and not key.startswith("TRELLIS_")
    }
    environment |= {
        "TRELLIS_HOME": str(platform.home),
        "TRELLIS_JWT_SECRET": platform.secret,
        "KAFKA_BOOTSTRAP_SERVERS": platform.kafka,
        "COLUMNS": "200",
        **{f"{name.upper()}_DATABASE_URL": url for name, url in databases.items()},
    }
    return subprocess.run(
        [sys.executable, "-m", "trellis_deploy.cli", "demo"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_demo_seeds_a_fresh_organisation_that_consumers_and_the_web_app_see(
    platform: RunningPlatform, platform_databases: dict[str, str]
) -> None:
    organisations = []
    for _ in range(2):
        demo = run_demo(platform, platform_databases)
        assert demo.returncode == 0, f"{demo.stdout}\n{demo.stderr}"
        organisation = re.search(r"Seeding organisation (org-demo-\w+)", demo.stdout)
        assert organisation, demo.stdout
        organisations.append(organisation.group(1))
        seen = re.search(
            r"What a downstream consumer saw on trellis\.goals\.events\.v1 \((\d+) of (\d+) events\):",
            demo.stdout,
        )
        assert seen and seen.group(1) == seen.group(2) and int(seen.group(1)) >= 30, demo.stdout
        for event in (
            "CareerTrackDefined",
            "VisionDefined",
            "GoalAgreed",
            "CheckInRecorded",
            "MilestoneReached",
            "GoalChangesRequested",
        ):
            assert re.search(rf"{event}\s+[│|]?\s*\d+", demo.stdout), f"{event} missing:\n{demo.stdout}"
        assert re.search(r"reached milestone ms-course\S* of \S+ on \d{4}-\d\d-\d\d", demo.stdout), demo.stdout
        for topic, events in (
            ("feedback", ("FeedbackRequested", "FeedbackGiven", "AnonymousFeedbackSubmitted",
                          "FeedbackRequestClosed", "ConversationHeld")),
            ("recognition", ("PolicyPublished", "RewardGranted", "RecognitionAwarded", "PeerRecognitionGiven",
                             "CompensationAdjustmentProposed", "CompensationAdjustmentApproved")),
        ):  # fmt: skip
            seen = re.search(rf"saw on trellis\.{topic}\.events\.v1 \((\d+) of (\d+) events\):", demo.stdout)
            assert seen and seen.group(1) == seen.group(2), demo.stdout
            for event in events:
                assert re.search(rf"{event}\s+[│|]?\s*\d+", demo.stdout), f"{event} missing:\n{demo.stdout}"
        assert re.search(
            r"anonymous upward request for omar-\w+ closed: 3 answered, results released", demo.stdout
        )
        assert re.search(r"pay change for ana-\w+ of 1200\.00 EUR \(annual\) approved by hana-", demo.stdout)
        assert "marks it missed once that day has passed" in demo.stdout
        assert platform.web_url in demo.stdout
    assert organisations[0] != organisations[1], "each run seeds its own organisation"

    organisation = organisations[-1]
    suffix = organisation.removeprefix("org-demo-")
    hr = mint_token(platform.secret, f"hana-{suffix}", roles=["hr_admin"], organisation_id=organisation)
    goals = httpx.get(
        f"{platform.api_urls['goals']}/organisation/goals", headers={"Authorization": f"Bearer {hr}"}
    ).json()["goals"]
    assert sorted(g["status"] for g in goals) == [
        "active",
        "active",
        "active",
        "changes_requested",
        "proposed",
    ]

    with httpx.Client(base_url=platform.web_url) as web:
        form_token = re.search(r'name="form_token" value="([^"]+)"', web.get("/signin").text)
        assert form_token
        signed_in = web.post(
            "/signin/local",
            data={
                "form_token": form_token.group(1),
                "person_id": f"ana-{suffix}",
                "organisation_id": organisation,
            },
            follow_redirects=True,
        )
        assert signed_in.status_code == 200
        assert "Master Photoshop" in signed_in.text and "Become the design lead" in signed_in.text

    def signed_in_as(web: httpx.Client, person: str, *, hr_admin: bool = False) -> httpx.Response:
        form_token = re.search(r'name="form_token" value="([^"]+)"', web.get("/signin").text)
        assert form_token
        form = {
            "form_token": form_token.group(1),
            "person_id": f"{person}-{suffix}",
            "organisation_id": organisation,
        }
        return web.post(
            "/signin/local", data=form | ({"hr_admin": "true"} if hr_admin else {}), follow_redirects=True
        )

    with httpx.Client(base_url=platform.web_url) as web:
        cara = html.unescape(signed_in_as(web, "cara").text)
        assert "Cara's discovery calls are a model for the whole team." in cara
        assert "Three praises from colleagues this quarter." in cara
    with httpx.Client(base_url=platform.web_url) as web:
        signed_in_as(web, "omar")
        team = html.unescape(web.get(f"/managers/omar-{suffix}/team").text)
        assert "The pipeline review that slipped, and the playbook" not in team, "held: no longer due"
        assert "The quarter: productivity goal and the 360" in team
        assert "Tell us sooner when priorities change." in team, "anonymous upward feedback, released"
    with httpx.Client(base_url=platform.web_url) as web:
        signed_in_as(web, "hana", hr_admin=True)
        rewards = web.get("/organisation/rewards").text
        assert "Growth rewards" in rewards and "Nothing waits for a decision." in rewards

    with httpx.Client(base_url=platform.web_url) as web:
        form_token = re.search(r'name="form_token" value="([^"]+)"', web.get("/signin").text)
        assert form_token
        dev = web.post(
            "/signin/local",
            data={
                "form_token": form_token.group(1),
                "person_id": f"dev-{suffix}",
                "organisation_id": organisation,
            },
            follow_redirects=True,
        )
        assert "Proposals waiting for you" in dev.text
        assert "Agree to “Move from marketing to sales by June”" in dev.text
