"""The event streams of the feedback service, one per aggregate, each within an organisation:
``<category>-<organisation_id>/<aggregate_id>``.

Organisation ids are opaque ids and never contain ``/``, so the organisation is always what
precedes the first ``/``.
"""

from __future__ import annotations

from trellis_kernel.store import stream_id


def _stream(category: str, organisation_id: str, aggregate_id: str) -> str:
    return stream_id(category, f"{organisation_id}/{aggregate_id}")


def request_stream(organisation_id: str, request_id: str) -> str:
    return _stream("request", organisation_id, request_id)


def feedback_stream(organisation_id: str, feedback_id: str) -> str:
    return _stream("feedback", organisation_id, feedback_id)


def conversation_stream(organisation_id: str, conversation_id: str) -> str:
    return _stream("conversation", organisation_id, conversation_id)


def cadence_stream(organisation_id: str, employee_id: str, manager_id: str) -> str:
    return _stream("cadence", organisation_id, f"{employee_id}/{manager_id}")


def settings_stream(organisation_id: str) -> str:
    return _stream("settings", organisation_id, organisation_id)
