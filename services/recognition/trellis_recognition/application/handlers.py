"""The kernel's command handling for each aggregate of the service: one codec, the service's own
read models applied in every append's transaction, and a lost race decided again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trellis_kernel.codec import AsyncEventCodec
from trellis_kernel.commands import RETRY_ON_CONFLICT, CommandHandler
from trellis_kernel.decider import Decider
from trellis_kernel.projections import Projection
from trellis_kernel.store import EventStoreProtocol
from trellis_recognition.domain.budgets import BudgetCommand, BudgetEvent, TeamBudgets, budget_decider
from trellis_recognition.domain.compensation import (
    AdjustmentCommand,
    AdjustmentEvent,
    AdjustmentState,
    adjustment_decider,
)
from trellis_recognition.domain.outcomes import OutcomeEvent, OutcomeState, RecordOutcome, outcome_decider
from trellis_recognition.domain.peer_recognition import (
    GivenRecognitions,
    RecogniseColleague,
    peer_recognition_decider,
)
from trellis_recognition.domain.policies import PolicyHistory, PublishPolicy, policy_decider
from trellis_recognition.domain.rewards import RewardCommand, RewardEvent, RewardState, reward_decider


@dataclass(frozen=True)
class Handlers:
    policies: CommandHandler[PublishPolicy, PolicyHistory, Any]
    outcomes: CommandHandler[RecordOutcome, OutcomeState, OutcomeEvent]
    rewards: CommandHandler[RewardCommand, RewardState, RewardEvent]
    adjustments: CommandHandler[AdjustmentCommand, AdjustmentState, AdjustmentEvent]
    budgets: CommandHandler[BudgetCommand, TeamBudgets, BudgetEvent]
    peers: CommandHandler[RecogniseColleague, GivenRecognitions, Any]


def command_handlers(
    store: EventStoreProtocol, codec: AsyncEventCodec[Any], projections: Sequence[Projection]
) -> Handlers:
    def handler(decider: Decider[Any, Any, Any]) -> CommandHandler[Any, Any, Any]:
        return CommandHandler(store, decider, codec, projections=projections, retry=RETRY_ON_CONFLICT)

    return Handlers(
        policies=handler(policy_decider),
        outcomes=handler(outcome_decider),
        rewards=handler(reward_decider),
        adjustments=handler(adjustment_decider),
        budgets=handler(budget_decider),
        peers=handler(peer_recognition_decider),
    )
