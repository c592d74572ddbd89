"""A tiny aggregate for the command handler's tests: a titled thing that may be renamed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from trellis_contracts import EventContract
from trellis_kernel.codec import ContractCodec
from trellis_kernel.decider import Decider, DomainError
from trellis_kernel.store import Connection, StoredEvent


class Titled(EventContract):
    service: ClassVar[str] = "kerneltests"
    moment_field: ClassVar[str | None] = None
    title: str


class Renamed(EventContract):
    service: ClassVar[str] = "kerneltests"
    moment_field: ClassVar[str | None] = None
    title: str


TitleEvent = Titled | Renamed


@dataclass(frozen=True)
class SetTitle:
    title: str


@dataclass(frozen=True)
class TitleState:
    title: str | None = None
    renames: int = 0


def decide(command: SetTitle, state: TitleState) -> Sequence[TitleEvent]:
    if not command.title.strip():
        raise DomainError("A title needs words", field="title")
    if command.title == state.title:
        return []
    if state.title is None:
        return [Titled(title=command.title)]
    return [Renamed(title=command.title)]


def evolve(state: TitleState, event: TitleEvent) -> TitleState:
    if isinstance(event, Titled):
        return TitleState(event.title)
    return TitleState(event.title, state.renames + 1)


title_decider: Decider[SetTitle, TitleState, TitleEvent] = Decider(decide, evolve, TitleState)
CODEC: ContractCodec[TitleEvent] = ContractCodec([Titled, Renamed])


class TitleTable:
    """An inline projection: each stream's title and version."""

    name = "kerneltests.titles"
    tables = ("titles",)
    ddl = ("CREATE TABLE {schema}.titles (stream_id text PRIMARY KEY, title text NOT NULL, version int)",)

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        decoded = CODEC.decode(event)
        await connection.execute(
            f"INSERT INTO {schema}.titles VALUES ($1, $2, $3)"
            " ON CONFLICT (stream_id) DO UPDATE SET title = excluded.title, version = excluded.version",
            event.stream_id,
            decoded.title,
            event.version,
        )
