"""A tiny Given events / When command / Then events-or-error helper for deciders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import pytest

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
        """Then: a DomainError about ``field`` whose message contains ``match``."""
        with pytest.raises(DomainError) as raised:
            self.decider.handle(self.history, command)
        assert raised.value.field == field, raised.value.message
        assert match.lower() in raised.value.message.lower(), raised.value.message
        return raised.value

    def then_state(self) -> S:
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
