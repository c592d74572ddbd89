"""The feedback journey, after the seed texts: once the feedback service has learnt the teams
and goals from the goals topic, Ana asks for feedback on her goal and gets it; Omar runs a 360
on Cara (peers and a mentor, praise from a colleague on top) and asks his team for anonymous
upward feedback on his coaching, which is released once all three answered; Omar and Cara talk
about her slipping pipeline review on a fortnightly cadence and agree an action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from trellis_deploy.demo.context import DemoContext
from trellis_deploy.demo.goals_journey import goal_id
from trellis_deploy.demo.journeys import Step
from trellis_deploy.demo.organisation import MANAGER_OF_TEAM, PEOPLE

REPORTS = {p.person_id: MANAGER_OF_TEAM[p.team] for p in PEOPLE if p.role == "employee" and p.team}


def request_id(context: DemoContext, short: str) -> str:
    return f"{short}-{context.organisation_id}"


class FeedbackJourney:
    name = "feedback"
    service = "feedback"

    def steps(self, context: DemoContext) -> list[Step]:
        return [
            Step("The feedback service learns the teams and goals from the goals topic", self._facts_known),
            Step("Ana asks Ben and Maya for feedback on “Master Photoshop”", self._ana_asks),
            Step("Ben answers Ana: praise", lambda c: self._answer(c, "ben", "ana-photoshop", "praise", "The campaign visuals you drafted alone were sharp and on brand.")),
            Step("Maya answers Ana: constructive, shared with her manager", lambda c: self._answer(c, "maya", "ana-photoshop", "constructive", "Ask for critique earlier: show drafts at half-way.", "recipient_and_manager")),
            Step("Omar starts a 360 on Cara: two peers and a mentor", self._cara_360),
            Step("Dev answers Cara's 360: praise", lambda c: self._answer(c, "dev", "cara-360", "praise", "Cara's discovery calls are a model for the whole team.")),
            Step("Eli answers Cara's 360: praise", lambda c: self._answer(c, "eli", "cara-360", "praise", "Cara shares her pipeline tricks generously.")),
            Step("Maya answers Cara's 360 as her mentor: constructive", lambda c: self._answer(c, "maya", "cara-360", "constructive", "Block time for pipeline reviews before they slip.")),
            Step("Ana praises Cara unasked", self._ana_praises_cara),
            Step("Omar asks his team for anonymous upward feedback", self._omar_upward),
            *[
                Step(
                    f"{context.people[key].name.split(',')[0]} answers Omar anonymously",
                    partial(self._answer, who=key, short="omar-upward", kind=None, text=text),
                )
                for key, text in (
                    ("cara", "Our one-to-ones help most when you ask before you advise."),
                    ("dev", "Thank you for backing my move into sales."),
                    ("eli", "Tell us sooner when priorities change."),
                )
            ],
            Step("Omar and Cara agree to talk every two weeks", self._cadence),
            Step("Omar schedules a check-in with Cara about her pipeline review", self._schedule),
            Step("Omar and Cara hold the check-in and agree an action", self._hold),
        ]  # fmt: skip

    def where_to_look(self, context: DemoContext, web_url: str) -> list[str]:
        return [
            f"  {context.id_of('cara')}  feedback from her 360 and the praise that earned team recognition",
            f"  {context.id_of('omar')}  “My team”: conversations due, and the anonymous upward feedback released",
        ]

    # --- the steps ---------------------------------------------------------------------------------

    def _facts_known(self, c: DemoContext) -> None:
        for employee, manager in REPORTS.items():

            def reports(employee: str = employee, manager: str = manager) -> bool:
                path = f"/employees/{c.id_of(employee)}/cadence"
                known = c.get_or_none("feedback", "hana", path) or {}
                return bool(known.get("manager_id") == c.id_of(manager))

            c.wait_for(f"the feedback service knows that {employee} reports to {manager}", reports)
        for owner, short in (("ana", "photoshop"), ("cara", "productivity")):
            path = f"/goals/{goal_id(c, short)}/feedback-counts"
            c.wait_for(
                f"the feedback service knows the goal {short}",
                partial(c.get_or_none, "feedback", owner, path),
            )

    def _request(
        self, c: DemoContext, as_person: str, short: str, recipient: str, givers: dict[str, str], **extra: Any
    ) -> None:
        body = {
            "request_id": request_id(c, short),
            "recipient_id": c.id_of(recipient),
            "givers": [{"giver_id": c.id_of(g), "relationship": r} for g, r in givers.items()],
            "due_on": c.day(7),
            **extra,
        }
        c.post("feedback", as_person, "/feedback-requests", body)

    def _ana_asks(self, c: DemoContext) -> None:
        self._request(
            c, "ana", "ana-photoshop", "ana", {"ben": "peer", "maya": "manager"},
            goal_id=goal_id(c, "photoshop"), prompts=["How do my campaign visuals land?"],
        )  # fmt: skip

    def _cara_360(self, c: DemoContext) -> None:
        self._request(
            c, "omar", "cara-360", "cara", {"dev": "peer", "eli": "peer", "maya": "mentor"},
            goal_id=goal_id(c, "productivity"),
            prompts=["What should Cara keep doing?", "What would make her more effective?"],
        )  # fmt: skip

    def _omar_upward(self, c: DemoContext) -> None:
        self._request(
            c, "omar", "omar-upward", "omar", {"cara": "direct_report", "dev": "direct_report", "eli": "direct_report"},
            kind="upward", anonymous=True, prompts=["How does Omar's coaching help you grow?"],
        )  # fmt: skip

    def _answer(
        self,
        c: DemoContext,
        who: str,
        short: str,
        kind: str | None,
        text: str,
        visibility: str = "recipient_only",
    ) -> None:
        body = {"content": text, "kind": kind, "visibility": visibility}
        c.post("feedback", who, f"/feedback-requests/{request_id(c, short)}/answers", body)

    def _ana_praises_cara(self, c: DemoContext) -> None:
        body = {
            "recipient_id": c.id_of("cara"),
            "relationship": "peer",
            "kind": "praise",
            "content": "Your customer stories made our campaign real.",
        }
        c.post("feedback", "ana", "/feedback", body)

    def _cadence(self, c: DemoContext) -> None:
        c.post("feedback", "omar", f"/employees/{c.id_of('cara')}/cadence", {"every_days": 14})

    def _schedule(self, c: DemoContext) -> None:
        body = {
            "conversation_id": request_id(c, "cara-check-in"),
            "employee_id": c.id_of("cara"),
            "kind": "check_in",
            "scheduled_for": (datetime.now(UTC) + timedelta(minutes=5)).isoformat(),
            "goal_ids": [goal_id(c, "productivity")],
            "agenda": "The pipeline review that slipped, and the playbook",
        }
        c.post("feedback", "omar", "/conversations", body)
        later = {
            **body,
            "conversation_id": request_id(c, "cara-quarterly"),
            "kind": "quarterly_review",
            "scheduled_for": (datetime.now(UTC) + timedelta(days=14)).isoformat(),
            "agenda": "The quarter: productivity goal and the 360",
        }
        c.post("feedback", "omar", "/conversations", later)

    def _hold(self, c: DemoContext) -> None:
        body = {
            "progress_summary": "Two deals closed late, so the pipeline review slipped; the playbook is started.",
            "goal_ids": [goal_id(c, "productivity")],
            "milestone_ids": ["ms-review"],
            "agreed_actions": [
                {
                    "action_id": "review-friday",
                    "owner_id": c.id_of("cara"),
                    "due_on": c.day(3),
                    "description": "Walk Omar through the pipeline on Friday",
                    "milestone_id": "ms-review",
                }
            ],
        }
        c.post("feedback", "omar", f"/conversations/{request_id(c, 'cara-check-in')}/held", body)
