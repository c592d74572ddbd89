"""The event streams of the recognition service, one per aggregate, scoped by organisation:
``<category>-<organisation_id>/<aggregate_id>``. What follows the first ``-`` is the
CloudEvents subject; the stream id is the Kafka key."""

from __future__ import annotations

from trellis_recognition.domain.budgets import budget_id


def stream(category: str, organisation_id: str, aggregate_id: str) -> str:
    return f"{category}-{organisation_id}/{aggregate_id}"


def policy_stream(organisation_id: str, policy_id: str) -> str:
    return stream("policy", organisation_id, policy_id)


def outcome_stream(organisation_id: str, kind: str, outcome_id: str) -> str:
    """recognition, reward, adjustment, assignment or initiative: one stream per outcome id."""
    return stream(kind, organisation_id, outcome_id)


def budget_stream(organisation_id: str, team_id: str, year: int) -> str:
    return stream("budget", organisation_id, budget_id(team_id, year))


def peer_stream(organisation_id: str, giver_id: str) -> str:
    return stream("peer", organisation_id, giver_id)
