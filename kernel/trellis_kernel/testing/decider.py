"""Given events / When command / Then events or error: the specification of a Decider.

    from trellis_kernel.testing import given, replay

    def test_a_manager_agrees_to_a_proposed_goal() -> None:
        history = replay(goal_decider, propose())          # the events earlier commands left
        assert given(goal_decider, *history).when(agree()) == [GoalAgreed(...), GoalCreated(...)]

    def test_a_stranger_may_not_agree() -> None:
        given(goal_decider, *history).when_rejected(agree(by=STRANGER), field="agreed_by",
                                                    match="only the manager")

No I/O and no test framework needed: a failed expectation is an AssertionError.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from trellis_kernel.decider import Decider, DomainError

C = TypeVar("C")
S = TypeVar("S")
E = TypeVar("E")


@dataclass(frozen=True)
class Given(Generic[C, S, E]):
    decider: Decider[C, S, E]
    history: Sequence[E]

    def when(self, command: C) -> list[E]:
        """Then: the events the command leads to."""
        return list(self.decider.handle(self.history, command))

    def when_rejected(self, command: C, *, field: str | None, match: str = "") -> DomainError:
        """Then: a DomainError about ``field`` whose message contains ``match`` (any case)."""
        try:
            events = self.decider.handle(self.history, command)
        except DomainError as error:
            assert error.field == field, f"the error is about {error.field!r}, not {field!r}: {error.message}"
            assert match.lower() in error.message.lower(), f"{match!r} is not in: {error.message}"
            return error
        raise AssertionError(f"the command was accepted, with the events {list(events)!r}")

    def then_state(self) -> S:
        """The state the history folds into."""
        return self.decider.fold(self.history)


def given(decider: Decider[C, S, E], *history: E) -> Given[C, S, E]:
    return Given(decider, history)


def replay(decider: Decider[C, S, E], *commands: C, history: Sequence[E] = ()) -> list[E]:
    """``history`` followed by the events the commands record, each decided against the
    events before it."""
    events: list[E] = list(history)
    for command in commands:
        events.extend(decider.handle(events, command))
    return events
