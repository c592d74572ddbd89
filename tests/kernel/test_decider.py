"""The Decider: a state is the initial state with every past event folded in, in order, and a
command is decided against that state; a refusal names the rule and the field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from trellis_kernel.decider import Decider, DomainError


@dataclass(frozen=True)
class Deposited:
    amount: int


@dataclass(frozen=True)
class Withdraw:
    amount: int


def decide(command: Withdraw, balance: tuple[int, ...]) -> Sequence[Deposited]:
    if command.amount > sum(balance):
        raise DomainError(f"Only {sum(balance)} left", field="amount")
    return [Deposited(-command.amount)]


def evolve(balance: tuple[int, ...], event: Deposited) -> tuple[int, ...]:
    return (*balance, event.amount)


# The initial state is not empty, so a fold that forgets it is seen.
account = Decider(decide=decide, evolve=evolve, initial_state=lambda: (100,))


def test_the_state_is_every_event_folded_in_order_onto_the_initial_state() -> None:
    assert account.fold([]) == (100,)
    assert account.fold([Deposited(5), Deposited(-30), Deposited(7)]) == (100, 5, -30, 7)
    assert account.fold(iter([Deposited(1)])) == (100, 1)


def test_a_command_is_decided_against_the_whole_history() -> None:
    history = [Deposited(20), Deposited(-50)]

    assert account.handle(history, Withdraw(70)) == [Deposited(-70)]
    with pytest.raises(DomainError) as raised:
        account.handle(history, Withdraw(71))

    assert (raised.value.message, raised.value.field, str(raised.value)) == (
        "Only 70 left",
        "amount",
        "Only 70 left",
    )


def test_a_refusal_may_be_about_no_field_in_particular() -> None:
    error = DomainError("The account is closed")

    assert (error.message, error.field, error.args) == (
        "The account is closed",
        None,
        ("The account is closed",),
    )
