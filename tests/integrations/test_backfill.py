"""A late joiner's backfill: 10,000 stored events replayed by the owning service and delivered to
a new subscription in order per aggregate, while live deliveries go on."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections import defaultdict

from tests.integrations.conftest import PLATFORM, World, running, webhook
from tests.integrations.events import goal_stream, milestone_reached, progress, seed_history
from tests.integrations.receiver import Receiver, receiving
from tests.kernel.relay.support import eventually
from trellis_integrations.delivery.webhooks import new_secret
from trellis_kernel.backfill import BackfillRequest, Backfills

PROGRESS = "dev.trellis.goals.MilestoneProgressUpdated.v1"
REACHED = "dev.trellis.goals.MilestoneReached.v1"
GOALS, PER_GOAL = int(os.environ.get("BF_GOALS", "1000")), 10


async def test_a_backfill_of_ten_thousand_events_arrives_in_order_while_live_deliveries_go_on(
    world: World,
) -> None:
    org = "org_1"
    history = await seed_history(world.publisher, org, GOALS, PER_GOAL)
    secret = new_secret()
    live_sent: dict[str, float] = {}
    later: dict[str, int] = defaultdict(lambda: PER_GOAL)
    with receiving(Receiver([secret])) as live, receiving(Receiver([secret])) as late:
        async with running(world.settings(poll_seconds=0.2, backfill_per_second=400.0)) as service, world.publisher.relaying():
            api = service.client
            for name, receiver, types in (("live", live, [REACHED]), ("late", late, [PROGRESS])):
                body = webhook(receiver.url, types, secret, name, max_in_flight=8)
                assert (
                    await api.post("/subscriptions/webhooks", json=body, headers=PLATFORM)
                ).status_code == 201

            async def feed() -> None:
                """Live events all along: milestones for the live subscription, and progress on goals
                whose history is being replayed (to arrive after that history)."""
                for n in range(10_000):
                    if stop_feeding.is_set():
                        return  # between events, so `later` counts exactly what was published
                    goal = f"goal_{n % 50}"
                    event = milestone_reached(org, goal, f"live_{n}")
                    live_sent[f"live_{n}"] = time.monotonic()
                    await world.publisher.publish(goal_stream(org, f"live_{goal}"), event)
                    if n % 5 == 0:
                        await world.publisher.publish(
                            goal_stream(org, goal), progress(org, goal, later[goal] + 1)
                        )
                        later[goal] += 1
                    await asyncio.sleep(0.05)

            stop_feeding = asyncio.Event()
            feeder = asyncio.create_task(feed())
            job = await api.post("/subscriptions/late/backfills", json={"service": "goals"}, headers=PLATFORM)
            assert job.status_code == 201, job.text
            replay = job.json()["replay_request"]
            assert replay["topic"] == world.backfill_topic and replay["event_types"] == [PROGRESS]
            backfills = Backfills(world.publisher.pool)  # the owning service's side
            await backfills.setup()
            started = time.monotonic()
            await backfills.request(
                BackfillRequest(
                    uuid.UUID(replay["backfill_id"]),
                    replay["topic"],
                    organisation_id=replay["organisation_id"],
                    event_types=frozenset(replay["event_types"]),
                ),
                requested_by="ops_1",
            )
            runner = world.publisher.backfill_runner()
            await runner.setup()
            replaying = asyncio.create_task(runner.run())

            async def watch() -> None:
                while True:
                    await asyncio.sleep(5)
                    job = (
                        await api.get(
                            f"/subscriptions/late/backfills/{replay['backfill_id']}", headers=PLATFORM
                        )
                    ).json()
                    print(
                        f"t={time.monotonic() - started:.0f}s replayed {runner.published} received {job['received']} delivered {len(late.accepted())}",
                        flush=True,
                    )

            watcher = asyncio.create_task(watch())
            try:
                await eventually(
                    lambda: len({r.webhook_id for r in late.accepted()}) >= history,
                    what="the whole history at the late receiver",
                    within=600,
                )
                backfilled = time.monotonic() - started
                live_during = list(live.accepted())
                stop_feeding.set()
                await feeder
                expected = history + sum(n - PER_GOAL for n in later.values())
                await eventually(
                    lambda: len({r.webhook_id for r in late.accepted()}) == expected,
                    what="the live progress after the history",
                    within=60,
                )
                progress_shown = (
                    await api.get(f"/subscriptions/late/backfills/{replay['backfill_id']}", headers=PLATFORM)
                ).json()
                replayed = await backfills.get(uuid.UUID(replay["backfill_id"]))
            finally:
                watcher.cancel()
                runner.stop()
                replaying.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await replaying

    # Everything stored before it started: the history, and live progress stored by then.
    assert replayed.state == "completed" and history <= replayed.published < history + 100
    assert progress_shown["state"] == "replayed"
    assert progress_shown["partitions_done"] == progress_shown["partitions"] == 3
    sequences: dict[str, list[int]] = defaultdict(list)
    for arrival in late.first_arrivals():
        sequences[arrival.event["subject"].split("/")[1]].append(int(arrival.event["sequence"]))
    assert sequences == {f"goal_{g}": list(range(1, later[f"goal_{g}"] + 1)) for g in range(GOALS)}
    assert len(live_during) > 0  # live deliveries went on meanwhile
    latencies = sorted(r.arrived - live_sent[r.event["data"]["milestone_id"]] for r in live_during)
    print(
        f"\nbackfill: {history} events in {backfilled:.1f} s = {history / backfilled:.0f} events/s "
        f"(replay {replayed.rate or 0:.0f} events/s); live meanwhile: {len(live_during)} deliveries, "
        f"latency p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, p95 "
        f"{latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms"
    )
