"""Check-ins and reviews: progress since last time, then adjust, complete or abandon."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.goals.domain.builders import (
    EMPLOYEE,
    GOAL,
    MANAGER,
    NOW,
    ORG,
    agree,
    plan,
    propose,
    reach,
    review,
    terms,
)
from trellis_contracts.goals import (
    AgreedAction,
    CheckInRecordedV2,
    GoalAbandonedV2,
    GoalAdjusted,
    GoalAdjustedV2,
    GoalCompletedV2,
    GoalMetric,
    GoalReviewed,
    GoalReviewedV2,
    MilestoneAddedV2,
    MilestoneProgress,
    MilestoneProgressUpdated,
    MilestoneRescheduledV2,
)
from trellis_goals.domain.goal import goal_decider
from trellis_goals.domain.goal.commands import (
    AbandonGoal,
    AdjustGoal,
    CompleteGoal,
    KeepGoal,
    NewMilestoneDate,
    RecordCheckIn,
    ReviseGoal,
    TermChanges,
    UpdateMilestoneProgress,
)
from trellis_goals.domain.goal.state import GoalEvent
from trellis_kernel.testing import given, replay

FEB_10 = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)


def active() -> list[GoalEvent]:
    return replay(goal_decider, propose(), agree())


def check_in(**overrides: object) -> RecordCheckIn:
    values: dict[str, object] = {
        "goal_id": GOAL,
        "check_in_id": "ci_1",
        "recorded_by": MANAGER,
        "progress_summary": "Finished half the course",
        "milestone_progress": (
            MilestoneProgress(milestone_id="ms_1", progress_percent=50),
            MilestoneProgress(milestone_id="ms_2", progress_percent=0),
        ),
        "blockers": ("No licence yet",),
        "resources_needed": ("Photoshop licence",),
        "agreed_actions": (
            AgreedAction(action="Order a licence", owner_id=MANAGER, due_date=date(2026, 1, 20)),
        ),
        "now": NOW,
    }
    values.update(overrides)
    return RecordCheckIn(**values)  # type: ignore[arg-type]


# --- check-ins -----------------------------------------------------------------------------------


def test_a_check_in_records_progress_blockers_and_agreed_actions() -> None:
    command = check_in()
    recorded, updated = given(goal_decider, *active()).when(command)
    assert recorded == CheckInRecordedV2(
        check_in_id="ci_1",
        goal_id=GOAL,
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        manager_id=MANAGER,
        recorded_by=MANAGER,
        progress_summary="Finished half the course",
        milestone_progress=command.milestone_progress,
        blockers=("No licence yet",),
        resources_needed=("Photoshop licence",),
        agreed_actions=command.agreed_actions,
        occurred_at=NOW,
    )
    # Only the milestone whose progress changed gets a progress event, tied to the check-in.
    assert isinstance(updated, MilestoneProgressUpdated)
    assert (updated.milestone_id, updated.progress_percent, updated.check_in_id) == (
        "ms_1",
        50,
        "ci_1",
    )


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (check_in(progress_summary="  "), "progress_summary"),
        (
            check_in(milestone_progress=(MilestoneProgress(milestone_id="ms_9", progress_percent=5),)),
            "milestone_progress[0].milestone_id",
        ),
        (
            check_in(
                milestone_progress=(
                    MilestoneProgress(milestone_id="ms_1", progress_percent=5),
                    MilestoneProgress(milestone_id="ms_1", progress_percent=6),
                )
            ),
            "milestone_progress",
        ),
        (check_in(blockers=(" ",)), "blockers[0]"),
        (
            check_in(
                agreed_actions=(AgreedAction(action="Late", owner_id=MANAGER, due_date=date(2026, 1, 14)),)
            ),
            "agreed_actions[0].due_date",
        ),
        (
            check_in(
                agreed_actions=(AgreedAction(action=" ", owner_id=MANAGER, due_date=date(2026, 1, 20)),)
            ),
            "agreed_actions[0].action",
        ),
    ],
    ids=["summary", "unknown-milestone", "milestone-twice", "blank-blocker", "action-past", "action-blank"],
)
def test_check_in_rules(command: RecordCheckIn, field: str) -> None:
    given(goal_decider, *active()).when_rejected(command, field=field)


def test_a_check_in_is_recorded_once() -> None:
    history = replay(goal_decider, check_in(), history=active())
    given(goal_decider, *history).when_rejected(check_in(), field="check_in_id")


def test_a_check_in_cannot_move_a_reached_milestone() -> None:
    history = replay(goal_decider, reach("ms_1", FEB_10), history=active())
    given(goal_decider, *history).when_rejected(
        check_in(now=FEB_10), field="milestone_progress[0].milestone_id", match="reached"
    )


# --- reviews ---------------------------------------------------------------------------------------


def test_a_review_may_keep_the_goal_as_it_is() -> None:
    assert given(goal_decider, *active()).when(review(KeepGoal())) == [
        GoalReviewedV2(
            review_id="rev_1",
            goal_id=GOAL,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            reviewed_by=MANAGER,
            outcome="continue",
            summary="Quarterly review",
            occurred_at=NOW,
        )
    ]


def test_a_review_adjusts_the_target_with_a_reason_and_says_what_changed() -> None:
    higher = GoalMetric(name="Visuals shipped per month", baseline=0, target=6)
    outcome = ReviseGoal(reason="Ahead of plan", changes=TermChanges(metric=higher))
    reviewed, adjusted = given(goal_decider, *active()).when(review(outcome))
    assert isinstance(reviewed, GoalReviewed) and reviewed.outcome == "adjusted"
    assert adjusted == GoalAdjustedV2(
        goal_id=GOAL,
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        manager_id=MANAGER,
        adjusted_by=MANAGER,
        reason="Ahead of plan",
        changed=("metric",),
        previous=terms(),
        current=terms(metric=higher),
        occurred_at=NOW,
    )


def test_a_review_moves_dates_and_adds_milestones() -> None:
    outcome = ReviseGoal(
        reason="Licence arrived late",
        changes=TermChanges(due_date=date(2026, 4, 30)),
        reschedule_milestones=(NewMilestoneDate(milestone_id="ms_2", due_date=date(2026, 4, 15)),),
        add_milestones=(plan("ms_3", date(2026, 4, 25)),),
    )
    events = given(goal_decider, *active()).when(review(outcome))
    assert [type(e) for e in events] == [
        GoalReviewedV2,
        GoalAdjustedV2,
        MilestoneRescheduledV2,
        MilestoneAddedV2,
    ]
    state = goal_decider.fold([*active(), *events])
    assert state is not None
    assert state.terms.due_date == date(2026, 4, 30)
    assert [(m.milestone_id, m.due_date) for m in state.milestones] == [
        ("ms_1", date(2026, 2, 14)),
        ("ms_2", date(2026, 4, 15)),
        ("ms_3", date(2026, 4, 25)),
    ]


@pytest.mark.parametrize(
    ("outcome", "field"),
    [
        (ReviseGoal(reason="Nothing really"), "outcome"),
        (ReviseGoal(reason=" ", changes=TermChanges(title="New")), "outcome.reason"),
        (
            ReviseGoal(reason="Sooner", changes=TermChanges(due_date=date(2026, 3, 1))),
            "outcome.changes.due_date",
        ),
        (ReviseGoal(reason="Same", changes=TermChanges(title="Master Photoshop")), "outcome.changes"),
        (
            ReviseGoal(
                reason="Later",
                reschedule_milestones=(NewMilestoneDate(milestone_id="ms_1", due_date=date(2026, 5, 1)),),
            ),
            "outcome.reschedule_milestones[0].due_date",
        ),
        (
            ReviseGoal(reason="More", add_milestones=(plan("ms_1", date(2026, 3, 1)),)),
            "outcome.add_milestones[0].milestone_id",
        ),
        (AbandonGoal(reason="Reorg", lesson_learned=" "), "outcome.lesson_learned"),
        (AbandonGoal(reason=" ", lesson_learned="Plan smaller"), "outcome.reason"),
        (
            AbandonGoal(reason="Reorg", lesson_learned="Plan smaller", revised_goal_id=GOAL),
            "outcome.revised_goal_id",
        ),
    ],
    ids=[
        "nothing-to-adjust",
        "reason-blank",
        "due-before-milestone",
        "unchanged-title",
        "milestone-after-goal",
        "milestone-duplicate",
        "lesson-blank",
        "abandon-reason-blank",
        "revised-is-self",
    ],
)
def test_review_outcome_rules(outcome: object, field: str) -> None:
    given(goal_decider, *active()).when_rejected(review(outcome), field=field)  # type: ignore[arg-type]


def test_completing_a_goal_tells_downstream_systems_everything_they_need() -> None:
    history = replay(goal_decider, reach("ms_1", FEB_10), history=active())
    reviewed, completed = given(goal_decider, *history).when(
        review(CompleteGoal(achieved_value=5), now=FEB_10)
    )
    assert isinstance(reviewed, GoalReviewed) and reviewed.outcome == "completed"
    assert completed == GoalCompletedV2(
        goal_id=GOAL,
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        manager_id=MANAGER,
        completed_by=MANAGER,
        title="Master Photoshop",
        due_date=date(2026, 3, 31),
        completed_on=date(2026, 2, 10),
        on_time=True,
        metric=terms().metric,
        achieved_value=5,
        milestones_reached=("ms_1",),
        occurred_at=FEB_10,
    )


def test_abandoning_keeps_the_lesson_and_points_to_the_revised_goal() -> None:
    outcome = AbandonGoal(
        reason="Moved to the sales team",
        lesson_learned="Agree on tools before setting a date",
        revised_goal_id="goal_2",
    )
    _, abandoned = given(goal_decider, *active()).when(review(outcome))
    assert abandoned == GoalAbandonedV2(
        goal_id=GOAL,
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        manager_id=MANAGER,
        abandoned_by=MANAGER,
        reason="Moved to the sales team",
        lesson_learned="Agree on tools before setting a date",
        revised_goal_id="goal_2",
        occurred_at=NOW,
    )


def test_a_closed_goal_no_longer_changes() -> None:
    history = replay(goal_decider, review(CompleteGoal()), history=active())
    progress = UpdateMilestoneProgress(
        goal_id=GOAL, milestone_id="ms_2", progress_percent=10, updated_by=EMPLOYEE, now=NOW
    )
    for command in (progress, review(KeepGoal(), review_id="rev_2"), reach("ms_2", FEB_10)):
        given(goal_decider, *history).when_rejected(command, field="goal_id", match="closed")


def test_a_review_is_recorded_once() -> None:
    history = replay(goal_decider, review(KeepGoal()), history=active())
    given(goal_decider, *history).when_rejected(review(KeepGoal()), field="review_id")


def test_adjusting_outside_a_review_needs_a_reason_and_a_change() -> None:
    def adjust(reason: str, changes: TermChanges) -> AdjustGoal:
        return AdjustGoal(goal_id=GOAL, adjusted_by=MANAGER, reason=reason, changes=changes, now=NOW)

    given(goal_decider, *active()).when_rejected(adjust(" ", TermChanges(title="X")), field="reason")
    given(goal_decider, *active()).when_rejected(adjust("Why", TermChanges()), field="changes")
    given(goal_decider, *active()).when_rejected(adjust("Why", TermChanges(title=" ")), field="changes.title")
    given(goal_decider, *active()).when_rejected(
        adjust("Why", TermChanges(metric=GoalMetric(name="n", baseline=1, target=1))),
        field="changes.metric.target",
    )
    given(goal_decider, *active()).when_rejected(
        adjust("Why", TermChanges(resources_needed=("Licence", " "))),
        field="changes.resources_needed[1]",
    )
    [event] = given(goal_decider, *active()).when(
        adjust("Clearer", TermChanges(title="Master Photoshop for campaigns"))
    )
    assert isinstance(event, GoalAdjusted) and event.changed == ("title",)


def test_an_overdue_goal_can_still_be_renamed() -> None:
    history = active()
    after_due = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
    command = AdjustGoal(
        goal_id=GOAL,
        adjusted_by=MANAGER,
        reason="Clearer",
        changes=TermChanges(description="Produce all campaign visuals."),
        now=after_due,
    )
    [event] = given(goal_decider, *history).when(command)
    assert isinstance(event, GoalAdjusted) and event.changed == ("description",)
