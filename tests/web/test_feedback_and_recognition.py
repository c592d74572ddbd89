"""The web app's feedback and recognition pages on a running platform (`trellis run`, real
Kafka and PostgreSQL): what each person sees comes from the services' public APIs with their
own token, and what they do on a page (answer a request, approve or reject a pay change) is
recorded by the service, once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.platform.running import RunningPlatform
from tests.platform.seeding import PAY_CHANGE, Organisation, growth_policy
from tests.web.browsing import Browser, hidden_value, text_of

pytestmark = pytest.mark.infra

HR, MANAGER, ANA, BEN = "hr_hana", "mgr_maya", "emp_ana", "emp_ben"


@pytest.fixture
def organisation(platform: RunningPlatform) -> Iterator[Organisation]:
    with httpx.Client(timeout=30) as http:
        organisation = Organisation.fresh(platform, http, {HR})
        for employee in (ANA, BEN):
            organisation.reports_to(HR, employee, MANAGER)
        yield organisation


@pytest.fixture
def browser(platform: RunningPlatform) -> Iterator[Browser]:
    browser = Browser(platform.web_url)
    yield browser
    browser.close()


def test_people_see_the_feedback_meant_for_them_and_answer_requests_from_their_page(
    organisation: Organisation, browser: Browser
) -> None:
    org = organisation.organisation_id
    request_id = f"req_{uuid.uuid4().hex[:10]}"
    organisation.post(
        "feedback", ANA, "/feedback-requests",
        {
            "request_id": request_id, "recipient_id": ANA, "givers": [{"giver_id": BEN, "relationship": "peer"}],
            "due_on": organisation.day(7), "prompts": ["What should I keep doing in critiques?"],
        },
    )  # fmt: skip
    organisation.post(
        "feedback", BEN, "/feedback",
        {
            "recipient_id": ANA, "relationship": "peer", "kind": "praise",
            "content": "Your campaign visuals made the launch.", "visibility": "recipient_and_manager",
        },
    )  # fmt: skip
    organisation.post(
        "feedback", ANA, "/feedback",
        {
            "recipient_id": MANAGER, "relationship": "direct_report", "kind": "upward",
            "content": "Our one-to-ones help me most when you ask before you advise.",
        },
    )  # fmt: skip
    organisation.post(
        "feedback", MANAGER, "/conversations",
        {
            "employee_id": ANA, "kind": "quarterly_review",
            "scheduled_for": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
            "agenda": "The photoshop goal and the next quarter",
        },
    )  # fmt: skip

    # Ben finds the request on his page and answers it there; sending the form twice records one answer.
    browser.sign_in(BEN, org)
    page = browser.page(f"/people/{BEN}")
    requests = text_of(page)
    assert "Feedback requests to answer" in requests
    assert f"Feedback for {ANA}" in requests and f"Asked by {ANA}" in requests
    assert "What should I keep doing in critiques?" in requests
    assert f'action="/feedback-requests/{request_id}/answers"' in page
    assert f'<label for="answer-1">Your feedback for {ANA}</label>' in page
    answer = {
        "feedback_id": hidden_value(page, "feedback_id"),
        "content": "Keep asking the quiet people first.",
        "kind": "constructive",
        "visibility": "recipient_only",
        "next": f"/people/{BEN}#feedback-requests",
    }
    answered = text_of(browser.send(f"/feedback-requests/{request_id}/answers", **answer))
    assert "Done: Thank you: your feedback was sent." in answered
    assert "No one is waiting for your feedback." in answered
    assert "Done: Thank you" in text_of(browser.send(f"/feedback-requests/{request_id}/answers", **answer))
    empty = text_of(browser.send(f"/feedback-requests/{request_id}/answers", **{**answer, "content": " "}))
    assert "Problem:" in empty, "an empty answer is refused with the service's reason"

    # Ana reads both on her page, each once, with who gave it.
    browser.sign_in(ANA, org)
    received = text_of(browser.page(f"/people/{ANA}"))
    assert "Feedback received" in received
    assert received.count("Keep asking the quiet people first.") == 1
    assert f"From {BEN} (a peer)" in received and "Your campaign visuals made the launch." in received
    assert "No one is waiting for your feedback." in received

    # Her manager reads only what was shared with him, and his conversations due on the team page.
    browser.sign_in(MANAGER, org)
    shared = text_of(browser.page(f"/people/{ANA}"))
    assert "Your campaign visuals made the launch." in shared
    assert "Keep asking the quiet people first." not in shared, "given for Ana only"
    assert "Feedback requests to answer" not in shared, "requests are answered on one's own page"
    team = text_of(browser.page(f"/managers/{MANAGER}/team"))
    assert "No conversation is due" not in team, "the scheduled review is due"
    assert "every 14 days" not in team
    too_often = text_of(browser.send(f"/managers/{MANAGER}/cadences", employee_id=ANA, every_days="3"))
    assert "Problem:" in too_often and "every 3 days" not in too_often
    team = text_of(browser.send(f"/managers/{MANAGER}/cadences", employee_id=ANA, every_days="14"))
    assert f"Done: You and {ANA} now talk every 14 days." in team
    assert f"A quarterly review with {ANA}, scheduled for {organisation.day(2)}" in team
    assert "The photoshop goal and the next quarter" in team
    assert f"The next conversation every 14 days with {ANA}, due {organisation.day(14)}" in team
    assert "Upward feedback on your coaching" in team
    assert "ask before you advise" in team
    assert "Arrives with the feedback service" not in team

    # A colleague sees neither Ana's feedback page nor the manager's team.
    browser.sign_in(BEN, org)
    browser.page(f"/people/{ANA}", status=403)
    browser.page(f"/managers/{MANAGER}/team", status=403)


def test_hr_backtests_a_policy_and_decides_on_pay_changes_from_the_rewards_page(
    organisation: Organisation, browser: Browser
) -> None:
    org = organisation.organisation_id
    policy_id = f"pay-{uuid.uuid4().hex[:6]}"
    organisation.publish_policy(HR, growth_policy(policy_id, organisation.day(0)))
    organisation.post(
        "recognition", BEN, "/recognitions",
        {"recipient_id": ANA, "visibility": "public", "message": "Thanks for the crisp launch visuals"},
    )  # fmt: skip
    goal_id = organisation.agreed_goal(
        ANA, MANAGER, "Master Photoshop", {"ms_course": "Finish the course", "ms_visual": "Ship a visual"}
    )
    organisation.reach(ANA, goal_id, "ms_course")
    first = organisation.pay_change_awaiting_hr(HR, ANA)

    # Ana sees her recognition; the rewards page is HR's.
    browser.sign_in(ANA, org)
    mine = text_of(browser.page(f"/people/{ANA}"))
    assert "Recognition" in mine and f"from {BEN}" in mine
    assert "Thanks for the crisp launch visuals" in mine
    assert "Arrives with the recognition service" not in mine
    browser.page("/organisation/rewards", status=403)

    browser.sign_in(HR, org, hr_admin=True)
    rewards = text_of(browser.page("/organisation/rewards"))
    assert f"Pay change for {ANA}: {PAY_CHANGE} EUR" in rewards
    assert f"Pay for growth ({policy_id}, version 1)" in rewards and "Grants: Pay change." in rewards

    backtest = text_of(
        browser.page(
            f"/organisation/rewards?backtest={policy_id}&from={organisation.day(-1)}&to={organisation.day(1)}"
        )
    )
    assert "Backtest of “Pay for growth” (version 1)" in backtest
    assert "1 triggering event considered, 1 outcome it would have granted. Nothing was recorded." in backtest
    assert f"{MANAGER} Pay change 1 {PAY_CHANGE} EUR" in backtest
    assert len(organisation.get("recognition", HR, "/approvals")) == 1, "a backtest records nothing"

    approved = text_of(
        browser.send(f"/organisation/approvals/compensation/{first['subject_id']}/approve", employee_id=ANA)
    )
    assert f"Done: The pay change for {ANA} was approved: it is final now." in approved
    assert "Nothing waits for a decision." in approved

    organisation.reach(ANA, goal_id, "ms_visual")
    second = organisation.pay_change_awaiting_hr(HR, ANA)
    assert second["subject_id"] != first["subject_id"]
    rejected = text_of(
        browser.send(
            f"/organisation/approvals/compensation/{second['subject_id']}/reject",
            employee_id=ANA,
            reason="Next review cycle",
        )
    )
    assert f"Done: The pay change for {ANA} was rejected." in rejected

    decided = {
        row["outcome_id"]: (row["approval_state"], row["decided_by"])
        for row in organisation.get("recognition", HR, f"/reward-triggers?employee_id={ANA}")
    }
    assert decided[first["subject_id"]] == ("approved", HR)
    assert decided[second["subject_id"]] == ("rejected", HR)
    again = text_of(
        browser.send(f"/organisation/approvals/compensation/{second['subject_id']}/approve", employee_id=ANA)
    )
    assert "Problem:" in again, "a decided pay change cannot be decided again"
