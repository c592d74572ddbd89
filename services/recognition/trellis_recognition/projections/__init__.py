"""Read models of the recognition service, as kernel projections in its own database.

From its own events: ``reward_triggers`` (which event, policy version and outcome, its approval
state, and its delivery downstream), ``recognition_feed``, ``pending_approvals``, ``budget_use``
and ``policy_versions`` (every published version with its document). From the goals and
feedback topics, applied by the consumer in the transaction that claims each event: ``facts``
(goals with their track and template, who is in which team, and the history of triggering
events that windowed counts and backtests read).
Every row is scoped by organisation. Projections that keep personal text open it with the
service's codec in their own transaction and forget it when the person is erased (``forget``).
"""

from __future__ import annotations

import os
from typing import Any, Protocol, runtime_checkable

from trellis_kernel.codec import AsyncEventCodec
from trellis_kernel.privacy import KEY_ENCRYPTION_KEYS_SETTING, DataKeyStore, LocalKeyEncryptionKeys
from trellis_kernel.projections import Projection
from trellis_kernel.settings import MissingSetting
from trellis_kernel.store import Connection, Pool
from trellis_recognition.event_codec import recognition_codec
from trellis_recognition.projections.approvals import PendingApprovals
from trellis_recognition.projections.budget_use import BudgetUse
from trellis_recognition.projections.facts import GoalFactsTable, TeamMembers, TriggerHistory
from trellis_recognition.projections.feed import RecognitionFeed
from trellis_recognition.projections.policy_versions import PolicyVersions
from trellis_recognition.projections.reward_triggers import RewardTriggers


def own_projections(codec: AsyncEventCodec[Any]) -> tuple[Projection, ...]:
    """Kept from the recognition service's own event store, opened with ``codec``."""
    return (RewardTriggers(), RecognitionFeed(codec), PendingApprovals(), BudgetUse(), PolicyVersions())


def inline_projections(pool: Pool) -> tuple[Projection, ...]:
    """The same, for tools that replay the store outside the service (``trellis projections``):
    the data keys in ``pool``'s database, unwrapped with the KEKs of the environment."""
    setting = os.environ.get(KEY_ENCRYPTION_KEYS_SETTING)
    if not setting:
        raise MissingSetting(f"set {KEY_ENCRYPTION_KEYS_SETTING}: the recognition read models open personal text")
    return own_projections(recognition_codec(DataKeyStore(pool, LocalKeyEncryptionKeys.from_setting(setting))))


@runtime_checkable
class Forgetting(Protocol):
    """A projection that keeps decoded personal text, and forgets a person's when they are erased
    (in the erasure's transaction; a rebuild then reads the same, as the keys are gone)."""

    async def forget(self, connection: Connection, organisation_id: str, person_id: str, schema: str) -> None: ...


FACT_PROJECTIONS: tuple[Projection, ...] = (GoalFactsTable(), TeamMembers(), TriggerHistory())
"""Kept from the goals and feedback topics."""

__all__ = [
    "FACT_PROJECTIONS",
    "BudgetUse",
    "Forgetting",
    "GoalFactsTable",
    "PendingApprovals",
    "PolicyVersions",
    "RecognitionFeed",
    "RewardTriggers",
    "TeamMembers",
    "TriggerHistory",
    "inline_projections",
    "own_projections",
]
