"""The recognition service's use cases: check who may act, load, decide, append.

Everything here is orchestration; the rules live in ``domain/`` and the views in
``projections/``. Loading, deciding, appending (with the read models, inline) and deciding again
after losing a race are the kernel's CommandHandler. The clock is read here (and only here),
then passed into commands.

Retries: a command whose client-chosen id (a policy's id and document, a recognition's id, a
team's budget for a period, a decision on a held reward) was recorded already answers as it did
the first time; the same id with other content answers 409 saying so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from trellis_contracts.fields import Money
from trellis_contracts.recognition import RecognitionVisibility, RewardGrantedV2, RewardHeldForApproval
from trellis_kernel.commands import CommandHandler as Handler
from trellis_kernel.commands import Loaded, Outcome, command_name
from trellis_kernel.consumers import processed_events
from trellis_kernel.decider import DomainError
from trellis_kernel.http import NotFound, StaleVersion
from trellis_kernel.metadata import EventMetadata
from trellis_kernel.privacy import DataKeyStore, Erasure
from trellis_kernel.projections import setup_or_rebuild, setup_projection
from trellis_kernel.store import ConcurrencyConflict, Connection, EventStore, Pool, StoredEvent
from trellis_recognition.application.access import organisation, require, team
from trellis_recognition.application.handlers import Handlers, command_handlers
from trellis_recognition.application.reactions import react
from trellis_recognition.application.transactions import in_transaction
from trellis_recognition.domain.authorization import Action, Actor, Subject, authorize
from trellis_recognition.domain.backtest import BacktestReport, backtest
from trellis_recognition.domain.budgets import ChargeBudget, SetBudget
from trellis_recognition.domain.compensation import ApproveAdjustment, RejectAdjustment
from trellis_recognition.domain.peer_recognition import RecogniseColleague, peer_limits_in_effect
from trellis_recognition.domain.periods import budget_period, window_of
from trellis_recognition.domain.policies import PublishPolicy, check_triggers
from trellis_recognition.domain.rewards import ApproveHeldReward, RejectHeldReward
from trellis_recognition.domain.rules import Approver, utc_day
from trellis_recognition.domain.triggers import TriggeringEvent
from trellis_recognition.event_codec import recognition_codec
from trellis_recognition.policy_documents import parse_policy
from trellis_recognition.projections import FACT_PROJECTIONS, Forgetting, facts, own_projections
from trellis_recognition.projections import queries as views
from trellis_recognition.projections.policy_versions import policy_rows, versions_of
from trellis_recognition.streams import (
    adjustment_stream,
    budget_stream,
    peer_stream,
    policy_stream,
    reward_stream,
)

S = TypeVar("S")
E = TypeVar("E")

MAX_BACKTEST_DAYS = 3 * 366
"""The longest period a backtest runs over (it reads every triggering event of it)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Recorded:
    """What a command answers: the stream, its version after the command, the events' types."""

    stream_id: str
    version: int
    event_types: tuple[str, ...]

    @classmethod
    def of(cls, outcome: Outcome[Any, Any]) -> Recorded:
        return cls(outcome.stream_id, outcome.version, tuple(e.event_type() for e in outcome.events))

    @classmethod
    def earlier(cls, stored: StoredEvent) -> Recorded:
        """The answer the command that recorded ``stored`` gave."""
        return cls(stored.stream_id, stored.version, (stored.event_type,))


class ReusedId(StaleVersion):
    """A client-chosen id recorded already with other content: 409, saying so."""

    def __init__(self, stream_id: str, current_version: int, message: str) -> None:
        Exception.__init__(self, message)
        self.stream_id = stream_id
        self.current_version = current_version


Earlier = Callable[[Loaded[Any, Any]], StoredEvent | None]
"""Finds the event a retried command recorded the first time, in the stream as loaded."""


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


