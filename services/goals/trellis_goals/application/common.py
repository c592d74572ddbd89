"""What every use case of the goals service shares: the caller as an actor, the authorization
policy, the kernel's command handler per decider, and the clock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from trellis_goals.domain.authorization import Action, Actor, Subject, authorize
from trellis_goals.event_codec import GoalsCodec
from trellis_kernel.commands import CommandHandler, Decide, Outcome, Retry
from trellis_kernel.decider import Decider
from trellis_kernel.http import Forbidden, StaleVersion
from trellis_kernel.identity import Principal
from trellis_kernel.projections import Projection
from trellis_kernel.store import ConcurrencyConflict, EventMetadata, EventStore, Pool

C = TypeVar("C")
S = TypeVar("S")
E = TypeVar("E")

HR_ADMIN_ROLE = "hr_admin"
SYSTEM_ACTOR = "trellis-goals-scheduler"
"""The principal recorded on events the service decides on its own (missed milestones)."""

RETRY_RACES = Retry(on_version_conflict=True, attempts=5)
"""A caller who names no ``expected_version`` acts on whatever is current: when another writer
gets in between our read and our append, read again and decide again."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def actor_of(principal: Principal) -> Actor:
    if not principal.organisation_id:
        raise Forbidden("the token names no organisation")
    return Actor(principal.subject, principal.organisation_id, principal.has_role(HR_ADMIN_ROLE))


def require(actor: Actor, action: Action, subject: Subject) -> None:
    decision = authorize(actor, action, subject)
    if not decision.allowed:
        raise Forbidden(decision.reason)


def decide_in_turn(decider: Decider[C, S, E], state: S, commands: Sequence[C]) -> list[E]:
    """The events of several commands, each decided on the state the ones before it left."""
    events: list[E] = []
    for command in commands:
        decided = decider.decide(command, state)
        for event in decided:
            state = decider.evolve(state, event)
        events.extend(decided)
    return events


@dataclass
class Services:
    """The pool, the event store, the codec (personal fields sealed with each person's data key),
    the read models, the clock and one command handler per decider."""

    pool: Pool
    codec: GoalsCodec
    read_models: tuple[Projection, ...]
    clock: Callable[[], datetime] = utc_now
    store: EventStore = field(init=False)
    _handlers: dict[int, CommandHandler[Any, Any, Any]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.store = EventStore(self.pool)

    def handler(self, decider: Decider[C, S, E]) -> CommandHandler[C, S, E]:
        """The kernel's command handler for one of the service's deciders, with the read models
        applied in every append's transaction."""
        handler = self._handlers.get(id(decider))
        if handler is None:
            handler = CommandHandler(
                self.store, decider, self.codec, projections=self.read_models, retry=RETRY_RACES
            )
            self._handlers[id(decider)] = handler
        return handler

    async def manager_of(self, organisation_id: str, employee_id: str) -> str | None:
        manager: str | None = await self.pool.fetchval(
            "SELECT manager_id FROM reporting_lines WHERE organisation_id = $1 AND employee_id = $2",
            organisation_id,
            employee_id,
        )
        return manager

    async def employee_subject(self, actor: Actor, employee_id: str) -> Subject:
        """The employee of the actor's organisation, with their current manager."""
        manager = await self.manager_of(actor.organisation_id, employee_id)
        return Subject(actor.organisation_id, employee_id, manager)


async def run(
    handler: CommandHandler[C, S, E],
    stream_id: str,
    decide: Decide[S, E],
    *,
    principal: str,
    expected_version: int | None,
    retry: Retry | None = None,
    command: str | None = None,
) -> Outcome[S, E]:
    """``handler.handle_with``, a stale ``expected_version`` answered as StaleVersion (409);
    ``command`` names it in metrics and traces."""
    try:
        return await handler.handle_with(
            stream_id,
            decide,
            metadata=EventMetadata(principal=principal),
            expected_version=expected_version,
            retry=retry,
            command=command,
        )
    except ConcurrencyConflict as conflict:
        expected = conflict.expected if isinstance(conflict.expected, int) else 0
        raise StaleVersion(stream_id, expected, conflict.current_version) from conflict
