"""Use cases of the goal aggregate: proposing, every command on a goal, reading its stream, and
the sweep that marks passed milestones missed.

Every command on a goal is decided after handing the goal over to the employee's current
manager (the reporting line), in the same append. A command whose client-chosen id was used
before answers as it did then when it is the same request, and 409 when it is not (see
``domain/goal/repeats.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Any, Final

from trellis_contracts.goals import GoalEvent, GoalMetric, GoalTerms, MilestoneMissed, MilestonePlan
from trellis_goals.application.common import SYSTEM_ACTOR, Services, decide_in_turn, require, run
from trellis_goals.domain.authorization import Action, Actor, Subject
from trellis_goals.domain.career_tracks import career_tracks_decider, propose_from_template
from trellis_goals.domain.goal import commands as c
from trellis_goals.domain.goal import goal_decider
from trellis_goals.domain.goal.repeats import first_use, same_request, what_the_id_names
from trellis_goals.domain.goal.state import GoalState
from trellis_goals.streams import career_tracks_stream, goal_stream
from trellis_kernel.commands import NO_RETRY, Loaded, Outcome
from trellis_kernel.decider import DomainError
from trellis_kernel.http import IdConflict, NotFound, StaleVersion
from trellis_kernel.store import ConcurrencyConflict, StoredEvent

logger = logging.getLogger(__name__)

ACTIONS: Final[dict[type[Any], Action]] = {
    c.ReproposeGoal: "propose_goal",
    c.AgreeToGoal: "agree_to_goal",
    c.RequestGoalChanges: "request_goal_changes",
    c.WithdrawProposal: "withdraw_proposal",
    c.AlignGoal: "align_goal",
    c.UnalignGoal: "align_goal",
    c.AdjustGoal: "adjust_goal",
    c.AddMilestone: "add_milestone",
    c.RescheduleMilestone: "reschedule_milestone",
    c.UpdateMilestoneProgress: "update_milestone_progress",
    c.ReachMilestone: "reach_milestone",
    c.MarkOverdueMilestones: "mark_overdue_milestones",
    c.RecordCheckIn: "record_check_in",
    c.ReviewGoal: "review_goal",
    c.PlanDevelopmentActivity: "manage_development_activity",
    c.StartDevelopmentActivity: "manage_development_activity",
    c.CompleteDevelopmentActivity: "manage_development_activity",
    c.CancelDevelopmentActivity: "manage_development_activity",
}
"""What the actor must be allowed to do for each command on an existing goal."""

GoalOutcome = Outcome[GoalState, GoalEvent]


class _Repeated(Exception):
    def __init__(self, outcome: GoalOutcome) -> None:
        self.outcome = outcome


def first_append(stored: Sequence[StoredEvent], index: int) -> tuple[int, int]:
    """The slice [start, end) of the append that stored event ``index`` belongs to (the events
    one transaction wrote to the stream)."""
    transaction = stored[index].position.transaction_id
    start, end = index, index + 1
    while start > 0 and stored[start - 1].position.transaction_id == transaction:
        start -= 1
    while end < len(stored) and stored[end].position.transaction_id == transaction:
        end += 1
    return start, end


class Goals:
    def __init__(self, services: Services) -> None:
        self._services = services
        self.commands = services.handler(goal_decider)

    async def propose(
        self,
        actor: Actor,
        *,
        goal_id: str,
        employee_id: str,
        terms: GoalTerms,
        milestones: tuple[MilestonePlan, ...] = (),
        career_track_id: str | None = None,
        template_id: str | None = None,
    ) -> GoalOutcome:
        manager_id = await self._proposal_manager(actor, employee_id)
        command = c.ProposeGoal(
            goal_id=goal_id,
            organisation_id=actor.organisation_id,
            employee_id=employee_id,
            manager_id=manager_id,
            proposed_by=actor.user_id,
            terms=terms,
            milestones=milestones,
            career_track_id=career_track_id,
            template_id=template_id,
            now=self._services.clock(),
        )
        return await self._run(actor, command, expected_version=None)

    async def propose_from_template(
        self,
        actor: Actor,
        *,
        goal_id: str,
        employee_id: str,
        track_id: str,
        template_id: str,
        metric: GoalMetric | None = None,
    ) -> GoalOutcome:
        manager_id = await self._proposal_manager(actor, employee_id)
        catalogue = await self._services.handler(career_tracks_decider).load(
            career_tracks_stream(actor.organisation_id)
        )
        command = propose_from_template(
            catalogue.state,
            track_id=track_id,
            template_id=template_id,
            goal_id=goal_id,
            employee_id=employee_id,
            manager_id=manager_id,
            proposed_by=actor.user_id,
            metric=metric,
            now=self._services.clock(),
        )
        return await self._run(actor, command, expected_version=None)

    async def _proposal_manager(self, actor: Actor, employee_id: str) -> str:
        """The manager a proposal is made to: the reporting line's, not the caller's choice."""
        subject = await self._services.employee_subject(actor, employee_id)
        require(actor, "propose_goal", subject)
        if subject.manager_id is None:
            raise DomainError(
                "The employee has no manager to agree the goal with; an HR admin sets one first",
                field="employee_id",
            )
        return subject.manager_id

    async def act(self, actor: Actor, command: c.GoalCommand, expected_version: int | None) -> GoalOutcome:
        """Any command on an existing goal of the actor's organisation."""
        return await self._run(actor, command, expected_version)

    async def _run(
        self, actor: Actor, command: c.GoalCommand, expected_version: int | None, *, system: bool = False
    ) -> GoalOutcome:
        organisation_id = actor.organisation_id
        stream = goal_stream(organisation_id, command.goal_id)
        proposing = isinstance(command, c.ProposeGoal | c.ProposeGoalFromTemplate)

        async def decide(loaded: Loaded[GoalState, GoalEvent]) -> list[GoalEvent]:
            goal = loaded.state
            if goal is None and not proposing:
                raise NotFound(f"there is no goal {command.goal_id!r}")
            manager = None
            if goal is not None:
                manager = await self._services.manager_of(goal.organisation_id, goal.employee_id)
                if not proposing and not system:
                    subject = Subject(goal.organisation_id, goal.employee_id, manager)
                    require(actor, ACTIONS[type(command)], subject)
            self._answer_a_repeat(command, loaded)
            # Who may act and whether it is a retry come first, then whether they saw the
            # current version.
            if expected_version is not None and expected_version != loaded.version:
                raise ConcurrencyConflict(stream, expected_version, loaded.version)
            hand_over = (
                [c.HandOverGoal(goal_id=command.goal_id, manager_id=manager, now=command.now)]
                if manager is not None and not proposing
                else []
            )
            return decide_in_turn(goal_decider, loaded.state, [*hand_over, command])

        try:
            return await run(
                self.commands,
                stream,
                decide,
                principal=SYSTEM_ACTOR if system else actor.user_id,
                expected_version=expected_version,
                retry=NO_RETRY if system else None,
                command=type(command).__name__,
            )
        except _Repeated as repeated:
            return repeated.outcome

    def _answer_a_repeat(self, command: c.GoalCommand, loaded: Loaded[GoalState, GoalEvent]) -> None:
        index = first_use(command, loaded.events)
        if index is None:
            return
        start, end = first_append(loaded.stored, index)
        before = goal_decider.fold(loaded.events[:start])
        recorded = loaded.events[start:end]
        if same_request(command, before, recorded):
            raise _Repeated(
                Outcome(loaded.stream_id, loaded.stored[end - 1].version, recorded, loaded.state, ())
            )
        named = what_the_id_names(command)
        if isinstance(command, c.ProposeGoal | c.ProposeGoalFromTemplate):
            raise IdConflict(f"{named} already exists")
        raise IdConflict(f"{named} was already recorded, with different content: choose another id")

    async def events(self, actor: Actor, goal_id: str) -> Loaded[GoalState, GoalEvent]:
        """The goal's stream, for the queries that read its history, once the actor may see it."""
        loaded = await self.commands.load(goal_stream(actor.organisation_id, goal_id))
        goal = loaded.state
        if goal is None:
            raise NotFound(f"there is no goal {goal_id!r}")
        manager = await self._services.manager_of(goal.organisation_id, goal.employee_id)
        require(actor, "view_goals", Subject(goal.organisation_id, goal.employee_id, manager))
        return loaded

    async def sweep_overdue_milestones(self) -> int:
        """Mark every passed, unreached milestone of every active goal missed; returns how many.

        Reads the open deadlines of the read model, so it touches only the goals with a milestone
        that fell due and is not marked missed yet. Safe to run from several replicas at once: a
        sweep that loses the race for a goal skips it, and the domain never misses a milestone
        twice.
        """
        now = self._services.clock()
        missed = 0
        for organisation_id, goal_id in await self._fallen_due(now.date()):
            system = Actor(SYSTEM_ACTOR, organisation_id)
            command = c.MarkOverdueMilestones(goal_id=goal_id, now=now)
            try:
                outcome = await self._run(system, command, None, system=True)
            except (StaleVersion, NotFound):
                continue
            missed += sum(isinstance(e, MilestoneMissed) for e in outcome.events)
        return missed

    async def _fallen_due(self, today: date) -> list[tuple[str, str]]:
        rows = await self._services.pool.fetch(
            "SELECT DISTINCT organisation_id, goal_id FROM goal_deadlines"
            " WHERE item_kind = 'milestone' AND NOT missed AND due_date < $1"
            " ORDER BY organisation_id, goal_id",
            today,
        )
        return [(row["organisation_id"], row["goal_id"]) for row in rows]
