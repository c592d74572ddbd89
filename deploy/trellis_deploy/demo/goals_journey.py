"""The goals journey, after the seed texts: HR defines two career tracks and the reporting
lines; employees write their vision and values and choose a track; SMART goals are proposed
and agreed (one still waits, one had changes requested); check-ins move milestones; some are
reached, one is behind and due tomorrow (the service marks it missed once its day passes)."""

from __future__ import annotations

from functools import partial
from typing import Any

from trellis_deploy.demo.context import DemoContext
from trellis_deploy.demo.journeys import Step
from trellis_deploy.demo.organisation import LEADERSHIP, MANAGER_OF_TEAM, PEOPLE, TECHNICAL

TRACKS: list[dict[str, Any]] = [
    {
        "track_id": TECHNICAL,
        "name": "Technical mastery",
        "description": "Deepen the craft: become the person others learn from.",
        "competencies": [
            {"competency_id": "craft", "name": "Craft", "description": "Masters the tools of the trade."},
            {"competency_id": "teaching", "name": "Teaching", "description": "Makes others better at it."},
        ],
        "milestone_templates": [
            {
                "template_id": "master-a-tool",
                "title": "Master a core tool of the trade",
                "description": "Produce the team's work with the tool without help.",
                "competency_ids": ["craft"],
                "duration_days": 90,
                "steps": [
                    {"title": "Complete a course", "offset_days": 30},
                    {"title": "Ship real work", "offset_days": 75},
                ],
            }
        ],
    },
    {
        "track_id": LEADERSHIP,
        "name": "People leadership",
        "description": "Grow people and teams: coaching, feedback, running the room.",
        "competencies": [
            {
                "competency_id": "coaching",
                "name": "Coaching",
                "description": "Helps others set and reach goals.",
            },
            {
                "competency_id": "facilitation",
                "name": "Facilitation",
                "description": "Runs meetings that decide.",
            },
        ],
        "milestone_templates": [
            {
                "template_id": "lead-a-ritual",
                "title": "Lead a team ritual",
                "description": "Run the team's weekly critique for a quarter and hand it over well.",
                "competency_ids": ["facilitation"],
                "duration_days": 90,
                "steps": [
                    {"title": "Shadow the current facilitator", "offset_days": 14},
                    {"title": "Run four sessions", "offset_days": 60},
                ],
            }
        ],
    },
]

VISIONS = {
    "ana": (
        "Become the design lead people ask for the hard visuals",
        ["visual storytelling"],
        ["collaboration"],
    ),
    "ben": ("Lead a design team that critiques kindly and ships often", ["coaching"], ["candour", "care"]),
    "cara": ("Be the most trusted account executive in the region", ["negotiation"], ["integrity"]),
    "dev": ("Move from marketing into sales and lead a sales team one day", ["customers"], ["curiosity"]),
    "eli": ("Open new markets for the company", ["prospecting"], ["grit"]),
}


def _milestone(context: DemoContext, key: str, milestone_id: str, title: str, days: int) -> dict[str, Any]:
    return {
        "milestone_id": milestone_id,
        "title": title,
        "owner_id": context.id_of(key),
        "due_date": context.day(days),
    }


def _goal(
    context: DemoContext, key: str, short: str, title: str, description: str, days: int, **extra: Any
) -> dict[str, Any]:
    return {
        "goal_id": goal_id(context, short),
        "employee_id": context.id_of(key),
        "title": title,
        "description": description,
        "due_date": context.day(days),
        **extra,
    }


def goal_id(context: DemoContext, short: str) -> str:
    return f"{short}-{context.organisation_id}"


