"""People, facts and commands for feedback scenarios.

mgr_1 manages emp_1 to emp_4 and reports to dir_1; men_1 mentors from elsewhere; emp_9 has no
manager. goal_1 (milestones ms_1, ms_2) is emp_1's; goal_2 is emp_2's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from trellis_feedback.domain.anonymity import SealedAnswer
from trellis_feedback.domain.facts import Facts, GoalFacts
from trellis_feedback.domain.request import commands as r

ORG = "org_1"
EMPLOYEE = "emp_1"
PEER = "emp_2"
PEER_3 = "emp_3"
PEER_4 = "emp_4"
MANAGER = "mgr_1"
SKIP_LEVEL = "dir_1"
MENTOR = "men_1"
LONER = "emp_9"
GOAL = "goal_1"
OTHER_GOAL = "goal_2"
REQUEST = "req_1"
KEY = bytes(range(32))

FACTS = Facts(
    managers={
        EMPLOYEE: MANAGER,
        PEER: MANAGER,
        PEER_3: MANAGER,
        PEER_4: MANAGER,
        MANAGER: SKIP_LEVEL,
        MENTOR: "dir_2",
        LONER: None,
    },
    goals={
        GOAL: GoalFacts(GOAL, EMPLOYEE, frozenset({"ms_1", "ms_2"})),
        OTHER_GOAL: GoalFacts(OTHER_GOAL, PEER, frozenset({"ms_9"})),
    },
)

MONDAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DUE = date(2026, 3, 13)
TEAM = (EMPLOYEE, PEER, PEER_3, PEER_4)
"""mgr_1's direct reports."""


def on(day: date, at: time = time(9, 0)) -> datetime:
    return datetime.combine(day, at, tzinfo=UTC)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def named_request(**overrides: Any) -> r.RequestFeedback:
    """emp_1 asks a peer and their manager about their goal."""
    command = r.RequestFeedback(
        request_id=REQUEST,
        organisation_id=ORG,
        requester_id=EMPLOYEE,
        recipient_id=EMPLOYEE,
        givers=(
            r.Invitee(giver_id=PEER, relationship="peer"),
            r.Invitee(giver_id=MANAGER, relationship="manager"),
        ),
        due_on=DUE,
        now=NOW,
        facts=FACTS,
        goal_id=GOAL,
        prompts=("How did my launch notes land?",),
    )
    return replace(command, **overrides)


def upward_request(givers: tuple[str, ...] = TEAM, **overrides: Any) -> r.RequestFeedback:
    """mgr_1 asks their reports, anonymously, about their coaching."""
    command = r.RequestFeedback(
        request_id=REQUEST,
        organisation_id=ORG,
        requester_id=MANAGER,
        recipient_id=MANAGER,
        givers=tuple(r.Invitee(giver_id=g, relationship="direct_report") for g in givers),
        due_on=DUE,
        now=NOW,
        facts=FACTS,
        kind="upward",
        anonymous=True,
        respondent_key=KEY,
        anonymity_threshold=3,
    )
    return replace(command, **overrides)


def answer(giver_id: str, content: str = "", **overrides: Any) -> r.AnswerRequest:
    command = r.AnswerRequest(
        request_id=REQUEST,
        feedback_id=f"fb_{giver_id}",
        giver_id=giver_id,
        content=content or "Clear notes; keep the risks up front.",
        visibility="recipient_only",
        now=NOW + days(1),
        kind="praise",
    )
    return replace(command, **overrides)


def anonymous_answer(giver_id: str, content: str = "", **overrides: Any) -> r.AnswerRequest:
    return answer(giver_id, content, **{"kind": None, "respondent_key": KEY, **overrides})


def decline(giver_id: str, **overrides: Any) -> r.DeclineRequest:
    command = r.DeclineRequest(request_id=REQUEST, giver_id=giver_id, now=NOW + days(1))
    return replace(command, **overrides)


def remind(now: datetime) -> r.RemindPendingGivers:
    return r.RemindPendingGivers(request_id=REQUEST, now=now)


def close(now: datetime, *sealed: SealedAnswer) -> r.CloseRequest:
    return r.CloseRequest(request_id=REQUEST, now=now, sealed_answers=sealed)
