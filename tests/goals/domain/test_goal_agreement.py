"""SMART goals are set collaboratively: one side proposes, the other agrees or asks for changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from tests.goals.domain.builders import (
    EMPLOYEE,
    GOAL,
    MANAGER,
    NOW,
    ORG,
    STRANGER,
    agree,
    later,
    plan,
    propose,
    reach,
    repropose,
    review,
    terms,
    withdraw,
)
from trellis_contracts.goals import (
    GoalAgreed,
    GoalChangesRequestedV2,
    GoalCreated,
    GoalCreatedV2,
    GoalManagerChanged,
    GoalMetric,
    GoalProposalWithdrawnV2,
    GoalProposed,
    GoalProposedV2,
    MilestoneTemplate,
)
from trellis_goals.domain.goal import goal_decider
from trellis_goals.domain.goal.commands import (
    CompleteGoal,
    HandOverGoal,
    ProposeGoalFromTemplate,
    RequestGoalChanges,
)
from trellis_kernel.testing import given, replay


def request_changes(by: str = MANAGER, comment: str = "Make the target 6") -> RequestGoalChanges:
    return RequestGoalChanges(goal_id=GOAL, requested_by=by, comment=comment, now=NOW)


def test_an_employee_proposes_a_goal_for_their_manager_to_agree() -> None:
    command = propose()
    assert given(goal_decider).when(command) == [
        GoalProposedV2(
            goal_id=GOAL,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            proposed_by=EMPLOYEE,
            proposer_role="employee",
            proposal_revision=1,
            terms=command.terms,
            milestones=command.milestones,
            occurred_at=NOW,
        )
    ]


def test_a_manager_may_propose_too() -> None:
    [event] = given(goal_decider).when(propose(proposed_by=MANAGER))
    assert isinstance(event, GoalProposed)
    assert event.proposer_role == "manager"


def test_nobody_else_proposes_an_employees_goal() -> None:
    given(goal_decider).when_rejected(propose(proposed_by=STRANGER), field="proposed_by")


def test_an_employee_is_not_their_own_manager() -> None:
    command = propose(manager_id=EMPLOYEE)
    given(goal_decider).when_rejected(command, field="manager_id", match="own manager")


@pytest.mark.parametrize(
    ("command", "field", "match"),
    [
        (propose(terms=terms(title="   ")), "title", "specific"),
        (propose(terms=terms(description=" ")), "description", "specific"),
        (propose(terms=terms(metric=None), milestones=()), "metric", "measurable"),
        (
            propose(terms=terms(metric=GoalMetric(name="Sales", baseline=3, target=3))),
            "metric.target",
            "differ from its baseline",
        ),
        (propose(terms=terms(due_date=NOW.date())), "due_date", "time-bound"),
        (propose(terms=terms(due_date=date(2025, 12, 31))), "due_date", "future"),
        (
            propose(milestones=(plan("ms_1", date(2026, 1, 10)),)),
            "milestones[0].due_date",
            "future",
        ),
        (
            propose(milestones=(plan("ms_1"), plan("ms_2", date(2026, 4, 1)))),
            "milestones[1].due_date",
            "after its goal",
        ),
        (propose(milestones=(plan("ms_1"), plan("ms_1"))), "milestones.milestone_id", "twice"),
        (propose(milestones=(plan("ms_1", title=" "),)), "milestones[0].title", "title"),
        (propose(terms=terms(resources_needed=(" ",))), "resources_needed[0]", "resource"),
    ],
    ids=[
        "specific-title",
        "specific-description",
        "measurable-nothing",
        "measurable-flat-metric",
        "time-bound-today",
        "time-bound-past",
        "milestone-in-past",
        "milestone-after-goal",
        "milestone-ids-unique",
        "milestone-title",
        "resource-blank",
    ],
)
def test_a_proposal_must_be_smart(command: object, field: str, match: str) -> None:
    given(goal_decider).when_rejected(command, field=field, match=match)  # type: ignore[arg-type]


def test_milestones_alone_make_a_goal_measurable() -> None:
    [event] = given(goal_decider).when(propose(terms=terms(metric=None)))
    assert isinstance(event, GoalProposed)


def test_the_commands_time_must_carry_an_offset() -> None:
    command = propose(now=datetime(2026, 1, 15, 9, 0))
    given(goal_decider).when_rejected(command, field="now")


def test_the_other_side_agreeing_makes_the_goal_active() -> None:
    history = replay(goal_decider, propose())
    proposal = history[0]
    assert isinstance(proposal, GoalProposed)
    assert given(goal_decider, *history).when(agree(now=later(1))) == [
        GoalAgreed(
            goal_id=GOAL,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            proposed_by=EMPLOYEE,
            agreed_by=MANAGER,
            proposal_revision=1,
            occurred_at=later(1),
        ),
        GoalCreatedV2(
            goal_id=GOAL,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            terms=proposal.terms,
            milestones=proposal.milestones,
            occurred_at=later(1),
        ),
    ]
    state = given(goal_decider, *replay(goal_decider, propose(), agree())).then_state()
    assert state is not None and state.status == "active"


def test_the_proposer_cannot_agree_to_their_own_proposal() -> None:
    history = replay(goal_decider, propose())
    given(goal_decider, *history).when_rejected(
        agree(by=EMPLOYEE), field="agreed_by", match="cannot agree to their own"
    )


def test_a_managers_proposal_is_agreed_by_the_employee_not_by_the_manager() -> None:
    history = replay(goal_decider, propose(proposed_by=MANAGER))
    given(goal_decider, *history).when_rejected(agree(by=MANAGER), field="agreed_by")
    assert [type(e) for e in given(goal_decider, *history).when(agree(by=EMPLOYEE))] == [
        GoalAgreed,
        GoalCreatedV2,
    ]


def test_only_the_other_side_agrees() -> None:
    history = replay(goal_decider, propose())
    given(goal_decider, *history).when_rejected(
        agree(by=STRANGER), field="agreed_by", match="only the manager"
    )


def test_the_other_side_may_ask_for_changes_then_agree_to_the_new_proposal() -> None:
    history = replay(goal_decider, propose())
    assert given(goal_decider, *history).when(request_changes()) == [
        GoalChangesRequestedV2(
            goal_id=GOAL,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            requested_by=MANAGER,
            proposal_revision=1,
            comment="Make the target 6",
            occurred_at=NOW,
        )
    ]
    history = replay(goal_decider, propose(), request_changes())
    given(goal_decider, *history).when_rejected(agree(), field="goal_id", match="new proposal")

    better = terms(metric=GoalMetric(name="Visuals shipped per month", baseline=0, target=6))
    [revised] = given(goal_decider, *history).when(repropose(terms=better))
    assert isinstance(revised, GoalProposed) and revised.proposal_revision == 2

    history = [*history, revised]
    [agreed, created] = given(goal_decider, *history).when(agree())
    assert isinstance(agreed, GoalAgreed) and agreed.proposal_revision == 2
    assert isinstance(created, GoalCreated) and created.terms == better


def test_the_proposer_cannot_ask_for_changes_to_their_own_proposal() -> None:
    history = replay(goal_decider, propose())
    given(goal_decider, *history).when_rejected(
        request_changes(by=EMPLOYEE), field="requested_by", match="own proposal"
    )


def test_asking_for_changes_says_what_should_change() -> None:
    history = replay(goal_decider, propose())
    given(goal_decider, *history).when_rejected(request_changes(comment=" "), field="comment")


def test_a_proposal_whose_dates_have_passed_cannot_be_agreed() -> None:
    history = replay(goal_decider, propose())
    too_late = datetime.combine(date(2026, 2, 20), NOW.timetz())
    given(goal_decider, *history).when_rejected(agree(now=too_late), field="milestones[0].due_date")


def test_an_agreed_goal_is_not_proposed_again_nor_agreed_twice() -> None:
    history = replay(goal_decider, propose(), agree())
    given(goal_decider, *history).when_rejected(repropose(), field="goal_id", match="already active")
    given(goal_decider, *history).when_rejected(agree(), field="goal_id", match="already active")
    given(goal_decider, *history).when_rejected(propose(), field="goal_id", match="already exists")


def test_a_new_proposal_keeps_the_employee_manager_track_and_template() -> None:
    history = replay(goal_decider, propose(career_track_id="ic", template_id="lead-review"))
    [event] = given(goal_decider, *history).when(repropose(terms=terms(title="Learn Figma")))
    assert isinstance(event, GoalProposed)
    assert (event.employee_id, event.manager_id, event.career_track_id, event.template_id) == (
        EMPLOYEE,
        MANAGER,
        "ic",
        "lead-review",
    )
    given(goal_decider, *history).when_rejected(repropose(by=STRANGER), field="proposed_by")


def test_the_proposer_may_withdraw_a_proposal_not_yet_agreed() -> None:
    history = replay(goal_decider, propose(), request_changes())
    assert given(goal_decider, *history).when(withdraw(reason="Other priorities")) == [
        GoalProposalWithdrawnV2(
            goal_id=GOAL,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id=MANAGER,
            withdrawn_by=EMPLOYEE,
            proposal_revision=1,
            reason="Other priorities",
            occurred_at=NOW,
        )
    ]
    withdrawn = replay(goal_decider, withdraw(), history=history)
    given(goal_decider, *withdrawn).when_rejected(agree(), field="goal_id", match="already withdrawn")
    given(goal_decider, *withdrawn).when_rejected(repropose(), field="goal_id", match="already withdrawn")
    given(goal_decider, *withdrawn).when_rejected(withdraw(), field="goal_id", match="already withdrawn")


def test_a_new_proposal_must_be_measurable_too() -> None:
    history = replay(goal_decider, propose(), request_changes())
    unmeasurable = repropose(terms=terms(metric=None), milestones=())
    given(goal_decider, *history).when_rejected(unmeasurable, field="metric", match="Measurable")


def test_a_goal_from_a_template_cannot_take_an_id_in_use() -> None:
    template = MilestoneTemplate(
        template_id="lead-review", title="Lead a review", description="Run it.", duration_days=60
    )
    command = ProposeGoalFromTemplate(
        goal_id=GOAL,
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        manager_id=MANAGER,
        proposed_by=EMPLOYEE,
        track_id="ic",
        template=template,
        metric=GoalMetric(name="Reviews led", baseline=0, target=1),
        now=NOW,
    )
    given(goal_decider, *replay(goal_decider, propose())).when_rejected(
        command, field="goal_id", match="already exists"
    )
    [proposed] = given(goal_decider).when(command)
    assert isinstance(proposed, GoalProposed) and proposed.template_id == "lead-review"


def test_only_the_proposer_withdraws_and_only_before_agreement() -> None:
    history = replay(goal_decider, propose())
    given(goal_decider, *history).when_rejected(
        withdraw(by=MANAGER), field="withdrawn_by", match="only the proposer"
    )
    agreed = replay(goal_decider, agree(), history=history)
    given(goal_decider, *agreed).when_rejected(withdraw(), field="goal_id", match="already active")


def test_work_on_a_goal_waits_for_the_agreement() -> None:
    history = replay(goal_decider, propose())
    given(goal_decider, *history).when_rejected(reach("ms_1", later(1)), field="goal_id", match="not agreed")


def test_commands_for_an_unknown_goal_are_refused() -> None:
    given(goal_decider).when_rejected(agree(), field="goal_id", match="no goal")
    history = replay(goal_decider, propose())
    given(goal_decider, *history).when_rejected(replace(agree(), goal_id="goal_other"), field="goal_id")


def hand_over(manager_id: str) -> HandOverGoal:
    return HandOverGoal(goal_id=GOAL, manager_id=manager_id, now=NOW)


def test_a_goal_follows_the_employees_new_manager() -> None:
    history = replay(goal_decider, propose())
    assert given(goal_decider, *history).when(hand_over("mgr_2")) == [
        GoalManagerChanged(
            goal_id=GOAL,
            organisation_id=ORG,
            employee_id=EMPLOYEE,
            manager_id="mgr_2",
            previous_manager_id=MANAGER,
            occurred_at=NOW,
        )
    ]
    handed_over = replay(goal_decider, hand_over("mgr_2"), history=history)
    given(goal_decider, *handed_over).when_rejected(agree(by=MANAGER), field="agreed_by")
    [agreed, created] = given(goal_decider, *handed_over).when(agree(by="mgr_2"))
    assert isinstance(agreed, GoalAgreed) and agreed.manager_id == "mgr_2"
    assert isinstance(created, GoalCreated) and created.manager_id == "mgr_2"


def test_handing_over_to_the_same_manager_or_a_closed_goal_records_nothing() -> None:
    history = replay(goal_decider, propose())
    assert given(goal_decider, *history).when(hand_over(MANAGER)) == []
    given(goal_decider, *history).when_rejected(hand_over(EMPLOYEE), field="manager_id")
    closed = replay(
        goal_decider,
        agree(),
        review(CompleteGoal()),
        history=history,
    )
    assert given(goal_decider, *closed).when(hand_over("mgr_2")) == []


def test_the_manager_may_answer_with_a_counter_proposal_for_the_employee_to_agree() -> None:
    history = replay(goal_decider, propose())
    counter = repropose(by=MANAGER, terms=terms(due_date=date(2026, 3, 20)))
    [event] = given(goal_decider, *history).when(counter)
    assert isinstance(event, GoalProposed)
    assert (event.proposer_role, event.proposal_revision) == ("manager", 2)
    history = [*history, event]
    given(goal_decider, *history).when_rejected(agree(by=MANAGER), field="agreed_by")
    [agreed, created] = given(goal_decider, *history).when(agree(by=EMPLOYEE))
    assert isinstance(agreed, GoalAgreed) and agreed.proposed_by == MANAGER
    assert isinstance(created, GoalCreated) and created.terms.due_date == date(2026, 3, 20)
