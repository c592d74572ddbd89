"""What a projection is: tables in the service's database and a function that folds events in.

A projection's DDL names its tables through the `{schema}` placeholder, e.g.

    CREATE TABLE {schema}.goal_summary (goal_id text PRIMARY KEY, title text NOT NULL)

and apply() writes to f"{schema}.goal_summary". Normally `schema` is the live schema; a rebuild
passes a fresh staging schema, replays every event into it and swaps the tables in. Indexes in
the DDL should be left unnamed (PostgreSQL names them after their table) so that copies do not
collide.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from trellis_kernel.store import Connection, StoredEvent

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class Projection(Protocol):
    @property
    def name(self) -> str:
        """Unique in the database; names its checkpoint, e.g. "goals.goal_summary"."""
        ...

    @property
    def tables(self) -> Sequence[str]:
        """The unqualified names of the tables the DDL creates (a rebuild swaps these)."""
        ...

    @property
    def ddl(self) -> Sequence[str]:
        """Statements creating the tables (and their indexes) in `{schema}`."""
        ...

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        """Fold one event into the tables in `schema`; ignore event types of no interest.

        Runs inside the transaction that also records the projection's progress (or the
        append, for inline projections): raise to undo both.
        """
        ...


@runtime_checkable
class ReplayedInBatches(Protocol):
    """A projection that folds many events at once when a rebuild replays the store: fewer
    round trips than one ``apply`` per event. The tables must end as ``apply`` event by event
    would leave them (``ProjectionSpecification`` checks both ways)."""

    async def apply_batch(self, connection: Connection, events: Sequence[StoredEvent], schema: str) -> None:
        """Fold ``events`` (in store order) into the tables in ``schema``."""
        ...


async def replay(connection: Connection, projection: Projection, events: Sequence[StoredEvent], schema: str) -> None:
    """Fold a batch of stored events into one projection: in one call when it replays in batches,
    else event by event."""
    if isinstance(projection, ReplayedInBatches):
        await projection.apply_batch(connection, events, schema)
        return
    for event in events:
        await projection.apply(connection, event, schema)


def checked_identifier(name: str) -> str:
    """A schema or table name safe to put into SQL unquoted (lower case, letters, digits, _)."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def render_ddl(projection: Projection, schema: str) -> list[str]:
    return [statement.format(schema=checked_identifier(schema)) for statement in projection.ddl]
