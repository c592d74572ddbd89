"""A goal's check-in history: each conversation with the progress made since the one before.

Every check-in starts from "what progress have you made toward your milestones since we last
spoke?"; this answers it from the record: how each milestone moved and which were reached
between two check-ins, and the actions agreed (with owners and dates).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from trellis_contracts.goals import AgreedAction, CheckInRecorded, MilestoneReached
from trellis_goals.domain.goal.state import GoalEvent, GoalState, evolve_goal


@dataclass(frozen=True)
class ProgressChange:
    milestone_id: str
    before: int
    after: int


@dataclass(frozen=True)
class CheckInEntry:
    check_in_id: str
    recorded_at: datetime
    recorded_by: str
    progress_summary: str
    blockers: tuple[str, ...]
    resources_needed: tuple[str, ...]
    agreed_actions: tuple[AgreedAction, ...]
    progress_since_last: tuple[ProgressChange, ...]
    reached_since_last: tuple[str, ...]
    days_since_last: int | None


def check_in_history(events: Iterable[GoalEvent]) -> list[CheckInEntry]:
    goal: GoalState = None
    at_last: dict[str, int] = {}
    reached: list[str] = []
    last_at: datetime | None = None
    entries: list[CheckInEntry] = []
    for event in events:
        goal = evolve_goal(goal, event)
        match event:
            case MilestoneReached():
                reached.append(event.milestone_id)
            case CheckInRecorded() if goal is not None:
                # The milestone progress the check-in records follows it as separate events.
                progress = {m.milestone_id: m.progress_percent for m in goal.milestones}
                progress.update(
                    (said.milestone_id, said.progress_percent) for said in event.milestone_progress
                )
                changes = tuple(
                    ProgressChange(milestone_id, at_last.get(milestone_id, 0), now)
                    for milestone_id, now in progress.items()
                    if now != at_last.get(milestone_id, 0)
                )
                entries.append(
                    CheckInEntry(
                        check_in_id=event.check_in_id,
                        recorded_at=event.occurred_at,
                        recorded_by=event.recorded_by,
                        progress_summary=event.progress_summary,
                        blockers=event.blockers,
                        resources_needed=event.resources_needed,
                        agreed_actions=event.agreed_actions,
                        progress_since_last=changes,
                        reached_since_last=tuple(reached),
                        days_since_last=None
                        if last_at is None
                        else (event.occurred_at.date() - last_at.date()).days,
                    )
                )
                at_last = dict(progress)
                reached = []
                last_at = event.occurred_at
    return entries
