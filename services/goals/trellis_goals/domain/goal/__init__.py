"""The goal aggregate: a SMART goal from proposal through agreement, milestones and reviews."""

from trellis_goals.domain.goal.commands import GoalCommand
from trellis_goals.domain.goal.decide import decide_goal
from trellis_goals.domain.goal.state import GoalEvent, GoalState, evolve_goal, initial_goal_state
from trellis_kernel.decider import Decider

goal_decider: Decider[GoalCommand, GoalState, GoalEvent] = Decider(
    decide=decide_goal, evolve=evolve_goal, initial_state=initial_goal_state
)

__all__ = ["goal_decider"]
