"""The event streams of the recognition service, one per aggregate, scoped by organisation:
``<category>-<organisation_id>/<aggregate_id>``. What follows the first ``-`` is the
CloudEvents subject; the stream id is the Kafka key."""

from __future__ import annotations

from typing import Final

from trellis_kernel.store import organisation_stream_id
from trellis_recognition.domain.budgets import budget_id

OUTCOME_CATEGORIES: Final[dict[str, str]] = {
    "recognition": "recognition",
    "points": "reward",
    "bonus": "reward",
    "compensation_adjustment": "adjustment",
    "learning_assignment": "assignment",
    "lead_initiative": "initiative",
}
"""The stream category of each outcome kind of a policy."""


def policy_stream(organisation_id: str, policy_id: str) -> str:
    return organisation_stream_id("policy", organisation_id, policy_id)


def outcome_stream(organisation_id: str, kind: str, outcome_id: str) -> str:
    """recognition, reward, adjustment, assignment or initiative: one stream per outcome id."""
    return organisation_stream_id(kind, organisation_id, outcome_id)


def reward_stream(organisation_id: str, reward_id: str) -> str:
    return outcome_stream(organisation_id, "reward", reward_id)


def adjustment_stream(organisation_id: str, adjustment_id: str) -> str:
    return outcome_stream(organisation_id, "adjustment", adjustment_id)


def budget_stream(organisation_id: str, team_id: str, year: int) -> str:
    return organisation_stream_id("budget", organisation_id, budget_id(team_id, year))


def peer_stream(organisation_id: str, giver_id: str) -> str:
    return organisation_stream_id("peer", organisation_id, giver_id)