class RecognitionApplication:
    def __init__(self, pool: Pool, keys: DataKeyStore, *, clock: Callable[[], datetime] = utc_now) -> None:
        """``keys``: the service's data keys (personal text is sealed with them on append and
        opened on load and in the read models)."""
        self.pool = pool
        self.store = EventStore(pool)
        self.keys = keys
        self.codec = recognition_codec(keys)
        self.projections = own_projections(self.codec)
        self.clock = clock
        self.handlers: Handlers = command_handlers(self.store, self.codec, self.projections)

    async def setup(self) -> None:
        """The event store, the data keys, the read models and the consumer's ledger, created if
        missing."""
        await self.store.setup()
        await self.keys.setup()
        for projection in self.projections:
            await setup_or_rebuild(self.store, projection, inline=True)
        for fact in FACT_PROJECTIONS:  # folded from consumed events: nothing to rebuild them from
            await setup_projection(self.pool, fact, checkpoint=False)
        async with self.pool.acquire() as connection:
            await processed_events.setup(connection)

    # --- erasure -----------------------------------------------------------------------------------

    async def erase_person(
        self, organisation_id: str, person_id: str, *, erased_by: str, reason: str, connection: Connection
    ) -> Erasure:
        """Shred the person's data keys (every message, rejection reason, justification and
        initiative about them becomes unreadable, in the store and on the topic) and forget what
        the read models derived from them, in ``connection``'s transaction. Rewards, budgets and
        approvals stay: amounts and dates are payroll records. Running it again changes nothing."""
        erasure = await self.keys.erase(
            organisation_id, person_id, erased_by=erased_by, reason=reason, connection=connection
        )
        for projection in self.projections:
            if isinstance(projection, Forgetting):
                await projection.forget(connection, organisation_id, person_id, "public")
        return erasure

    # --- the generic steps -----------------------------------------------------------------------

    async def _command(
        self,
        handler: Handler[Any, S, E],
        stream_id: str,
        decide: Callable[[Loaded[S, E]], Sequence[E]],
        *,
        actor: Actor,
        expected_version: int | None,
        earlier: Earlier | None = None,
    ) -> Recorded:
        """Decide on the stream as it is and append; a retried command (nothing to record, and
        ``earlier`` finds what it recorded the first time) answers as it did then. A caller who
        named ``expected_version`` gets 409 when the stream moved; others are decided again."""
        seen: list[Loaded[S, E]] = []

        async def run(loaded: Loaded[S, E]) -> Sequence[E]:
            seen.append(loaded)
            events = decide(loaded)
            if events and expected_version is not None and expected_version != loaded.version:
                raise StaleVersion(stream_id, expected_version, loaded.version)
            return events

        try:
            outcome = await handler.handle_with(
                stream_id, run, metadata=EventMetadata(principal=actor.user_id), command=command_name(decide)
            )
        except ConcurrencyConflict as conflict:  # the retries ran out
            raise StaleVersion(stream_id, expected_version or 0, conflict.current_version) from conflict
        if outcome.events:
            return Recorded.of(outcome)
        found = earlier(seen[-1]) if earlier is not None else None
        return Recorded.earlier(found) if found is not None else Recorded.of(outcome)

    async def employee(self, organisation_id: str, employee_id: str) -> Subject:
        """An employee as the authorization rules see them: with their current manager."""
        async with self.pool.acquire() as connection:
            manager = await facts.team_of(connection, organisation_id, employee_id)
        return Subject(organisation_id, employee_id, manager)

    async def _with_own_manager(self, actor: Actor) -> Actor:
        async with self.pool.acquire() as connection:
            return replace(
                actor, manager_id=await facts.team_of(connection, actor.organisation_id, actor.user_id)
            )

    # --- reacting to other services' events (the consumer) -----------------------------------------

    async def react(
        self, trigger: TriggeringEvent, *, connection: Connection, metadata: EventMetadata
    ) -> list[Any]:
        return await react(self.handlers, trigger, connection=connection, metadata=metadata, now=self.clock())

    # --- policies ----------------------------------------------------------------------------------

    async def publish_policy(self, actor: Actor, text: str, expected_version: int | None) -> Recorded:
        """Publish the document as the policy's next version; InvalidPolicy lists what is wrong."""
        require(actor, "publish_policy", organisation(actor))
        document = parse_policy(text)

        def decide(loaded: Loaded[Any, Any]) -> Sequence[Any]:
            command = PublishPolicy(
                organisation_id=actor.organisation_id,
                document=document,
                published_by=actor.user_id,
                now=self.clock(),
            )
            return self.handlers.policies.decider.decide(command, loaded.state)

        def latest(loaded: Loaded[Any, Any]) -> StoredEvent | None:
            return loaded.stored[-1] if loaded.stored else None

        return await self._command(
            self.handlers.policies,
            policy_stream(actor.organisation_id, document.policy_id),
            decide,
            actor=actor,
            expected_version=expected_version,
            earlier=latest,
        )

    async def policies(self, actor: Actor, policy_id: str | None = None) -> list[dict[str, Any]]:
        """Every version of the organisation's policies (of one, which must exist)."""
        require(actor, "view_policies", organisation(actor))
        async with self.pool.acquire() as connection:
            rows = await policy_rows(connection, actor.organisation_id, policy_id)
        if policy_id is not None and not rows:
            raise NotFound(f"there is no policy {policy_id!r}")
        return rows

    async def backtest(self, actor: Actor, text: str, start: date, end: date) -> BacktestReport:
        """What the draft would have granted for the events of ``[start, end)``; records nothing."""
        require(actor, "backtest_policy", organisation(actor))
        if end <= start:
            raise DomainError("The period ends after it starts", field="to")
        if end - start > timedelta(days=MAX_BACKTEST_DAYS):
            raise DomainError(f"A backtest covers at most {MAX_BACKTEST_DAYS} days", field="to")
        draft = parse_policy(text)
        check_triggers(draft)
        # Counts reach back to the start of the window holding the period's first day.
        history_start = min(
            [
                start,
                *(window_of(rule.when.count.window, start).start for rule in draft.rules if rule.when.count),
            ]
        )
        async with self.pool.acquire() as connection:
            history = await facts.history(
                connection, actor.organisation_id, _midnight(history_start), _midnight(end)
            )
        return backtest(draft, actor.organisation_id, history, period_start=start, period_end=end)

    # --- budgets -----------------------------------------------------------------------------------

    async def set_budget(
        self, actor: Actor, team_id: str, period: str, amount: Money, expected_version: int | None
    ) -> Recorded:
        require(actor, "set_budget", team(actor, team_id))
        try:
            year = budget_period(period).start.year
        except ValueError as error:
            raise DomainError(str(error), field="period") from None

        def decide(loaded: Loaded[Any, Any]) -> Sequence[Any]:
            command = SetBudget(
                organisation_id=actor.organisation_id,
                team_id=team_id,
                period=period,
                amount=amount,
                set_by=actor.user_id,
                now=self.clock(),
            )
            return self.handlers.budgets.decider.decide(command, loaded.state)

        def setting(loaded: Loaded[Any, Any]) -> StoredEvent | None:
            return next((s for s in reversed(loaded.stored) if s.payload.get("period") == period), None)

        return await self._command(
            self.handlers.budgets,
            budget_stream(actor.organisation_id, team_id, year),
            decide,
            actor=actor,
            expected_version=expected_version,
            earlier=setting,
        )

    async def budgets(self, actor: Actor, team_id: str) -> list[dict[str, Any]]:
        require(actor, "view_budget", team(actor, team_id))
        return await views.budgets(self.pool, actor.organisation_id, team_id)

    # --- approvals ---------------------------------------------------------------------------------

    async def pending_approvals(self, actor: Actor) -> list[dict[str, Any]]:
        require(actor, "view_pending_approvals", organisation(actor))
        return await views.pending_approvals(self.pool, actor.organisation_id)

    async def _may_decide(self, actor: Actor, beneficiary_id: str) -> Approver:
        require(actor, "decide_approval", await self.employee(actor.organisation_id, beneficiary_id))
        return Approver(actor.user_id, actor.hr_admin)

    async def decide_reward(
        self,
        actor: Actor,
        reward_id: str,
        *,
        approve: bool,
        reason: str | None,
        expected_version: int | None,
    ) -> Recorded:
        """Approve (the grant is charged to the team's budget beyond it, in the same
        transaction) or reject a reward held for approval."""
        stream = reward_stream(actor.organisation_id, reward_id)
        rewards, budgets = self.handlers.rewards, self.handlers.budgets
        found = await rewards.load(stream)
        if found.state is None:
            raise NotFound(f"there is no reward {reward_id!r}")
        approver = await self._may_decide(actor, found.state.recipient_id)
        metadata = EventMetadata(principal=actor.user_id)

        async def work(connection: Connection) -> Recorded:
            loaded = await rewards.load(stream, connection=connection)
            now = self.clock()
            command: Any = (
                ApproveHeldReward(reward_id=reward_id, approver=approver, now=now)
                if approve
                else RejectHeldReward(reward_id=reward_id, approver=approver, reason=reason, now=now)
            )
            events = rewards.decider.decide(command, loaded.state)
            if not events:  # the same decision again
                return Recorded.earlier(loaded.stored[-1])
            if expected_version is not None and expected_version != loaded.version:
                raise StaleVersion(stream, expected_version, loaded.version)
            outcome = await rewards.append(loaded, events, metadata=metadata, connection=connection)
            granted = events[0]
            held = loaded.state.held if loaded.state is not None else None
            if isinstance(granted, RewardGrantedV2) and held is not None and granted.amount is not None:
                day = _charge_day(held)
                team_budgets = await budgets.load(
                    budget_stream(actor.organisation_id, held.team_id, day.year), connection=connection
                )
                charge = ChargeBudget(
                    organisation_id=actor.organisation_id,
                    team_id=held.team_id,
                    reward_id=reward_id,
                    amount=granted.amount,
                    day=day,
                    approved_over_budget=True,
                    now=now,
                )
                charged = budgets.decider.decide(charge, team_budgets.state)
                await budgets.append(team_budgets, charged, metadata=metadata, connection=connection)
            return Recorded.of(outcome)

        return await in_transaction(self.pool, work)

    async def decide_adjustment(
        self,
        actor: Actor,
        adjustment_id: str,
        *,
        approve: bool,
        reason: str | None,
        expected_version: int | None,
    ) -> Recorded:
        """Approve (final: payroll acts on it) or reject a proposed pay change."""
        stream = adjustment_stream(actor.organisation_id, adjustment_id)
        adjustments = self.handlers.adjustments
        found = await adjustments.load(stream)
        if found.state is None:
            raise NotFound(f"there is no pay change {adjustment_id!r}")
        approver = await self._may_decide(actor, found.state.proposal.employee_id)

        def decide(loaded: Loaded[Any, Any]) -> Sequence[Any]:
            now = self.clock()
            command: Any = (
                ApproveAdjustment(adjustment_id=adjustment_id, approver=approver, now=now)
                if approve
                else RejectAdjustment(adjustment_id=adjustment_id, approver=approver, reason=reason, now=now)
            )
            return adjustments.decider.decide(command, loaded.state)

        return await self._command(
            adjustments,
            stream,
            decide,
            actor=actor,
            expected_version=expected_version,
            earlier=lambda loaded: loaded.stored[-1] if loaded.stored else None,
        )

    # --- colleagues recognising each other ------------------------------------------------------

    async def recognise(
        self,
        actor: Actor,
        *,
        recognition_id: str,
        recipient_id: str,
        visibility: RecognitionVisibility,
        message: str,
        goal_id: str | None,
        milestone_id: str | None,
    ) -> Recorded:
        organisation_id = actor.organisation_id
        require(actor, "recognise_colleague", await self.employee(organisation_id, recipient_id))
        stream = peer_stream(organisation_id, actor.user_id)
        async with self.pool.acquire() as connection:
            if await views.recognition_id_taken(connection, organisation_id, recognition_id, actor.user_id):
                raise ReusedId(stream, 0, f"recognition {recognition_id!r} exists already")
            versions = await versions_of(connection, organisation_id)
            goal = await facts.goal_facts(connection, organisation_id, goal_id) if goal_id else None

        def decide(loaded: Loaded[Any, Any]) -> Sequence[Any]:
            now = self.clock()
            command = RecogniseColleague(
                organisation_id=organisation_id,
                recognition_id=recognition_id,
                giver_id=actor.user_id,
                recipient_id=recipient_id,
                visibility=visibility,
                message=message,
                goal_id=goal_id,
                milestone_id=milestone_id,
                goal=goal,
                limits=peer_limits_in_effect(versions, organisation_id, now),
                now=now,
            )
            try:
                return self.handlers.peers.decider.decide(command, loaded.state)
            except DomainError as error:
                if error.field == "recognition_id":  # given already, with other content
                    raise ReusedId(stream, loaded.version, error.message) from None
                raise

        def given(loaded: Loaded[Any, Any]) -> StoredEvent | None:
            return next((s for s in loaded.stored if s.payload.get("recognition_id") == recognition_id), None)

        return await self._command(
            self.handlers.peers, stream, decide, actor=actor, expected_version=None, earlier=given
        )

    # --- what people see --------------------------------------------------------------------------

    async def employee_recognition(self, actor: Actor, employee_id: str, limit: int) -> list[dict[str, Any]]:
        """The employee's feed as the caller may see it: public recognition for everyone, the
        team's for teammates, everything (rewards included) for the employee, their manager and
        HR admins."""
        subject = await self.employee(actor.organisation_id, employee_id)
        me = await self._with_own_manager(actor)
        allowed: dict[Action, bool] = {
            action: authorize(me, action, subject).allowed
            for action in (
                "view_public_recognition",
                "view_team_recognition",
                "view_private_recognition",
                "view_rewards",
            )
        }
        by_visibility: tuple[tuple[str, Action], ...] = (
            ("public", "view_public_recognition"),
            ("team", "view_team_recognition"),
            ("private", "view_private_recognition"),
        )
        visible = [visibility for visibility, action in by_visibility if allowed[action]]
        return await views.feed(
            self.pool,
            actor.organisation_id,
            employee_ids=[employee_id],
            visibilities=visible,
            rewards=allowed["view_rewards"],
            limit=limit,
        )

    async def team_recognition(self, actor: Actor, team_id: str, limit: int) -> list[dict[str, Any]]:
        """Everything in the feeds of a manager's team: for the manager and HR admins."""
        require(actor, "view_rewards", team(actor, team_id))
        members = await views.team_members(self.pool, actor.organisation_id, team_id)
        return await views.feed(
            self.pool,
            actor.organisation_id,
            employee_ids=members,
            visibilities=["public", "team", "private"],
            rewards=True,
            limit=limit,
        )

    async def public_recognition(self, actor: Actor, limit: int) -> list[dict[str, Any]]:
        require(actor, "view_public_recognition", organisation(actor))
        return await views.feed(
            self.pool,
            actor.organisation_id,
            employee_ids=None,
            visibilities=["public"],
            rewards=False,
            limit=limit,
        )

    async def reward_triggers(
        self, actor: Actor, *, triggering_event_id: str | None, employee_id: str | None, limit: int
    ) -> list[dict[str, Any]]:
        require(actor, "view_reward_triggers", organisation(actor))
        return await views.reward_triggers(
            self.pool,
            actor.organisation_id,
            triggering_event_id=triggering_event_id,
            employee_id=employee_id,
            limit=limit,
        )


def _charge_day(held: RewardHeldForApproval) -> date:
    """The day an approved grant counts in: when it was held, within the budget period it
    exceeded (held late, it still counts in that period)."""
    period = budget_period(held.budget_period)
    day = utc_day(held.held_at)
    if day in period:
        return day
    return period.end - timedelta(days=1) if day >= period.end else period.start
