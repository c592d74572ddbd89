"""The web app in a real browser (Debian's headless chromium, driven by Playwright) on a running
platform: HR sets reporting lines, an employee proposes a goal and sees it pending, the manager
agrees it and records a check-in, the employee sees the progress bar move and reaches a
milestone, an employee cannot see another employee's page, by URL or through the API, and an HR
admin approves the pay change a published reward policy proposed for that milestone. A
screenshot of each page is kept in test-artefacts/screenshots."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

from tests.platform.running import RunningPlatform
from tests.platform.seeding import PAY_CHANGE, Organisation, growth_policy
from trellis_kernel.identity import mint_token

pytestmark = pytest.mark.infra

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
GOAL = "Master Photoshop"
COURSE = "Finish the online course"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    assert Path(CHROMIUM).exists(), (
        f"{CHROMIUM} is missing: `make test` installs Debian's chromium (tools/browser)"
    )
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path / "chromium-profile",  # a fresh user-data-dir
            executable_path=CHROMIUM,
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()


class Person:
    def __init__(self, page: Page, web: str, screenshots: Path) -> None:
        self.page = page
        self.web = web
        self.screenshots = screenshots

    def sign_in(self, person_id: str, organisation: str, *, hr_admin: bool = False) -> None:
        self.page.goto(f"{self.web}/signin")
        if self.page.get_by_role("button", name="Sign out").count():
            self.page.get_by_role("button", name="Sign out").click()
        self.page.get_by_label("Your id").fill(person_id)
        self.page.get_by_label("Organisation").fill(organisation)
        if hr_admin:
            self.page.get_by_label("I am an HR admin").check()
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_text(f"Signed in as {person_id}")).to_be_visible()

    def shot(self, name: str) -> None:
        self.page.screenshot(path=self.screenshots / f"{name}.png", full_page=True)


def test_people_grow_goals_together_in_the_web_app(
    platform: RunningPlatform, browser: BrowserContext, screenshots: Path
) -> None:
    organisation = f"org_{uuid.uuid4().hex[:8]}"
    employee, colleague, manager, hr = "emp_ana", "emp_ben", "mgr_cleo", "hr_dan"
    today = datetime.now(UTC).date()
    hosts: set[str] = set()
    browser.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or request.url))
    person = Person(browser.new_page(), platform.web_url, screenshots)
    with httpx.Client(timeout=30) as http:
        api = Organisation(platform, organisation, frozenset({hr}), http)
        api.publish_policy(hr, growth_policy("pay-for-growth", today.isoformat()))

    # HR sets the reporting lines from the organisation page.
    person.sign_in(hr, organisation, hr_admin=True)
    person.page.get_by_role("link", name="Organisation").click()
    for who in (employee, colleague):
        person.page.get_by_label("Employee id").fill(who)
        person.page.get_by_label("Manager id (empty for none)").fill(manager)
        person.page.get_by_role("button", name="Set manager").click()
        expect(person.page.get_by_role("status")).to_contain_text(f"{who} now reports to {manager}")
    person.shot("01-hr-organisation")

    # The employee proposes a goal and sees it pending.
    person.sign_in(employee, organisation)
    page = person.page
    expect(page.get_by_role("heading", name="My growth")).to_be_visible()
    page.get_by_label("Where do you want to be in a few years?").fill("Lead the design of our campaigns")
    page.get_by_label("Your values (separate with commas)").fill("craft, candour")
    page.get_by_role("button", name="Save vision and values").click()
    expect(page.get_by_role("status")).to_contain_text("Vision and values recorded")
    expect(page.get_by_text("Lead the design of our campaigns").first).to_be_visible()
    expect(page.get_by_text("craft, candour").first).to_be_visible()
    page.get_by_label("Title").fill(GOAL)
    page.get_by_label("What success looks like").fill("Produce campaign visuals without design help")
    page.get_by_label("Due date", exact=True).fill((today + timedelta(days=60)).isoformat())
    page.get_by_label("Milestone 1", exact=True).fill(COURSE)
    page.get_by_label("Milestone 1 due").fill((today + timedelta(days=20)).isoformat())
    page.get_by_label("Milestone 2", exact=True).fill("First campaign visual")
    page.get_by_label("Milestone 2 due").fill((today + timedelta(days=45)).isoformat())
    page.get_by_role("button", name="Propose goal").click()
    expect(page.get_by_role("status")).to_contain_text(f"Goal “{GOAL}” proposed")
    goal_card = page.locator(".goal", has_text=GOAL)
    expect(goal_card.get_by_text("Pending agreement")).to_be_visible()
    expect(goal_card.get_by_label(f"Milestone {COURSE}")).to_have_attribute("value", "0")
    person.shot("02-employee-goal-pending")

    # The manager agrees to it from the team page and records a check-in on the goal's page.
    person.sign_in(manager, organisation)
    page.get_by_role("link", name="My team").click()
    expect(page.get_by_role("heading", name="Proposals awaiting your agreement")).to_be_visible()
    person.shot("03-manager-team-awaiting")
    page.get_by_role("button", name=f"Agree to “{GOAL}”").click()
    expect(page.get_by_role("status")).to_contain_text("Goal agreed")
    expect(page.get_by_text("Nothing waits for you.")).to_be_visible()
    page.get_by_role("link", name=employee).first.click()
    page.get_by_role("link", name=GOAL).first.click()
    page.get_by_label("What progress have you made toward your milestones since we last spoke?").fill(
        "The course is well under way"
    )
    page.get_by_label(f"Progress on “{COURSE}” (%)").fill("60")
    page.get_by_role("button", name="Record check-in").click()
    expect(page.get_by_role("status")).to_contain_text("Check-in recorded")
    expect(page.get_by_label(f"Milestone {COURSE}")).to_have_attribute("value", "60")
    person.shot("04-manager-goal-check-in")
    page.get_by_role("link", name="My team").click()
    expect(page.get_by_label(f"{employee} average progress")).to_have_attribute("value", "30")
    expect(page.locator("#team-progress .main-svg").first).to_be_attached()
    person.shot("05-manager-team-progress")

    # The employee sees the progress bar move, and steps through the goal's history.
    person.sign_in(employee, organisation)
    goal_card = page.locator(".goal", has_text=GOAL)
    expect(goal_card.get_by_text("Active")).to_be_visible()
    expect(goal_card.get_by_label(f"Milestone {COURSE}")).to_have_attribute("value", "60")
    expect(goal_card.get_by_label(f"Goal {GOAL} complete")).to_have_attribute("value", "30")
    expect(page.locator("#progress-over-time .main-svg").first).to_be_attached()
    page.get_by_text("Show the numbers as a table").click()
    expect(page.get_by_role("table", name="Progress over time")).to_contain_text("30%")
    person.shot("06-employee-progress-moved")
    goal_card.get_by_role("link", name=GOAL).click()
    page.locator(".timeline a").first.click()
    expect(page.get_by_role("heading", name="Step 1 of")).to_contain_text("proposal 1 by the employee")
    expect(page.locator(".step").get_by_text("Pending agreement")).to_be_visible()
    page.get_by_role("link", name="Next step →").click()
    expect(page.get_by_role("heading", name="Step 2 of")).to_contain_text("agreed")
    expect(page.locator(".step").get_by_text("Pending agreement")).to_be_visible()  # created is the next step
    page.get_by_role("link", name="Next step →").click()
    expect(page.get_by_role("heading", name="Step 3 of")).to_contain_text("goal active")
    expect(page.locator(".step").get_by_text("Active", exact=True)).to_be_visible()
    person.shot("07-employee-goal-timeline")
    page.get_by_role("link", name="Back to now").click()
    page.get_by_role("button", name=f"Mark “{COURSE}” reached").click()
    expect(page.get_by_role("status")).to_contain_text("Milestone reached")

    # On a phone-sized screen nothing runs off the side, and the page is usable by keyboard.
    phone = browser.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{platform.web_url}/people/{employee}")
    expect(phone.get_by_role("heading", name="My growth")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent") == "Skip to content"
    phone.screenshot(path=screenshots / "08-employee-on-a-phone.png", full_page=True)
    phone.close()

    assert hosts == {"127.0.0.1"}, f"every script, style and plot is served by the platform itself: {hosts}"

    # Another employee's page is refused, by URL and through the API.
    response = page.goto(f"{platform.web_url}/people/{colleague}")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="You may not see this page")).to_be_visible()
    person.shot("09-employee-refused-a-colleagues-page")
    token = mint_token(platform.secret, employee, organisation_id=organisation)
    goals = platform.api_urls["goals"]
    refused = httpx.get(
        f"{goals}/employees/{colleague}/progress", headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 403, refused.text
    assert (
        httpx.get(
            f"{goals}/employees/{employee}/progress", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 200
    )

    # The policy proposed a pay change for the milestone reached; an HR admin approves it.
    with httpx.Client(timeout=30) as http:
        api = Organisation(platform, organisation, frozenset({hr}), http)
        proposed = api.pay_change_awaiting_hr(hr, employee)
    person.sign_in(hr, organisation, hr_admin=True)
    page.get_by_role("link", name="Rewards").click()
    expect(
        page.get_by_role("heading", name="Compensation proposals and held rewards to approve")
    ).to_be_visible()
    proposal = page.locator(".approval", has_text=f"Pay change for {employee}")
    expect(proposal.get_by_role("heading")).to_contain_text(f"{PAY_CHANGE} EUR")
    expect(page.get_by_role("heading", name="Pay for growth (pay-for-growth, version 1)")).to_be_visible()
    person.shot("10-hr-rewards-awaiting-approval")
    page.get_by_role("button", name="Backtest “Pay for growth”").click()
    expect(page.get_by_role("heading", name="Backtest of “Pay for growth” (version 1)")).to_be_visible()
    expect(page.locator("#backtest")).to_contain_text("1 outcome it would have granted")
    expect(page.locator("#backtest-outcomes .main-svg").first).to_be_attached()
    person.shot("11-hr-policy-backtest")
    phone = browser.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{platform.web_url}/organisation/rewards")
    expect(phone.get_by_role("button", name=f"Approve the pay change for {employee}")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=screenshots / "12-hr-rewards-on-a-phone.png", full_page=True)
    phone.close()
    page.get_by_role("button", name=f"Approve the pay change for {employee}").click()
    expect(page.get_by_role("status")).to_contain_text(f"The pay change for {employee} was approved")
    expect(page.get_by_text("Nothing waits for a decision.")).to_be_visible()
    person.shot("13-hr-pay-change-approved")
    token = mint_token(platform.secret, hr, roles=["hr_admin"], organisation_id=organisation)
    triggers = httpx.get(
        f"{platform.api_urls['recognition']}/reward-triggers",
        params={"employee_id": employee},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    decided = {t["outcome_id"]: (t["approval_state"], t["decided_by"]) for t in triggers}
    assert decided[proposed["subject_id"]] == ("approved", hr)
