"""The event streams of the feedback service, one per aggregate, each within an organisation:
``<category>-<organisation_id>/<aggregate_id>`` (the kernel's organisation-scoped stream ids).
The CloudEvents subject is what follows the category, e.g. ``org_7f3a/req_5f0c1a52``.
"""

from __future__ import annotations

from trellis_kernel.store import organisation_stream_id


def request_stream(organisation_id: str, request_id: str) -> str:
    return organisation_stream_id("request", organisation_id, request_id)


def feedback_stream(organisation_id: str, feedback_id: str) -> str:
    return organisation_stream_id("feedback", organisation_id, feedback_id)


def conversation_stream(organisation_id: str, conversation_id: str) -> str:
    return organisation_stream_id("conversation", organisation_id, conversation_id)


def cadence_stream(organisation_id: str, employee_id: str, manager_id: str) -> str:
    return organisation_stream_id("cadence", organisation_id, employee_id, manager_id)


def settings_stream(organisation_id: str) -> str:
    return organisation_stream_id("settings", organisation_id, organisation_id)


def retention_stream(organisation_id: str) -> str:
    return organisation_stream_id("retention", organisation_id, organisation_id)
