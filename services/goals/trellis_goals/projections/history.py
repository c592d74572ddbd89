"""A goal's full history: what it looked like at any moment, and a readable timeline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from trellis_contracts import goals as g
from trellis_goals.domain.goal.state import GoalEvent
from trellis_goals.projections.goal_record import GoalRecord, apply_goal_event
from trellis_goals.projections.progress import percent_complete


def goal_as_of(events: Iterable[GoalEvent], moment: datetime) -> GoalRecord | None:
    """The goal folded from the events that had happened at ``moment`` (inclusive).

    Events are taken in stream order; one that happened after ``moment`` is left out even
    if a later one (recorded with an earlier time) is kept, so the answer never depends on
    clocks agreeing.
    """
    record: GoalRecord | None = None
    for event in events:
        if event.occurred_at <= moment:
            record = apply_goal_event(record, event)
    return record


def goal_at_version(events: Iterable[GoalEvent], version: int) -> GoalRecord | None:
    """The goal as its first ``version`` events left it (one step of its timeline); None when
    the stream is shorter than that."""
    record: GoalRecord | None = None
    for number, event in enumerate(events, start=1):
        if number > version:
            break
        record = apply_goal_event(record, event)
    return record if record is not None and record.version == version else None


def goal_on(events: Iterable[GoalEvent], day: date, zone: tzinfo) -> GoalRecord | None:
    """The goal as it stood at the end of ``day`` in ``zone``."""
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return goal_as_of(events, end - timedelta(microseconds=1))


@dataclass(frozen=True)
class TimelineEntry:
    version: int
    occurred_at: datetime
    event_type: str
    actor_id: str | None
    summary: str


# The doer comes before anyone an event merely mentions (GoalAgreed names the proposer too).
_ACTOR_FIELDS = (
    "agreed_by",
    "requested_by",
    "adjusted_by",
    "aligned_by",
    "unaligned_by",
    "added_by",
    "rescheduled_by",
    "updated_by",
    "recorded_by",
    "reviewed_by",
    "completed_by",
    "abandoned_by",
    "planned_by",
    "started_by",
    "cancelled_by",
    "proposed_by",
)


def _actor(event: GoalEvent) -> str | None:
    for name in _ACTOR_FIELDS:
        value = getattr(event, name, None)
        if isinstance(value, str):
            return value
    return None


def _summary(event: GoalEvent) -> str:
    """One line without personal free text, safe to show in an audit list."""
    match event:
        case g.GoalProposed():
            return f"proposal {event.proposal_revision} by the {event.proposer_role}"
        case g.GoalChangesRequested():
            return f"changes requested to proposal {event.proposal_revision}"
        case g.GoalAgreed():
            return f"proposal {event.proposal_revision} agreed"
        case g.GoalCreated():
            return f"goal active, due {event.terms.due_date.isoformat()}"
        case g.GoalManagerChanged():
            return f"manager changed from {event.previous_manager_id} to {event.manager_id}"
        case g.GoalAdjusted():
            return "adjusted: " + ", ".join(event.changed)
        case g.GoalAligned():
            return f"aligned to {event.alignment.kind} {event.alignment.target_id}"
        case g.GoalUnaligned():
            return f"no longer aligned to {event.previous_alignment.target_id}"
        case g.MilestoneAdded():
            return f"milestone {event.milestone_id} added, due {event.due_date.isoformat()}"
        case g.MilestoneRescheduled():
            return (
                f"milestone {event.milestone_id} moved from "
                f"{event.previous_due_date.isoformat()} to {event.due_date.isoformat()}"
            )
        case g.MilestoneProgressUpdated():
            return f"milestone {event.milestone_id} at {event.progress_percent}%"
        case g.MilestoneReached():
            return f"milestone {event.milestone_id} reached" + ("" if event.on_time else " late")
        case g.MilestoneMissed():
            return f"milestone {event.milestone_id} missed (due {event.due_date.isoformat()})"
        case g.CheckInRecorded():
            return f"check-in {event.check_in_id}"
        case g.GoalReviewed():
            return f"review {event.review_id}: {event.outcome}"
        case g.GoalCompleted():
            return "completed" + ("" if event.on_time else " late")
        case g.GoalAbandoned():
            follow = f", followed by {event.revised_goal_id}" if event.revised_goal_id else ""
            return f"abandoned{follow}"
        case g.DevelopmentActivityPlanned():
            return f"{event.kind.replace('_', ' ')} {event.activity_id} planned"
        case g.DevelopmentActivityStarted():
            return f"{event.kind.replace('_', ' ')} {event.activity_id} started"
        case g.DevelopmentActivityCompleted():
            return f"{event.kind.replace('_', ' ')} {event.activity_id} completed"
        case g.DevelopmentActivityCancelled():
            return f"{event.kind.replace('_', ' ')} {event.activity_id} cancelled"
    return type(event).__name__


def goal_timeline(events: Iterable[GoalEvent]) -> list[TimelineEntry]:
    return [
        TimelineEntry(version, event.occurred_at, event.event_type(), _actor(event), _summary(event))
        for version, event in enumerate(events, start=1)
    ]


@dataclass(frozen=True)
class ProgressPoint:
    version: int
    occurred_at: datetime
    status: str
    percent_complete: int


def progress_over_time(events: Iterable[GoalEvent]) -> list[ProgressPoint]:
    """The goal's % complete after each event that changed it (or its status), in stream order."""
    points: list[ProgressPoint] = []
    record: GoalRecord | None = None
    for version, event in enumerate(events, start=1):
        record = apply_goal_event(record, event)
        if record is None:
            continue
        point = ProgressPoint(version, event.occurred_at, record.goal.status, percent_complete(record.goal))
        if not points or (points[-1].percent_complete, points[-1].status) != (
            point.percent_complete,
            point.status,
        ):
            points.append(point)
    return points
