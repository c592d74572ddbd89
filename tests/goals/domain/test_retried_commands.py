"""A retried command with a client-chosen id: found where its id was first used, and told apart
from a different command that reuses the id."""

from __future__ import annotations

from dataclasses import replace

from tests.goals.domain.builders import EMPLOYEE, GOAL, MANAGER, NOW, agree, later, propose, review, terms
from trellis_contracts.goals import Alignment, MilestoneProgress
from trellis_goals.domain.goal import goal_decider
from trellis_goals.domain.goal.commands import (
    AlignGoal,
    CompleteGoal,
    HandOverGoal,
    KeepGoal,
    PlanDevelopmentActivity,
    RecordCheckIn,
)
from trellis_goals.domain.goal.repeats import first_use, same_request, what_the_id_names
from trellis_kernel.testing import replay


def check_in(**overrides: object) -> RecordCheckIn:
    command = RecordCheckIn(
        goal_id=GOAL,
        check_in_id="ci_1",
        recorded_by=MANAGER,
        progress_summary="Course half done",
        milestone_progress=(MilestoneProgress(milestone_id="ms_1", progress_percent=50),),
        now=later(3),
    )
    return replace(command, **overrides)  # type: ignore[arg-type]


def test_a_retried_check_in_is_the_same_request_on_a_later_day() -> None:
    before = replay(goal_decider, propose(), agree())
    recorded = replay(goal_decider, check_in(), history=before)[len(before) :]
    assert len(recorded) == 2  # the check-in and the progress it reported
    state = goal_decider.fold(before)

    assert first_use(check_in(), [*before, *recorded]) == len(before)
    assert same_request(check_in(now=later(9)), state, recorded)
    assert not same_request(check_in(progress_summary="Course done"), state, recorded)
    assert not same_request(check_in(recorded_by=EMPLOYEE), state, recorded)
    changed = (MilestoneProgress(milestone_id="ms_1", progress_percent=60),)
    assert not same_request(check_in(milestone_progress=changed), state, recorded)
    assert first_use(check_in(check_in_id="ci_2"), [*before, *recorded]) is None
    assert what_the_id_names(check_in()) == "check-in 'ci_1'"


def test_a_proposal_is_the_same_request_whatever_the_manager_is_now() -> None:
    recorded = replay(goal_decider, propose())
    assert first_use(propose(), recorded) == 0
    assert first_use(propose(), []) is None
    assert same_request(propose(manager_id="mgr_2", now=later(2)), None, recorded)
    assert not same_request(propose(terms=terms(title="Master Figma")), None, recorded)
    assert what_the_id_names(propose()) == f"goal {GOAL!r}"


def test_a_review_and_its_outcome_are_compared_whole() -> None:
    before = replay(goal_decider, propose(), agree())
    done = review(CompleteGoal(achieved_value=5), now=later(10))
    recorded = replay(goal_decider, done, history=before)[len(before) :]
    state = goal_decider.fold(before)
    assert first_use(done, [*before, *recorded]) == len(before)
    assert same_request(replace(done, now=later(11)), state, recorded)
    assert not same_request(review(CompleteGoal(achieved_value=4), now=later(10)), state, recorded)
    assert not same_request(review(KeepGoal(), now=later(10)), state, recorded)


def test_a_hand_over_appended_with_the_first_use_is_part_of_it() -> None:
    before = replay(goal_decider, propose(), agree())
    recorded = replay(
        goal_decider, HandOverGoal(goal_id=GOAL, manager_id="mgr_2", now=NOW), check_in(), history=before
    )[len(before) :]
    state = goal_decider.fold(before)
    assert first_use(check_in(), [*before, *recorded]) == len(before) + 1
    # Decided again on the goal as the hand-over left it: the check-in names the new manager.
    assert same_request(check_in(), state, recorded)
    assert not same_request(check_in(progress_summary="Other"), state, recorded)


def test_activities_are_recognised_by_their_id() -> None:
    before = replay(goal_decider, propose(), agree())
    activity = PlanDevelopmentActivity(
        goal_id=GOAL,
        activity_id="act_1",
        kind="training",
        title="Photoshop course",
        due_date=later(20).date(),
        planned_by=EMPLOYEE,
        now=NOW,
    )
    recorded = replay(goal_decider, activity, history=before)[len(before) :]
    state = goal_decider.fold(before)
    assert first_use(activity, [*before, *recorded]) == len(before)
    assert same_request(activity, state, recorded)
    assert not same_request(replace(activity, title="Figma course"), state, recorded)
    assert what_the_id_names(activity) == "activity 'act_1'"
    assert what_the_id_names(review(KeepGoal(), review_id="rev_7")) == "review 'rev_7'"


def test_a_retry_the_goal_would_refuse_now_is_not_the_same_request() -> None:
    before = replay(goal_decider, propose(), agree())
    recorded = replay(goal_decider, check_in(), history=before)[len(before) :]
    assert not same_request(check_in(progress_summary=" "), goal_decider.fold(before), recorded)


def test_commands_without_a_chosen_id_have_no_first_use() -> None:
    history = replay(goal_decider, propose(), agree())
    align = AlignGoal(
        goal_id=GOAL,
        aligned_by=MANAGER,
        alignment=Alignment(kind="organisational_objective", target_id="okr_1"),
        now=NOW,
    )
    assert first_use(align, history) is None
    assert not same_request(align, goal_decider.fold(history), [])
