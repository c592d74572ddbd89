"""The event streams of the goals service, one per aggregate.

The part after the first ``-`` is the aggregate id; the relay uses it as the CloudEvents
subject and the stream id as the Kafka key.
"""

from __future__ import annotations

from trellis_kernel.store import stream_id


def goal_stream(goal_id: str) -> str:
    return stream_id("goal", goal_id)


def vision_stream(employee_id: str) -> str:
    return stream_id("vision", employee_id)


def career_choice_stream(employee_id: str) -> str:
    return stream_id("career", employee_id)


def reporting_line_stream(employee_id: str) -> str:
    return stream_id("reportingline", employee_id)


def career_tracks_stream(organisation_id: str) -> str:
    return stream_id("careertracks", organisation_id)
