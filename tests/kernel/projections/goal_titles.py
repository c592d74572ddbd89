"""A small projection for the kernel's projection tests: each goal's title and rename count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trellis_kernel.store import (
    Connection,
    EventMetadata,
    EventStore,
    NewEvent,
    Pool,
    StoredEvent,
)

CREATED = "dev.trellis.goals.GoalCreated.v1"
RENAMED = "dev.trellis.goals.GoalRenamed.v1"
ACTOR = EventMetadata(principal="user-ada")


def created(title: str) -> NewEvent:
    return NewEvent(CREATED, {"title": title})


def renamed(title: str) -> NewEvent:
    return NewEvent(RENAMED, {"title": title})


class ProjectionFailed(Exception):
    pass


@dataclass
class GoalTitles:
    name: str = "test.goal_titles"
    tables: tuple[str, ...] = ("goal_titles",)
    ddl: tuple[str, ...] = (
        "CREATE TABLE {schema}.goal_titles ("
        " stream_id text PRIMARY KEY, title text NOT NULL,"
        " renames integer NOT NULL DEFAULT 0, last_version integer NOT NULL)",
        "CREATE INDEX ON {schema}.goal_titles (title)",
    )
    fail_on_title: str | None = None

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        title = event.payload.get("title")
        if title is not None and title == self.fail_on_title:
            raise ProjectionFailed(title)
        if event.event_type == CREATED:
            await connection.execute(
                f"INSERT INTO {schema}.goal_titles (stream_id, title, last_version) VALUES ($1, $2, $3)",
                event.stream_id,
                title,
                event.version,
            )
        elif event.event_type == RENAMED:
            await connection.execute(
                f"UPDATE {schema}.goal_titles"
                " SET title = $2, renames = renames + 1, last_version = $3 WHERE stream_id = $1",
                event.stream_id,
                title,
                event.version,
            )


async def table_rows(pool: Pool, schema: str = "public") -> dict[str, tuple[Any, ...]]:
    rows = await pool.fetch(f"SELECT stream_id, title, renames, last_version FROM {schema}.goal_titles")
    return {row["stream_id"]: (row["title"], row["renames"], row["last_version"]) for row in rows}


async def expected_rows(store: EventStore, streams: list[str]) -> dict[str, tuple[Any, ...]]:
    """What the table must hold: each stream folded straight from the store."""
    expected: dict[str, tuple[Any, ...]] = {}
    for stream in streams:
        events = await store.read_stream(stream)
        if not events:
            continue
        renames = sum(1 for event in events if event.event_type == RENAMED)
        expected[stream] = (events[-1].payload["title"], renames, events[-1].version)
    return expected
