"""The Decider: a service's pure domain logic as two functions and an initial state.

decide(command, state) -> events says what happens (or raises a DomainError saying why not);
evolve(state, event) -> state folds one event into the state. Neither does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Generic, TypeVar

Command = TypeVar("Command")
State = TypeVar("State")
Event = TypeVar("Event")


class DomainError(Exception):
    """A command broke a business rule; the message says which, for the person who sent it."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Decider(Generic[Command, State, Event]):
    decide: Callable[[Command, State], Sequence[Event]]
    evolve: Callable[[State, Event], State]
    initial_state: Callable[[], State]

    def fold(self, events: Iterable[Event]) -> State:
        return reduce(self.evolve, events, self.initial_state())

    def handle(self, history: Iterable[Event], command: Command) -> Sequence[Event]:
        return self.decide(command, self.fold(history))
