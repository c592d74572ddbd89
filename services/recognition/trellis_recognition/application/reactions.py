"""What the service does about an event of another service that a policy may react to: gather
the facts, evaluate the policies in effect at the event's time, and record each outcome on its
own stream, all in the transaction of the consumer's processed-event claim.

Each outcome's id derives from the event (or the employee and window) and the rule, and
recording one whose stream exists records nothing: a redelivered event, a restart mid-flow, a
second replica or a replay from the start of the topics never yields an outcome twice. Two
transactions deciding the same outcome at once conflict on its stream's first version; the
consumer runs the loser again, which then finds it recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any

from trellis_contracts.recognition import RewardGrantedV2
from trellis_contracts.reward_policy import BonusOutcome
from trellis_kernel.metadata import EventMetadata
from trellis_kernel.store import Connection
from trellis_recognition.application.handlers import Handlers
from trellis_recognition.domain.budgets import ChargeBudget, assess
from trellis_recognition.domain.compensation import ProposeAdjustment
from trellis_recognition.domain.evaluation import CountKey, Facts, PlannedOutcome, count_queries, evaluate
from trellis_recognition.domain.outcomes import RecordOutcome
from trellis_recognition.domain.policies import in_effect
from trellis_recognition.domain.rewards import GrantReward
from trellis_recognition.domain.triggers import TriggeringEvent
from trellis_recognition.projections import facts
from trellis_recognition.projections.policy_versions import versions_of
from trellis_recognition.streams import OUTCOME_CATEGORIES, budget_stream, outcome_stream

PRINCIPAL = "trellis-recognition"
"""The principal of the events the service records on its own, in reaction to other services."""

_EMPLOYEE_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('trellis_recognition.employee:' || $1, 0))"


async def serialise_per_employee(connection: Connection, trigger: TriggeringEvent) -> None:
    """Take turns with other transactions deciding about the same employee, until commit.

    A count over a window (three praises in a quarter) reads the history the transaction adds
    to: two praises decided at once on two partitions would each see the other missing and
    neither cross the threshold. Holding the employee's lock before adding to the history makes
    the second see the first once it committed.
    """
    await connection.execute(_EMPLOYEE_LOCK, f"{trigger.organisation_id}/{trigger.employee_id}")


async def decide_outcomes(connection: Connection, trigger: TriggeringEvent) -> list[PlannedOutcome]:
    """The outcomes the policies in effect at the event's time decide for it, from the facts
    the service holds (the trigger itself already in its history)."""
    versions = await versions_of(connection, trigger.organisation_id)
    if not in_effect(versions, trigger.organisation_id, trigger.occurred_at):
        return []
    organisation = trigger.organisation_id
    goal = await facts.goal_facts(connection, organisation, trigger.goal_id) if trigger.goal_id else None
    team_id = await facts.team_of(connection, organisation, trigger.employee_id)
    counts: dict[CountKey, int] = {}
    for query in count_queries(trigger, versions):
        counts[query.key] = await facts.count(connection, query, trigger)
    return evaluate(trigger, Facts(goal=goal, team_id=team_id, counts=MappingProxyType(counts)), versions)


async def record_outcome(
    handlers: Handlers,
    planned: PlannedOutcome,
    *,
    connection: Connection,
    metadata: EventMetadata,
    now: datetime,
) -> Sequence[Any]:
    """Record one planned outcome on its stream (nothing when it is recorded already); a bonus
    for a team member is weighed against the team's budgets and charged to them, or held."""
    organisation, kind = planned.organisation_id, planned.kind
    stream = outcome_stream(organisation, OUTCOME_CATEGORIES[kind], planned.outcome_id)
    if kind in ("recognition", "learning_assignment", "lead_initiative"):
        outcome = await handlers.outcomes.handle(
            stream, RecordOutcome(planned=planned, now=now), metadata=metadata, connection=connection
        )
        return outcome.events
    if kind == "compensation_adjustment":
        proposed = await handlers.adjustments.handle(
            stream, ProposeAdjustment(planned=planned, now=now), metadata=metadata, connection=connection
        )
        return proposed.events
    detail = planned.detail
    if not isinstance(detail, BonusOutcome) or planned.team_id is None:
        granted = await handlers.rewards.handle(
            stream,
            GrantReward(planned=planned, verdict=None, now=now),
            metadata=metadata,
            connection=connection,
        )
        return granted.events
    money, day = detail.money(), planned.decided_on
    budgets = await handlers.budgets.load(
        budget_stream(organisation, planned.team_id, day.year), connection=connection
    )
    verdict = assess(budgets.state, money, day)
    granted = await handlers.rewards.handle(
        stream,
        GrantReward(planned=planned, verdict=verdict, now=now),
        metadata=metadata,
        connection=connection,
    )
    if granted.events and isinstance(granted.events[0], RewardGrantedV2):
        charge = ChargeBudget(
            organisation_id=organisation,
            team_id=planned.team_id,
            reward_id=planned.outcome_id,
            amount=money,
            day=day,
            now=now,
        )
        decided = handlers.budgets.decider.decide(charge, budgets.state)
        await handlers.budgets.append(budgets, decided, metadata=metadata, connection=connection)
    return granted.events


async def react(
    handlers: Handlers,
    trigger: TriggeringEvent,
    *,
    connection: Connection,
    metadata: EventMetadata,
    now: datetime,
) -> list[Any]:
    """Evaluate and record; returns the events recorded (none when all were recorded before)."""
    recorded: list[Any] = []
    for planned in await decide_outcomes(connection, trigger):
        recorded.extend(
            await record_outcome(handlers, planned, connection=connection, metadata=metadata, now=now)
        )
    return recorded
