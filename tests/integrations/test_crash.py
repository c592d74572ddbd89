"""The delivering process is killed (SIGKILL) mid-run and restarted: every event reaches every
receiver, by webhook-id and by statement id, and each aggregate in order."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from pathlib import Path

import httpx

from tests.integrations.conftest import World, bearer, webhook
from tests.integrations.events import goal_stream, milestone_reached
from tests.integrations.lrs import Lrs
from tests.integrations.receiver import Receiver, receiving
from tests.kernel.relay.support import eventually
from tests.service_process import ServiceProcess
from trellis_integrations.delivery.webhooks import new_secret
from trellis_integrations.domain.xapi import statement_id

REACHED = "dev.trellis.goals.MilestoneReached.v1"
GOALS = 10
PER_GOAL = 30


async def test_a_killed_delivering_process_loses_nothing_and_each_receiver_gets_each_event_once(
    world: World, lrs: Lrs, tmp_path: Path
) -> None:
    org = f"org_{world.integrations_dsn[-8:]}"
    headers = bearer(org=org)
    secrets = [new_secret(), new_secret()]
    settings = world.settings(lease_margin_seconds=1.0)
    service = ServiceProcess(world.environment(settings), tmp_path / "integrations.log")
    with (
        receiving(Receiver([secrets[0]], delay=0.005)) as first,
        receiving(Receiver([secrets[1]], delay=0.005)) as second,
    ):
        try:
            service.start()
            async with httpx.AsyncClient(base_url=service.url, headers=headers, timeout=10) as api:
                for name, receiver, secret in (("first", first, secrets[0]), ("second", second, secrets[1])):
                    body = webhook(receiver.url, [REACHED], secret, name, timeout_seconds=2)
                    assert (await api.post("/subscriptions/webhooks", json=body)).status_code == 201
                lrs_body = {
                    "subscription_id": "lrs",
                    "endpoint": lrs.url,
                    "username": lrs.username,
                    "password": lrs.password,
                    "home_page": "https://people.example.com",
                    "event_types": [REACHED],
                    "timeout_seconds": 2,
                }
                assert (await api.post("/subscriptions/xapi", json=lrs_body)).status_code == 201

                async with world.publisher.relaying():
                    for n in range(PER_GOAL):
                        for g in range(GOALS):
                            goal = f"goal_{g}"
                            await world.publisher.publish(
                                goal_stream(org, goal), milestone_reached(org, goal, f"ms_{n}")
                            )
                    await eventually(
                        lambda: len(first.accepted()) >= 60, what="deliveries under way", within=60
                    )
                    service.kill()
                    at_kill = (len(first.first_arrivals()), len(second.first_arrivals()))
                    killed = time.monotonic()
                    await asyncio.sleep(0.5)  # publishing goes on without it
                    service.start()
                    total = GOALS * PER_GOAL
                    await eventually(
                        lambda: (
                            len(first.first_arrivals()) == total and len(second.first_arrivals()) == total
                        ),
                        what="every event at both receivers",
                        within=180,
                    )

                    async def lrs_done() -> bool:
                        log = (await api.get("/subscriptions/lrs/deliveries?status=pending&limit=1")).json()
                        return not log and (await api.get("/subscriptions/lrs")).json()["deliveries"] == {
                            "delivered": total
                        }

                    await eventually(lrs_done, what="every statement delivered", within=180)
                    recovered = time.monotonic() - killed
                log = (await api.get("/subscriptions/first/deliveries?limit=500")).json()
        finally:
            service.stop()

    assert service.starts == 2 and at_kill[0] < total
    for receiver in (first, second):
        assert not receiver.refused
        arrivals = receiver.first_arrivals()
        assert len({a.webhook_id for a in arrivals}) == total
        order: dict[str, list[int]] = defaultdict(list)
        for arrival in arrivals:
            order[arrival.event["subject"]].append(int(arrival.event["sequence"]))
        assert order == {f"{org}/goal_{g}": list(range(1, PER_GOAL + 1)) for g in range(GOALS)}
        repeats = len(receiver.accepted()) - total
        assert repeats <= 4 * GOALS  # at most what was in flight when it died, each absorbed by webhook-id
    wanted = {str(statement_id(d["webhook_id"])) for d in log}
    assert len(wanted) == total
    stored = [s["id"] for s in lrs.statements() if s["id"] in wanted]
    assert sorted(stored) == sorted(wanted)  # every statement, each once
    print(
        f"\nkilled after {at_kill[0]}/{total} and {at_kill[1]}/{total} deliveries; all delivered "
        f"{recovered:.1f} s after the kill; repeats absorbed by webhook-id: "
        f"{len(first.accepted()) - total} and {len(second.accepted()) - total}; LRS statements: {len(stored)}"
    )
