"""The recognition journey, in two parts around the others. Before them HR publishes the
organisation's reward policy and the teams' budgets, so that the policy decides on what
happens next. After them: a colleague recognises Ana; the recognition service has, from the
goals and feedback topics, rewarded the milestones reached (a spot award and a proposed pay
change for Ana's technical milestone, public recognition and an initiative to lead for Ben's
leadership milestone) and Cara's third praise of the quarter; HR approves Ana's pay change."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from trellis_deploy.demo.context import DemoContext
from trellis_deploy.demo.journeys import Step
from trellis_deploy.demo.organisation import LEADERSHIP, MANAGER_OF_TEAM, TECHNICAL

POLICY_ID = "growth-rewards"
PAY_CHANGE = "1200.00"
SPOT_AWARD = "150.00"


def reward_policy(effective_on: str) -> dict[str, Any]:
    return {
        "format": "trellis.reward-policy.v1",
        "policy_id": POLICY_ID,
        "title": "Growth rewards",
        "description": "Milestones reached and praise from colleagues are rewarded; pay changes need HR.",
        "effective_on": effective_on,
        "rules": [
            {
                "id": "technical-milestone",
                "description": "A milestone of a goal on the technical mastery track.",
                "when": {"event": "goals.MilestoneReached", "career_track": [TECHNICAL]},
                "then": [
                    {"bonus": {"kind": "spot_award", "amount": SPOT_AWARD, "currency": "EUR", "pay_after_days": 30}},
                    {
                        "compensation_adjustment": {
                            "kind": "merit_increase",
                            "change": {"amount": PAY_CHANGE, "currency": "EUR"},
                            "pay_period": "annual",
                        }
                    },
                ],
            },
            {
                "id": "leadership-milestone",
                "description": "A milestone of a goal on the people leadership track.",
                "when": {"event": "goals.MilestoneReached", "career_track": [LEADERSHIP]},
                "then": [
                    {"recognition": {"visibility": "public", "kind": "milestone_celebration",
                                     "message": "A leadership milestone reached. Congratulations!"}},
                    {"lead_initiative": {"initiative": "Run the cross-team design critique next quarter"}},
                ],
            },
            {
                "id": "three-praises-a-quarter",
                "when": {"event": "feedback.FeedbackGiven", "where": {"kind": {"equals": "praise"}},
                         "count": {"at_least": 3, "window": "quarter"}},
                "then": [{"recognition": {"visibility": "team", "kind": "acknowledgement",
                                          "message": "Three praises from colleagues this quarter."}}],
            },
        ],
        "peer_recognition": {
            "per_giver": {"at_most": 5, "window": "month"},
            "per_recipient": {"at_most": 2, "window": "week"},
            "visibility": ["public", "team"],
        },
    }  # fmt: skip


def quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


class RewardPolicyJourney:
    """The part before the others: what the policy decides on must happen after it is published."""

    name = "recognition"
    service = "recognition"

    def steps(self, context: DemoContext) -> list[Step]:
        return [
            Step("HR publishes the reward policy “Growth rewards”", self._publish),
            *[
                Step(
                    f"HR gives the {team} team a budget for the quarter",
                    partial(self._budget, manager=manager),
                )
                for team, manager in MANAGER_OF_TEAM.items()
            ],
        ]

    def where_to_look(self, context: DemoContext, web_url: str) -> list[str]:
        return []

    def _publish(self, c: DemoContext) -> None:
        c.post("recognition", "hana", "/policies", reward_policy(c.day(0)))

    def _budget(self, c: DemoContext, manager: str) -> None:
        body = {"amount": {"amount": "1000.00", "currency": "EUR"}}
        c.put("recognition", "hana", f"/teams/{c.id_of(manager)}/budgets/{quarter(c.today)}", body)


class RecognitionJourney:
    """The part after the goals and feedback journeys: what the policy granted, and HR's decision."""

    name = "recognition"
    service = "recognition"

    def steps(self, context: DemoContext) -> list[Step]:
        steps = [
            Step("Ben recognises Ana for her campaign visuals", self._ben_recognises_ana),
            Step("The policy rewards Ana's course milestone: a spot award and a pay change", lambda c: self._outcomes(c, "ana", {"reward", "compensation_adjustment"})),
            Step("The policy celebrates Ben's leadership milestone in public", lambda c: self._outcomes(c, "ben", {"recognition", "lead_initiative"})),
            Step("The policy recognises Cara's three praises this quarter", lambda c: self._outcomes(c, "cara", {"recognition"})),
            Step("HR approves Ana's pay change", self._approve),
        ]  # fmt: skip
        if "feedback" not in context.urls:  # no praise without the feedback service
            del steps[3]
        return steps

    def where_to_look(self, context: DemoContext, web_url: str) -> list[str]:
        return [
            f"  {context.id_of('ana')}  recognition: Ben's thanks, the spot award for her course milestone",
            f"  {context.id_of('hana')}  “Rewards”: the policy (backtest it), Ana's pay change approved",
        ]

    def _ben_recognises_ana(self, c: DemoContext) -> None:
        body = {
            "recognition_id": f"ben-thanks-{c.organisation_id}",
            "recipient_id": c.id_of("ana"),
            "visibility": "public",
            "message": "Thank you for the crisp launch visuals!",
        }
        c.post("recognition", "ben", "/recognitions", body)

    def _outcomes(self, c: DemoContext, key: str, kinds: set[str]) -> None:
        """Waits until the policy's outcomes for ``key`` are recorded; each is one more event on the
        recognition topic (a reward granted within the budget also charges it: one more)."""

        def recorded() -> list[dict[str, Any]] | None:
            rows = c.get("recognition", "hana", f"/reward-triggers?employee_id={c.id_of(key)}")
            return rows if kinds <= {row["outcome_kind"] for row in rows} else None

        rows = c.wait_for(f"the recognition service rewarded {key}", recorded)
        c.events_caused["recognition"] += len(rows) + sum(
            1 for row in rows if row["outcome_kind"] == "reward" and row["approval_state"] == "not_required"
        )

    def _approve(self, c: DemoContext) -> None:
        pending = c.get("recognition", "hana", "/approvals")
        [pay_change] = [
            p
            for p in pending
            if p["kind"] == "compensation_adjustment" and p["employee_id"] == c.id_of("ana")
        ]
        c.post("recognition", "hana", f"/approvals/compensation/{pay_change['subject_id']}/approve", {})
