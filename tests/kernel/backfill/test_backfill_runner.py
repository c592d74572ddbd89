"""A service replays its stored history to a topic: in order per stream, filtered, resumable."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.kernel.relay.conftest import RelayWorld
from tests.kernel.relay.support import METADATA, append_many, eventually, header, new_stream, read_topic
from trellis_kernel.backfill import (
    BackfillRequest,
    BackfillRunner,
    Backfills,
    BackfillSettings,
    backfill_id_of,
    end_marker,
)
from trellis_kernel.relay.cloudevents import encode_cloudevent
from trellis_kernel.store import NewEvent, stream_id

OTHER_TYPE = "dev.trellis.goals.GoalCompleted.v1"


def runner(world: RelayWorld, *, batch_size: int = 50) -> BackfillRunner:
    return BackfillRunner(
        dsn=world.dsn,
        store=world.store,
        bootstrap_servers=world.bootstrap,
        encode=encode_cloudevent,
        settings=BackfillSettings(service="goals", batch_size=batch_size, poll_interval=0.2),
    )


def events_and_markers(records: list[Any]) -> tuple[list[Any], list[Any]]:
    markers = [r for r in records if end_marker(r.headers) is not None]
    return [r for r in records if end_marker(r.headers) is None], markers


async def test_the_history_is_replayed_in_order_per_stream_and_ends_with_a_marker_per_partition(
    world: RelayWorld,
) -> None:
    streams = [new_stream() for _ in range(6)]
    await append_many(world.store, streams, per_stream=20)
    backfills = Backfills(world.pool)
    await backfills.setup()
    backfill_id = uuid.uuid4()
    await backfills.request(BackfillRequest(backfill_id, world.topic), requested_by="admin-1")

    replay = runner(world)
    await replay.setup()
    assert await replay.run_open() == 1

    done = await backfills.get(backfill_id)
    assert (done.state, done.total, done.published) == ("completed", 120, 120)
    records, markers = events_and_markers(await read_topic(world.bootstrap, world.topic, 123, settle=0.3))
    assert len(records) == 120
    assert {backfill_id_of(r.headers) for r in records} == {backfill_id}
    versions: dict[str, list[int]] = defaultdict(list)
    for record in records:  # key = stream id, ce_sequence = version, as the relay publishes them
        versions[record.key.decode()].append(int(header(record, "ce_sequence") or 0))
    assert versions == {stream: list(range(1, 21)) for stream in streams}
    assert sorted(end_marker(m.headers).partition for m in markers) == [0, 1, 2]  # type: ignore[union-attr]
    assert {end_marker(m.headers).events for m in markers} == {120}  # type: ignore[union-attr]


async def test_a_replay_takes_only_what_it_was_asked_for_and_nothing_stored_after_it_started(
    world: RelayWorld,
) -> None:
    org_stream, other_stream = stream_id("goal", "org_a/g1"), stream_id("goal", "org_b/g1")
    old = datetime(2025, 1, 1, tzinfo=UTC)
    recent = datetime.now(UTC) - timedelta(days=1)
    for n, (stream, event_type, occurred) in enumerate(
        [
            (org_stream, OTHER_TYPE, old),  # too old
            (org_stream, OTHER_TYPE, recent),  # taken
            (org_stream, "dev.trellis.goals.GoalProgressUpdated.v1", recent),  # another type
            (other_stream, OTHER_TYPE, recent),  # another organisation
        ]
    ):
        organisation = "org_a" if stream == org_stream else "org_b"
        await world.store.append(
            stream,
            [NewEvent(event_type, {"organisation_id": organisation, "n": n}, occurred_at=occurred)],
            expected=await world.store.stream_version(stream),
            metadata=METADATA,
        )
    backfills = Backfills(world.pool)
    await backfills.setup()
    request = BackfillRequest(
        uuid.uuid4(),
        world.topic,
        since=recent - timedelta(hours=1),
        event_types=frozenset({OTHER_TYPE}),
        organisation_id="org_a",
    )
    await backfills.request(request, requested_by="admin-1")
    # The same id with the same request answers as the first time; with another it is refused.
    assert (await backfills.request(request, requested_by="admin-1")).request == request

    replay = runner(world)
    await replay.setup()
    await replay.run_open()
    await world.store.append(
        org_stream,
        [NewEvent(OTHER_TYPE, {"organisation_id": "org_a", "n": 9})],
        expected=3,
        metadata=METADATA,
    )
    records, _ = events_and_markers(await read_topic(world.bootstrap, world.topic, 4, settle=0.3))
    assert [json.loads(record.value) for record in records] == [{"organisation_id": "org_a", "n": 1}]
    assert (await backfills.get(request.backfill_id)).total == 1


class _FailsAfter:
    """An encoder that lets ``allowed`` events through and then stops the process (a crash)."""

    def __init__(self, allowed: int) -> None:
        self.allowed = allowed

    def __call__(self, event: Any) -> Any:
        if self.allowed == 0:
            raise SystemExit("the process died")
        self.allowed -= 1
        return encode_cloudevent(event)


async def test_a_replay_that_crashed_resumes_from_its_checkpoint(world: RelayWorld) -> None:
    streams = [new_stream() for _ in range(5)]
    await append_many(world.store, streams, per_stream=40)
    backfills = Backfills(world.pool)
    await backfills.setup()
    backfill_id = uuid.uuid4()
    await backfills.request(BackfillRequest(backfill_id, world.topic), requested_by="admin-1")

    doomed = BackfillRunner(
        dsn=world.dsn,
        store=world.store,
        bootstrap_servers=world.bootstrap,
        encode=_FailsAfter(125),
        settings=BackfillSettings(service="goals", batch_size=50),
    )
    await doomed.setup()
    with contextlib.suppress(SystemExit):
        await doomed.run_open()
    crashed = await backfills.get(backfill_id)
    assert (crashed.state, crashed.published) == ("running", 100)  # two batches checkpointed

    assert await runner(world).run_open() == 1
    done = await backfills.get(backfill_id)
    assert (done.state, done.published, done.total) == ("completed", 200, 200)
    records, _ = events_and_markers(await read_topic(world.bootstrap, world.topic, 200, settle=0.5))
    first_seen: dict[str, list[int]] = defaultdict(list)
    seen: set[str] = set()
    for record in records:
        event_id = header(record, "ce_id") or ""
        if event_id not in seen:
            seen.add(event_id)
            first_seen[record.key.decode()].append(int(header(record, "ce_sequence") or 0))
    assert len(seen) == 200  # every event, the unacknowledged batch's part maybe twice
    assert first_seen == {stream: list(range(1, 41)) for stream in streams}


async def test_a_cancelled_replay_stops_and_a_busy_one_is_run_by_one_replica(world: RelayWorld) -> None:
    streams = [new_stream() for _ in range(4)]
    await append_many(world.store, streams, per_stream=50)
    backfills = Backfills(world.pool)
    await backfills.setup()
    backfill_id = uuid.uuid4()
    await backfills.request(
        BackfillRequest(backfill_id, world.topic, rate_per_second=100), requested_by="admin-1"
    )
    first, second = runner(world), runner(world)
    await first.setup()
    running = asyncio.create_task(first.run_open())
    await eventually(lambda: first.published > 0, what="the first replica publishing")
    assert await second.run_open() == 0  # it is taken
    await backfills.cancel(backfill_id)
    assert await asyncio.wait_for(running, 10) == 0
    cancelled = await backfills.get(backfill_id)
    assert cancelled.state == "cancelled"
    assert 0 < cancelled.published < 200
