"""What a command on a goal leads to: the events it causes, or a DomainError saying why not.

Each concern decides in its own module: ``agreement`` (proposals, answers, withdrawal, a new
manager), ``alignment``, ``terms`` (adjusting), ``milestones``, ``conversations`` (check-ins and
reviews) and ``activities``; ``guards`` holds the checks they share.
"""

from __future__ import annotations

from collections.abc import Sequence

from trellis_contracts.goals import GoalEvent
from trellis_goals.domain.goal import activities, agreement, alignment, conversations, milestones
from trellis_goals.domain.goal.commands import (
    AddMilestone,
    AdjustGoal,
    AgreeToGoal,
    AlignGoal,
    CancelDevelopmentActivity,
    CompleteDevelopmentActivity,
    GoalCommand,
    HandOverGoal,
    MarkOverdueMilestones,
    PlanDevelopmentActivity,
    ProposeGoal,
    ProposeGoalFromTemplate,
    ReachMilestone,
    RecordCheckIn,
    ReproposeGoal,
    RequestGoalChanges,
    RescheduleMilestone,
    ReviewGoal,
    StartDevelopmentActivity,
    UnalignGoal,
    UpdateMilestoneProgress,
    WithdrawProposal,
)
from trellis_goals.domain.goal.guards import existing, require_active
from trellis_goals.domain.goal.state import GoalState
from trellis_goals.domain.goal.terms import adjust_terms
from trellis_goals.domain.rules import require_aware


def decide_goal(command: GoalCommand, state: GoalState) -> Sequence[GoalEvent]:
    require_aware(command.now)
    if isinstance(command, ProposeGoal):
        return agreement.propose(command, state)
    if isinstance(command, ProposeGoalFromTemplate):
        return agreement.propose(agreement.from_template(command), state)
    goal = existing(state, command.goal_id)
    match command:
        case ReproposeGoal():
            return agreement.repropose(command, goal)
        case AgreeToGoal():
            return agreement.agree(command, goal)
        case RequestGoalChanges():
            return agreement.request_changes(command, goal)
        case WithdrawProposal():
            return agreement.withdraw(command, goal)
        case HandOverGoal():
            return agreement.hand_over(command, goal)
        case AlignGoal():
            return alignment.align(command, goal)
        case UnalignGoal():
            return alignment.unalign(command, goal)
        case AdjustGoal():
            require_active(goal)
            return adjust_terms(goal, command.adjusted_by, command.reason, command.changes, command.now)
        case AddMilestone():
            return milestones.add_milestone(goal, command.added_by, command.milestone, command.now)
        case RescheduleMilestone():
            return milestones.reschedule(command, goal)
        case UpdateMilestoneProgress():
            return milestones.update_progress(command, goal)
        case ReachMilestone():
            return milestones.reach(command, goal)
        case MarkOverdueMilestones():
            return milestones.mark_overdue(command, goal)
        case RecordCheckIn():
            return conversations.check_in(command, goal)
        case ReviewGoal():
            return conversations.review(command, goal)
        case PlanDevelopmentActivity():
            return activities.plan_activity(command, goal)
        case StartDevelopmentActivity():
            return activities.start_activity(command, goal)
        case CompleteDevelopmentActivity():
            return activities.complete_activity(command, goal)
        case CancelDevelopmentActivity():
            return activities.cancel_activity(command, goal)
