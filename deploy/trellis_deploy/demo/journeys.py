"""The journeys the demo plays, each a list of named steps against one service's API. A
service that lands adds its journey to JOURNEYS; a journey whose service is not running is
left out (and said so)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from trellis_deploy.demo.context import DemoContext


@dataclass(frozen=True)
class Step:
    description: str
    action: Callable[[DemoContext], object]


class Journey(Protocol):
    name: str
    service: str

    def steps(self, context: DemoContext) -> list[Step]: ...

    def where_to_look(self, context: DemoContext, web_url: str) -> list[str]: ...
