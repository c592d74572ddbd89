"""Read models of the recognition service, as kernel projections in its own database.

From its own events: ``reward_triggers`` (which event, policy version and outcome, its approval
state, and its delivery downstream), ``recognition_feed``, ``pending_approvals``, ``budget_use``
and ``policy_versions`` (every published version with its document). From the goals and
feedback topics, applied by the consumer in the transaction that claims each event: ``facts``
(goals with their track and template, who is in which team, and the history of triggering
events that windowed counts and backtests read).
Every row is scoped by organisation.
"""

from trellis_kernel.projections import Projection
from trellis_recognition.projections.approvals import PendingApprovals
from trellis_recognition.projections.budget_use import BudgetUse
from trellis_recognition.projections.facts import GoalFactsTable, TeamMembers, TriggerHistory
from trellis_recognition.projections.feed import RecognitionFeed
from trellis_recognition.projections.policy_versions import PolicyVersions
from trellis_recognition.projections.reward_triggers import RewardTriggers

OWN_PROJECTIONS: tuple[Projection, ...] = (
    RewardTriggers(),
    RecognitionFeed(),
    PendingApprovals(),
    BudgetUse(),
    PolicyVersions(),
)
"""Kept from the recognition service's own event store."""

FACT_PROJECTIONS: tuple[Projection, ...] = (GoalFactsTable(), TeamMembers(), TriggerHistory())
"""Kept from the goals and feedback topics."""

__all__ = [
    "FACT_PROJECTIONS",
    "OWN_PROJECTIONS",
    "BudgetUse",
    "GoalFactsTable",
    "PendingApprovals",
    "PolicyVersions",
    "RecognitionFeed",
    "RewardTriggers",
    "TeamMembers",
    "TriggerHistory",
]
