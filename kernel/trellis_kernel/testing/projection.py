"""Given events / Then rows: the specification of a projection, on real PostgreSQL.

    spec = ProjectionSpecification(pool, GoalViews(codec), codec=codec)
    await spec.given(
        on("goal-org_1/goal_1", proposed, agreed, created),   # domain events (encoded by the codec),
        on("goal-org_1/goal_2", proposed),                     # NewEvents or StoredEvents
    ).then(
        "SELECT goal_id, status FROM {schema}.goal_views ORDER BY goal_id",
        [("goal_1", "active"), ("goal_2", "proposed")],
    )

Each scenario creates the projection's tables in a schema of its own, applies the events in
order (versions counted per stream, positions in the order given) and runs the query with
``{schema}`` filled in, all in one transaction that is rolled back: nothing is left behind and
scenarios do not see each other. ``then_raises(SomeError)`` expects the projection to refuse.
A projection that a rebuild replays in batches (``apply_batch``) is run both ways, event by
event and in one batch, and must answer the query the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable
from uuid import UUID, uuid4

from trellis_kernel.codec import AsyncEventCodec, EventCodec, asynchronous
from trellis_kernel.metadata import EventMetadata
from trellis_kernel.projections.inline import apply_all
from trellis_kernel.projections.projection import Projection, ReplayedInBatches, render_ddl, replay
from trellis_kernel.store.connections import Connection, Pool
from trellis_kernel.store.records import NewEvent, Position, StoredEvent

SPEC_METADATA = EventMetadata(principal="projection-spec")


@dataclass(frozen=True)
class StreamEvents:
    stream_id: str
    events: tuple[Any, ...]


def on(stream_id: str, *events: Any) -> StreamEvents:
    """Events of one stream, in order: domain events (with a codec), NewEvents or StoredEvents."""
    return StreamEvents(stream_id, events)


class ProjectionSpecification:
    def __init__(
        self,
        pool: Pool,
        projection: Projection,
        *,
        codec: EventCodec[Any] | AsyncEventCodec[Any] | None = None,
        metadata: EventMetadata = SPEC_METADATA,
    ) -> None:
        self._pool = pool
        self._projection = projection
        self._codec = codec
        self._metadata = metadata

    def given(self, *streams: StreamEvents) -> ProjectionScenario:
        versions: dict[str, int] = {}
        given: list[StoredEvent | _Unencoded] = []
        for position, (stream_id, event) in enumerate(
            ((group.stream_id, event) for group in streams for event in group.events), start=1
        ):
            version = versions.get(stream_id, 0) + 1
            versions[stream_id] = version
            given.append(self._stored_or_later(stream_id, version, Position(1, position), event))
        return ProjectionScenario(self._pool, self._projection, given, self._codec)

    def _stored_or_later(
        self, stream_id: str, version: int, position: Position, event: Any
    ) -> StoredEvent | _Unencoded:
        if isinstance(event, StoredEvent):
            return replace(event, stream_id=stream_id, version=version, position=position)
        if isinstance(event, NewEvent):
            return stored_event(event, stream_id, version, position, self._metadata)
        if self._codec is None:
            raise TypeError(f"give the specification a codec to encode {type(event).__name__}")
        if isinstance(self._codec, _SyncEncoder):
            return stored_event(self._codec.encode(event), stream_id, version, position, self._metadata)
        # A codec that needs I/O (a ProtectingCodec seals with keys from the database) encodes
        # inside the scenario's transaction.
        return _Unencoded(stream_id, version, position, event, self._metadata)


@runtime_checkable
class _SyncEncoder(Protocol):
    def encode(self, event: Any, *, event_id: UUID | None = None) -> NewEvent: ...


@dataclass(frozen=True)
class _Unencoded:
    stream_id: str
    version: int
    position: Position
    event: Any
    metadata: EventMetadata


def stored_event(
    event: NewEvent, stream_id: str, version: int, position: Position, metadata: EventMetadata
) -> StoredEvent:
    now = datetime.now(UTC)
    return StoredEvent(
        event_id=event.event_id,
        stream_id=stream_id,
        version=version,
        position=position,
        event_type=event.event_type,
        schema_version=event.schema_version,
        payload=event.payload,
        occurred_at=event.occurred_at or now,
        recorded_at=now,
        correlation_id=metadata.correlation_id,
        causation_id=metadata.causation_id,
        principal=metadata.principal,
        traceparent=metadata.traceparent,
    )


class ProjectionScenario:
    def __init__(
        self,
        pool: Pool,
        projection: Projection,
        events: Sequence[StoredEvent | _Unencoded],
        codec: EventCodec[Any] | AsyncEventCodec[Any] | None = None,
    ) -> None:
        self._pool = pool
        self._projection = projection
        self._given = tuple(events)
        self._codec = codec

    @property
    def events(self) -> tuple[StoredEvent, ...]:
        """The stored events given (those a codec with I/O encodes exist only inside a run)."""
        if not all(isinstance(event, StoredEvent) for event in self._given):
            raise TypeError("the events are encoded inside each run by the specification's codec")
        return tuple(event for event in self._given if isinstance(event, StoredEvent))

    async def _stored(self, connection: Connection) -> list[StoredEvent]:
        stored: list[StoredEvent] = []
        for given in self._given:
            if isinstance(given, StoredEvent):
                stored.append(given)
                continue
            assert self._codec is not None
            [encoded] = await asynchronous(self._codec).encode_all([given.event], connection=connection)
            stored.append(
                stored_event(encoded, given.stream_id, given.version, given.position, given.metadata)
            )
        return stored

    async def then(self, query: str, rows: Sequence[Sequence[Any]], *arguments: Any) -> None:
        """Then: ``query`` (``{schema}`` names the projection's schema) returns exactly ``rows``."""
        found = await self.rows(query, *arguments)
        expected = [tuple(row) for row in rows]
        assert found == expected, f"the projection holds {found}, expected {expected}"

    async def rows(self, query: str, *arguments: Any) -> list[tuple[Any, ...]]:
        """What ``query`` returns after the events (for assertions of one's own)."""
        found = await self._run(query, arguments)
        if isinstance(self._projection, ReplayedInBatches):
            replayed = await self._run(query, arguments, batched=True)
            assert replayed == found, f"replayed in one batch the projection holds {replayed}, event by event {found}"
        return found

    async def then_raises(self, error: type[BaseException]) -> BaseException:
        """Then: applying the events raises ``error``."""
        try:
            await self._run(None, ())
        except error as raised:
            return raised
        raise AssertionError(f"the projection applied every event without raising {error.__name__}")

    async def _run(
        self, query: str | None, arguments: Sequence[Any], *, batched: bool = False
    ) -> list[tuple[Any, ...]]:
        schema = f"spec_{uuid4().hex[:16]}"
        async with self._pool.acquire() as connection:
            transaction = connection.transaction()
            await transaction.start()
            try:
                await connection.execute(f"CREATE SCHEMA {schema}")
                for statement in render_ddl(self._projection, schema):
                    await connection.execute(statement)
                events = await self._stored(connection)
                if batched:
                    await replay(connection, self._projection, events, schema)
                else:
                    await apply_all(connection, (self._projection,), events, schema)
                if query is None:
                    return []
                records = await connection.fetch(query.format(schema=schema), *arguments)
                return [tuple(record.values()) for record in records]
            finally:
                await transaction.rollback()
