"""A cadence per employee and manager: the next conversation is due every N days after the last
one held, and a due day that passed without one is reported once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from tests.feedback.domain.builders import EMPLOYEE, FACTS, MANAGER, ORG, SKIP_LEVEL, days, on
from trellis_contracts.feedback import ConversationCadenceMissed, ConversationCadenceSet
from trellis_feedback.domain.cadence import ReportMissedCadence, SetCadence, cadence_decider
from trellis_kernel.testing import given, replay

SET_ON = date(2026, 1, 5)
DUE = SET_ON + days(14)  # 2026-01-19


def set_cadence(**overrides: Any) -> SetCadence:
    command = SetCadence(
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        manager_id=MANAGER,
        every_days=14,
        set_by=MANAGER,
        now=on(SET_ON),
        facts=FACTS,
    )
    return replace(command, **overrides)


def check(day: date, last_held_on: date | None = None, **overrides: Any) -> ReportMissedCadence:
    command = ReportMissedCadence(
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        manager_id=MANAGER,
        now=on(day),
        last_held_on=last_held_on,
        facts=FACTS,
    )
    return replace(command, **overrides)


def every_two_weeks() -> list[ConversationCadenceSet | ConversationCadenceMissed]:
    return replay(cadence_decider, set_cadence())


def missed(due_on: date, day: date, last_held_on: date | None = None) -> ConversationCadenceMissed:
    return ConversationCadenceMissed(
        employee_id=EMPLOYEE,
        organisation_id=ORG,
        manager_id=MANAGER,
        every_days=14,
        due_on=due_on,
        last_held_on=last_held_on,
        reported_at=on(day),
    )


def test_the_pair_agrees_a_cadence() -> None:
    assert given(cadence_decider).when(set_cadence()) == [
        ConversationCadenceSet(
            employee_id=EMPLOYEE,
            organisation_id=ORG,
            manager_id=MANAGER,
            every_days=14,
            set_by=MANAGER,
            set_at=on(SET_ON),
        )
    ]


def test_a_cadence_is_for_the_employee_and_their_current_manager() -> None:
    given(cadence_decider).when_rejected(set_cadence(manager_id=SKIP_LEVEL), field="manager_id")


@pytest.mark.parametrize(("every_days", "accepted"), [(6, False), (7, True), (182, True), (183, False)])
def test_a_cadence_is_weekly_to_half_yearly(every_days: int, accepted: bool) -> None:
    if accepted:
        [event] = given(cadence_decider).when(set_cadence(every_days=every_days))
        assert isinstance(event, ConversationCadenceSet) and event.every_days == every_days
    else:
        given(cadence_decider).when_rejected(set_cadence(every_days=every_days), field="every_days")


def test_setting_the_same_cadence_again_changes_nothing_and_a_new_one_says_what_it_was() -> None:
    assert given(cadence_decider, *every_two_weeks()).when(set_cadence(now=on(SET_ON + days(3)))) == []
    [event] = given(cadence_decider, *every_two_weeks()).when(set_cadence(every_days=7))
    assert isinstance(event, ConversationCadenceSet) and event.previous_every_days == 14


def test_the_due_day_is_on_time_the_day_after_it_is_missed() -> None:
    assert given(cadence_decider, *every_two_weeks()).when(check(DUE)) == []
    assert given(cadence_decider, *every_two_weeks()).when(check(DUE + days(1))) == [
        missed(DUE, DUE + days(1))
    ]


def test_a_missed_cadence_is_reported_once() -> None:
    history = replay(cadence_decider, check(DUE + days(1)), history=every_two_weeks())
    assert given(cadence_decider, *history).when(check(DUE + days(2))) == []
    assert given(cadence_decider, *history).when(check(DUE + days(30))) == []


def test_a_conversation_held_makes_the_next_one_due_every_days_later() -> None:
    held_on = DUE - days(1)
    next_due = held_on + days(14)
    assert given(cadence_decider, *every_two_weeks()).when(check(next_due, held_on)) == []
    assert given(cadence_decider, *every_two_weeks()).when(check(next_due + days(1), held_on)) == [
        missed(next_due, next_due + days(1), held_on)
    ]


def test_after_a_miss_the_next_missed_due_day_is_reported_too() -> None:
    history = replay(cadence_decider, check(DUE + days(1)), history=every_two_weeks())
    held_on = DUE + days(3)
    [event] = given(cadence_decider, *history).when(check(held_on + days(15), held_on))
    assert isinstance(event, ConversationCadenceMissed) and event.due_on == held_on + days(14)


def test_conversations_before_the_cadence_was_set_do_not_move_it_earlier() -> None:
    assert given(cadence_decider, *every_two_weeks()).when(check(DUE, SET_ON - days(30))) == []


def test_changing_the_interval_counts_from_the_day_it_changed() -> None:
    weekly = replay(
        cadence_decider, set_cadence(every_days=7, now=on(SET_ON + days(10))), history=every_two_weeks()
    )
    assert given(cadence_decider, *weekly).when(check(SET_ON + days(17))) == []
    [event] = given(cadence_decider, *weekly).when(check(SET_ON + days(18)))
    assert isinstance(event, ConversationCadenceMissed) and event.due_on == SET_ON + days(17)


def test_once_the_manager_changed_the_old_pair_has_nothing_due() -> None:
    moved = replace(FACTS, managers={**FACTS.managers, EMPLOYEE: SKIP_LEVEL})
    assert given(cadence_decider, *every_two_weeks()).when(check(DUE + days(5), facts=moved)) == []


def test_there_is_nothing_to_check_without_a_cadence() -> None:
    given(cadence_decider).when_rejected(check(DUE), field="employee_id", match="no cadence")
