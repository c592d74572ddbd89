"""The event streams of the goals service, one per aggregate, each within its organisation:
``<category>-<organisation_id>/<aggregate_id>`` (the kernel's organisation_stream_id).

Ids are chosen by each organisation, so the same id in two organisations names two streams.
What follows the first ``-`` is the CloudEvents subject; the stream id is the Kafka key. The
organisation's own aggregate (its career track catalogue) uses the organisation id as its id.
"""

from __future__ import annotations

from trellis_kernel.store import organisation_stream_id


def goal_stream(organisation_id: str, goal_id: str) -> str:
    return organisation_stream_id("goal", organisation_id, goal_id)


def vision_stream(organisation_id: str, employee_id: str) -> str:
    return organisation_stream_id("vision", organisation_id, employee_id)


def career_choice_stream(organisation_id: str, employee_id: str) -> str:
    return organisation_stream_id("career", organisation_id, employee_id)


def reporting_line_stream(organisation_id: str, employee_id: str) -> str:
    return organisation_stream_id("reportingline", organisation_id, employee_id)


def career_tracks_stream(organisation_id: str) -> str:
    return organisation_stream_id("careertracks", organisation_id, organisation_id)


def person_stream(organisation_id: str, person_id: str) -> str:
    return organisation_stream_id("person", organisation_id, person_id)