class GoalsJourney:
    name = "goals"
    service = "goals"

    def steps(self, context: DemoContext) -> list[Step]:
        steps = [
            Step(f"HR defines the career track “{track['name']}”", partial(self._define_track, track=track))
            for track in TRACKS
        ]
        for person in PEOPLE:
            if person.role == "employee" and person.team:
                manager = MANAGER_OF_TEAM[person.team]
                steps.append(
                    Step(
                        f"HR: {person.name} reports to {context.people[manager].name}",
                        partial(self._set_manager, employee=person.person_id, manager=manager),
                    )
                )
        for key in VISIONS:
            name = context.people[key].name
            steps.append(Step(f"{name} writes a vision and values", partial(self._vision, key=key)))
            steps.append(Step(f"{name} chooses a career track", partial(self._choose_track, key=key)))
        steps += [
            Step("Ana proposes “Master Photoshop”", self._ana_proposes),
            Step("Maya agrees to Ana's goal", lambda c: self._agree(c, "maya", "photoshop")),
            Step("Ben starts “Lead a team ritual” from his track's template", self._ben_from_template),
            Step("Maya agrees to Ben's goal", lambda c: self._agree(c, "maya", "ritual")),
            Step("Ben plans mentoring with Maya", self._ben_mentoring),
            Step("Cara proposes “Increase productivity by 20% in three months”", self._cara_proposes),
            Step("Omar agrees to Cara's goal", lambda c: self._agree(c, "omar", "productivity")),
            Step("Omar proposes to Dev “Move from marketing to sales by June”", self._omar_proposes_to_dev),
            Step("Eli proposes a goal; Omar asks for changes", self._eli_changes_requested),
            Step("Check-in: Ana is halfway through the course", lambda c: self._check_in(c, "maya", "photoshop", {"ms-course": 50}, "Halfway through the course")),
            Step("Ana reaches her course milestone", lambda c: self._reach(c, "ana", "photoshop", "ms-course")),
            Step("Check-in: Ana's first visual is under way", lambda c: self._check_in(c, "ana", "photoshop", {"ms-visual": 40}, "Drafted the first campaign visual")),
            Step("Check-in: Ben shadowed the critique", lambda c: self._check_in(c, "maya", "ritual", {"ms_1": 100}, "Shadowed two critiques")),
            Step("Ben reaches his shadowing milestone", lambda c: self._reach(c, "ben", "ritual", "ms_1")),
            Step("Check-in: Cara's pipeline review is behind (due tomorrow)", lambda c: self._check_in(c, "omar", "productivity", {"ms-review": 10}, "Pipeline review slipped: two deals closed late")),
        ]  # fmt: skip
        return steps

    def where_to_look(self, context: DemoContext, web_url: str) -> list[str]:
        org = context.organisation_id
        return [
            f"Open {web_url} and sign in (organisation {org}) as:",
            f"  {context.id_of('ana')}  an employee: vision, goals with milestone bars, due items, progress over time",
            f"  {context.id_of('maya')}  a manager: the design team at a glance, team progress",
            f"  {context.id_of('omar')}  a manager: Eli's goal needs changes; Cara's pipeline review is behind,"
            f" due {context.day(1)}: the goals service marks it missed once that day has passed",
            f"  {context.id_of('dev')}  an employee with a proposal from his manager to agree to",
            f"  {context.id_of('hana')}  tick “I am an HR admin”: career tracks and the organisation's goals",
        ]

    # --- the steps ---------------------------------------------------------------------------------

    def _define_track(self, c: DemoContext, track: dict[str, Any]) -> None:
        c.post("goals", "hana", "/career-tracks", track)

    def _set_manager(self, c: DemoContext, employee: str, manager: str) -> None:
        c.post("goals", "hana", f"/employees/{c.id_of(employee)}/manager", {"manager_id": c.id_of(manager)})

    def _vision(self, c: DemoContext, key: str) -> None:
        aspiration, strengths, values = VISIONS[key]
        body = {
            "long_term_aspirations": aspiration,
            "strengths": strengths,
            "values": values,
            "passions": ["learning"],
        }
        c.post("goals", key, f"/employees/{c.id_of(key)}/vision", body)

    def _choose_track(self, c: DemoContext, key: str) -> None:
        c.post("goals", key, f"/employees/{c.id_of(key)}/career-track", {"track_id": c.people[key].track_id})

    def _ana_proposes(self, c: DemoContext) -> None:
        body = _goal(
            c, "ana", "photoshop", "Master Photoshop", "Produce campaign visuals without design-team help", 80,
            career_track_id=TECHNICAL,
            milestones=[
                _milestone(c, "ana", "ms-course", "Complete the online course", 25),
                _milestone(c, "ana", "ms-visual", "Ship a campaign visual alone", 70),
            ],
        )  # fmt: skip
        c.post("goals", "ana", "/goals", body)

    def _ben_from_template(self, c: DemoContext) -> None:
        body = {
            "goal_id": goal_id(c, "ritual"),
            "employee_id": c.id_of("ben"),
            "track_id": LEADERSHIP,
            "template_id": "lead-a-ritual",
        }
        c.post("goals", "ben", "/goals/from-template", body)

    def _ben_mentoring(self, c: DemoContext) -> None:
        body = {
            "kind": "mentoring",
            "title": "Fortnightly mentoring on facilitation",
            "due_date": c.day(60),
            "mentor_id": c.id_of("maya"),
        }
        c.post("goals", "ben", f"/goals/{goal_id(c, 'ritual')}/activities", body)

    def _cara_proposes(self, c: DemoContext) -> None:
        body = _goal(
            c, "cara", "productivity", "Increase productivity by 20% in three months",
            "Close more deals per week with the same effort", 90,
            metric={"name": "Deals closed per week", "unit": "deals", "baseline": 5, "target": 6},
            milestones=[
                _milestone(c, "cara", "ms-review", "Review the pipeline with Omar", 1),
                _milestone(c, "cara", "ms-playbook", "Write the discovery-call playbook", 45),
            ],
        )  # fmt: skip
        c.post("goals", "cara", "/goals", body)

    def _omar_proposes_to_dev(self, c: DemoContext) -> None:
        body = _goal(
            c, "dev", "to-sales", "Move from marketing to sales by June",
            "Carry a sales quota of my own", 150,
            milestones=[
                _milestone(c, "dev", "ms-shadow", "Shadow five sales calls", 30),
                _milestone(c, "dev", "ms-quota", "Close a first deal", 120),
            ],
        )  # fmt: skip
        c.post("goals", "omar", "/goals", body)

    def _eli_changes_requested(self, c: DemoContext) -> None:
        body = _goal(
            c, "eli", "new-market", "Open a new market", "Win customers in a region we do not serve yet", 120,
            milestones=[_milestone(c, "eli", "ms-research", "Research three regions", 30)],
        )  # fmt: skip
        answer = c.post("goals", "eli", "/goals", body)
        c.post(
            "goals", "omar", f"/goals/{goal_id(c, 'new-market')}/change-requests",
            {"expected_version": answer["version"], "comment": "Which region first, and how will we measure success?"},
        )  # fmt: skip

    def _agree(self, c: DemoContext, manager: str, short: str) -> None:
        c.post("goals", manager, f"/goals/{goal_id(c, short)}/agreement", {})

    def _check_in(self, c: DemoContext, who: str, short: str, progress: dict[str, int], summary: str) -> None:
        body = {
            "progress_summary": summary,
            "milestone_progress": [{"milestone_id": m, "progress_percent": p} for m, p in progress.items()],
        }
        c.post("goals", who, f"/goals/{goal_id(c, short)}/check-ins", body)

    def _reach(self, c: DemoContext, who: str, short: str, milestone: str) -> None:
        c.post("goals", who, f"/goals/{goal_id(c, short)}/milestones/{milestone}/reached", {})
