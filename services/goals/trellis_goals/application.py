"""The goals service's use cases: load a stream, check who may act, decide, append.

Everything here is orchestration; the rules live in ``domain/`` and the views in
``projections/``. Loading, deciding, appending (with the inline read tables) and deciding again
after losing a race are the kernel's CommandHandler. The clock is read here (and only here),
then passed into commands.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from trellis_contracts.goals import MilestoneMissed
from trellis_goals import read_tables
from trellis_goals.domain.authorization import Action, Actor, Subject, authorize
from trellis_goals.domain.career_choice import (
    CareerChoiceState,
    ChooseCareerTrack,
    career_choice_decider,
)
from trellis_goals.domain.career_tracks import (
    CareerTrackCatalogue,
    CareerTrackCommand,
    career_tracks_decider,
)
from trellis_goals.domain.goal import goal_decider
from trellis_goals.domain.goal.commands import (
    GoalCommand,
    HandOverGoal,
    MarkOverdueMilestones,
    ProposeGoal,
)
from trellis_goals.domain.goal.state import Goal, GoalEvent
from trellis_goals.domain.reporting_line import (
    ChangeReportingLine,
    ReportingLineState,
    reporting_line_decider,
)
from trellis_goals.domain.vision import (
    DefineVision,
    ReviseVision,
    VisionState,
    VisionStatement,
    vision_decider,
)
from trellis_goals.event_codec import GOALS_CODEC
from trellis_goals.projections.goal_record import GoalRecord, goal_record
from trellis_goals.projections.progress import (
    EmployeeProgress,
    GoalProgress,
    employee_progress,
    goal_progress,
)
from trellis_goals.projections.team import TeamView, team_view
from trellis_goals.streams import (
    career_choice_stream,
    career_tracks_stream,
    goal_stream,
    reporting_line_stream,
    vision_stream,
)
from trellis_kernel.commands import NO_RETRY, CommandHandler, Loaded, Outcome, Retry
from trellis_kernel.decider import Decider, DomainError
from trellis_kernel.http import Forbidden, NotFound, StaleVersion
from trellis_kernel.identity import Principal
from trellis_kernel.store import ConcurrencyConflict, EventMetadata, EventStore, Pool

__all__ = ["Forbidden", "GoalsApplication", "Loaded", "NotFound", "Outcome", "StaleVersion"]

C = TypeVar("C")
S = TypeVar("S")
E = TypeVar("E")

HR_ADMIN_ROLE = "hr_admin"
SYSTEM_ACTOR = "trellis-goals-scheduler"
"""The principal recorded on events the service decides on its own (missed milestones)."""


RACE_ATTEMPTS = 5
RETRY_RACES = Retry(on_version_conflict=True, attempts=RACE_ATTEMPTS)
"""A caller who names no ``expected_version`` acts on whatever is current: when another writer
gets in between our read and our append, read again and decide again."""

Step = Any
"""A command, or a function building one from the state the steps before it left."""


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


class GoalsApplication:
    def __init__(self, pool: Pool, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.pool = pool
        self.store = EventStore(pool)
        self.clock = clock
        self._handlers: dict[int, CommandHandler[Any, Any, Any]] = {}

    async def setup(self) -> None:
        await self.store.setup()
        await read_tables.setup(self.pool)

    # --- the generic steps ---------------------------------------------------------------------

    def commands(self, decider: Decider[C, S, E]) -> CommandHandler[C, S, E]:
        """The kernel's command handler for one of the service's deciders, with the read tables
        applied in every append's transaction."""
        handler = self._handlers.get(id(decider))
        if handler is None:
            handler = CommandHandler(
                self.store, decider, GOALS_CODEC, projections=read_tables.PROJECTIONS, retry=RETRY_RACES
            )
            self._handlers[id(decider)] = handler
        return handler

    async def load(self, stream_id: str, decider: Decider[Any, S, Any]) -> Loaded[S, Any]:
        return await self.commands(decider).load(stream_id)

    async def execute(
        self,
        decider: Decider[C, S, E],
        stream_id: str,
        steps: Callable[[Loaded[S, E]], Awaitable[Sequence[Step]]],
        *,
        actor: Actor,
        expected_version: int | None,
        retry: Retry = RETRY_RACES,
    ) -> Outcome[S, E]:
        """Load the stream, ask ``steps`` (which may check who may act) for the commands, decide
        each against the state the previous ones left (a step may be built from that state),
        and append all their events at once (or none); start over after losing a race unless
        the caller named ``expected_version``."""

        async def decide(loaded: Loaded[S, E]) -> list[E]:
            events: list[E] = []
            state = loaded.state
            commands = await steps(loaded)
            # Who may act comes first (steps), then whether they saw the current version.
            if expected_version is not None and expected_version != loaded.version:
                raise ConcurrencyConflict(stream_id, expected_version, loaded.version)
            for step in commands:
                decided = decider.decide(step(state) if callable(step) else step, state)
                for event in decided:
                    state = decider.evolve(state, event)
                events.extend(decided)
            return events

        try:
            return await self.commands(decider).handle_with(
                stream_id,
                decide,
                metadata=EventMetadata(principal=actor.user_id),
                expected_version=expected_version,
                retry=retry,
            )
        except ConcurrencyConflict as conflict:
            expected = conflict.expected if isinstance(conflict.expected, int) else 0
            raise StaleVersion(stream_id, expected, conflict.current_version) from conflict

    async def manager_of(self, organisation_id: str, employee_id: str) -> str | None:
        return await read_tables.manager_of(self.pool, organisation_id, employee_id)

    async def employee_subject(self, actor: Actor, employee_id: str) -> Subject:
        manager = await self.manager_of(actor.organisation_id, employee_id)
        return Subject(actor.organisation_id, employee_id, manager)

    async def _employee_stream(
        self,
        actor: Actor,
        action: Action,
        employee_id: str,
        stream: Callable[[str], str],
        decider: Decider[Any, S, Any],
    ) -> Loaded[S, Any]:
        """One employee's stream, once the actor may act on it."""
        require(actor, action, await self.employee_subject(actor, employee_id))
        loaded = await self.load(stream(employee_id), decider)
        self._same_organisation(actor, loaded)
        return loaded

    @staticmethod
    def _same_organisation(actor: Actor, loaded: Loaded[Any, Any]) -> None:
        # Per-employee streams are keyed by employee id alone: refuse one another tenant wrote.
        organisation_id = getattr(loaded.state, "organisation_id", None)
        if organisation_id is not None and organisation_id != actor.organisation_id:
            raise NotFound(f"nothing at {loaded.stream_id!r} in this organisation")

    async def _employee_command(
        self,
        actor: Actor,
        action: Action,
        employee_id: str,
        stream: Callable[[str], str],
        decider: Decider[C, S, E],
        build: Callable[[Loaded[S, E]], Awaitable[C]],
        expected_version: int | None,
    ) -> Outcome[S, E]:
        """A command on one employee's stream, once the actor may act on it."""

        async def steps(loaded: Loaded[S, E]) -> list[Step]:
            require(actor, action, await self.employee_subject(actor, employee_id))
            self._same_organisation(actor, loaded)
            return [await build(loaded)]

        return await self.execute(
            decider, stream(employee_id), steps, actor=actor, expected_version=expected_version
        )

    # --- goals ------------------------------------------------------------------------------------

    async def _authorised_goal(
        self, actor: Actor, loaded: Loaded[Goal | None, Any], action: Action
    ) -> str | None:
        """The goal's employee's current manager, once the actor may act on the goal."""
        goal = loaded.state
        if goal is None:
            raise NotFound(f"there is no goal {loaded.stream_id.removeprefix('goal-')!r}")
        manager = await self.manager_of(goal.organisation_id, goal.employee_id)
        require(actor, action, Subject(goal.organisation_id, goal.employee_id, manager))
        return manager

    async def _goal(
        self, actor: Actor, goal_id: str, action: Action
    ) -> tuple[Loaded[Goal | None, Any], str | None]:
        """The goal's stream and the employee's current manager, once the actor may act."""
        loaded = await self.load(goal_stream(goal_id), goal_decider)
        return loaded, await self._authorised_goal(actor, loaded, action)

    @staticmethod
    def _hand_over(goal_id: str, manager_id: str | None, now: datetime) -> tuple[GoalCommand, ...]:
        """A goal follows its employee's reporting line before anything else is decided (the
        domain records nothing for a closed goal or one that already has that manager)."""
        if manager_id is None:
            return ()
        return (HandOverGoal(goal_id=goal_id, manager_id=manager_id, now=now),)

    async def propose_new_goal(
        self,
        actor: Actor,
        employee_id: str,
        goal_id: str,
        build: Callable[[str, datetime], ProposeGoal],
    ) -> Outcome[Any, Any]:
        """``build(manager_id, now)``: the manager comes from the reporting line, not the caller."""
        subject = await self.employee_subject(actor, employee_id)
        require(actor, "propose_goal", subject)
        manager_id = subject.manager_id
        if manager_id is None:
            raise DomainError(
                "The employee has no manager to agree the goal with; an HR admin sets one first",
                field="employee_id",
            )

        async def steps(_: Loaded[Any, Any]) -> list[Step]:
            return [build(manager_id, self.clock())]

        return await self.execute(goal_decider, goal_stream(goal_id), steps, actor=actor, expected_version=0)

    async def goal_command(
        self,
        actor: Actor,
        goal_id: str,
        action: Action,
        build: Callable[[Goal, datetime], GoalCommand],
        expected_version: int | None,
    ) -> Outcome[Any, Any]:
        """``build(goal, now)`` gets the goal as handing it over to the current manager left it."""

        async def steps(loaded: Loaded[Any, Any]) -> list[Step]:
            manager = await self._authorised_goal(actor, loaded, action)
            now = self.clock()

            def handed_over(goal: Goal | None) -> GoalCommand:
                assert goal is not None
                return build(goal, now)

            return [*self._hand_over(goal_id, manager, now), handed_over]

        return await self.execute(
            goal_decider, goal_stream(goal_id), steps, actor=actor, expected_version=expected_version
        )

    async def sweep_overdue_milestones(self) -> int:
        """Mark every passed, unreached milestone of every active goal missed; returns how many.

        Safe to run from several replicas at once: a sweep that loses the race for a goal
        skips it, and the domain never misses a milestone twice.
        """
        system = Actor(SYSTEM_ACTOR, "")
        missed = 0
        for goal_id in await read_tables.active_goal_ids(self.pool):

            async def steps(loaded: Loaded[Any, Any], goal_id: str = goal_id) -> list[Step]:
                goal = loaded.state
                if goal is None:
                    return []
                now = self.clock()
                manager = await self.manager_of(goal.organisation_id, goal.employee_id)
                return [
                    *self._hand_over(goal_id, manager, now),
                    MarkOverdueMilestones(goal_id=goal_id, now=now),
                ]

            try:
                outcome = await self.execute(
                    goal_decider,
                    goal_stream(goal_id),
                    steps,
                    actor=system,
                    expected_version=None,
                    retry=NO_RETRY,
                )
            except StaleVersion:
                continue
            missed += sum(isinstance(e, MilestoneMissed) for e in outcome.events)
        return missed

    async def goal_events(self, actor: Actor, goal_id: str) -> Loaded[Goal | None, Any]:
        loaded, _ = await self._goal(actor, goal_id, "view_goals")
        return loaded

    async def _records(self, organisation_id: str, employee_ids: Sequence[str] | None) -> list[GoalRecord]:
        """The goals of these employees (of everyone in the organisation for None)."""
        goal_ids = await read_tables.goal_ids_of(self.pool, organisation_id, employee_ids)
        # One read per goal, run side by side over the pool's connections.
        streams = await asyncio.gather(*(self.store.read_stream(goal_stream(g)) for g in goal_ids))
        records = []
        for stored in streams:
            events: list[GoalEvent] = [GOALS_CODEC.decode(s) for s in stored]
            record = goal_record(events)
            if record is not None:
                records.append(record)
        return records

    async def employee_progress(self, actor: Actor, employee_id: str, today: date) -> EmployeeProgress:
        require(actor, "view_goals", await self.employee_subject(actor, employee_id))
        records = await self._records(actor.organisation_id, [employee_id])
        return employee_progress(records, employee_id, today)

    async def organisation_goals(self, actor: Actor, today: date) -> list[GoalProgress]:
        """Every goal of the actor's organisation, by employee then due date: for HR admins."""
        require(actor, "view_goals", Subject(actor.organisation_id))
        records = await self._records(actor.organisation_id, None)
        goals = [goal_progress(record, today) for record in records]
        return sorted(goals, key=lambda g: (g.employee_id, g.due_date, g.goal_id))

    async def team(self, actor: Actor, manager_id: str, today: date) -> TeamView:
        if actor.user_id != manager_id and not actor.hr_admin:
            raise Forbidden("only the manager or an HR admin sees a manager's team")
        lines = await read_tables.reporting_lines_of(self.pool, actor.organisation_id, manager_id)
        records = await self._records(actor.organisation_id, list(lines))
        return team_view(records, lines, manager_id, today)

    # --- vision -------------------------------------------------------------------------------------

    async def record_vision(
        self,
        actor: Actor,
        employee_id: str,
        statement: VisionStatement,
        expected_version: int | None,
    ) -> Outcome[Any, Any]:
        async def build(loaded: Loaded[VisionState, Any]) -> Any:
            kind = DefineVision if loaded.state is None else ReviseVision
            return kind(
                organisation_id=actor.organisation_id,
                employee_id=employee_id,
                statement=statement,
                now=self.clock(),
            )

        return await self._employee_command(
            actor, "edit_vision", employee_id, vision_stream, vision_decider, build, expected_version
        )

    async def vision(self, actor: Actor, employee_id: str) -> Loaded[VisionState, Any]:
        loaded = await self._employee_stream(actor, "view_vision", employee_id, vision_stream, vision_decider)
        if loaded.state is None:
            raise NotFound(f"{employee_id!r} has no vision statement yet")
        return loaded

    # --- career tracks -------------------------------------------------------------------------------

    async def career_tracks(self, actor: Actor) -> Loaded[CareerTrackCatalogue, Any]:
        require(actor, "view_career_tracks", Subject(actor.organisation_id))
        return await self.load(career_tracks_stream(actor.organisation_id), career_tracks_decider)

    async def change_career_tracks(
        self,
        actor: Actor,
        build: Callable[[datetime], CareerTrackCommand],
        expected_version: int | None,
    ) -> Outcome[Any, Any]:
        require(actor, "define_career_track", Subject(actor.organisation_id))

        async def steps(_: Loaded[Any, Any]) -> list[Step]:
            return [build(self.clock())]

        return await self.execute(
            career_tracks_decider,
            career_tracks_stream(actor.organisation_id),
            steps,
            actor=actor,
            expected_version=expected_version,
        )

    async def choose_career_track(
        self, actor: Actor, employee_id: str, track_id: str, expected_version: int | None
    ) -> Outcome[Any, Any]:
        async def build(_: Loaded[CareerChoiceState, Any]) -> ChooseCareerTrack:
            catalogue = await self.load(career_tracks_stream(actor.organisation_id), career_tracks_decider)
            return ChooseCareerTrack(
                organisation_id=actor.organisation_id,
                employee_id=employee_id,
                track_id=track_id,
                chosen_by=actor.user_id,
                offered_track_ids=catalogue.state.track_ids(),
                now=self.clock(),
            )

        return await self._employee_command(
            actor,
            "choose_career_track",
            employee_id,
            career_choice_stream,
            career_choice_decider,
            build,
            expected_version,
        )

    async def career_choice(self, actor: Actor, employee_id: str) -> Loaded[CareerChoiceState, Any]:
        return await self._employee_stream(
            actor, "view_career_choice", employee_id, career_choice_stream, career_choice_decider
        )

    # --- reporting lines ------------------------------------------------------------------------------

    async def change_reporting_line(
        self,
        actor: Actor,
        employee_id: str,
        manager_id: str | None,
        expected_version: int | None,
    ) -> Outcome[Any, Any]:
        async def build(_: Loaded[ReportingLineState, Any]) -> ChangeReportingLine:
            return ChangeReportingLine(
                organisation_id=actor.organisation_id,
                employee_id=employee_id,
                manager_id=manager_id,
                changed_by=actor.user_id,
                now=self.clock(),
            )

        return await self._employee_command(
            actor,
            "change_reporting_line",
            employee_id,
            reporting_line_stream,
            reporting_line_decider,
            build,
            expected_version,
        )

    async def reporting_line(self, actor: Actor, employee_id: str) -> Loaded[ReportingLineState, Any]:
        return await self._employee_stream(
            actor,
            "view_reporting_line",
            employee_id,
            reporting_line_stream,
            reporting_line_decider,
        )
