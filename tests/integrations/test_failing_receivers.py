"""A failing receiver is retried with back-off, ends disabled, and never holds back the others."""

from __future__ import annotations

import itertools
import time
from datetime import datetime

from tests.integrations.conftest import HR, ORG, SHORT_RETRIES, World, running, webhook
from tests.integrations.events import goal_completed, goal_stream, milestone_reached
from tests.integrations.receiver import Receiver, receiving
from tests.kernel.relay.support import eventually
from trellis_integrations.delivery.webhooks import new_secret

REACHED = "dev.trellis.goals.MilestoneReached.v1"
COMPLETED = "dev.trellis.goals.GoalCompleted.v1"


async def test_500s_then_410_show_back_off_in_the_log_and_disable_it_while_others_flow(world: World) -> None:
    secret = new_secret()
    failing = Receiver([secret], answer=lambda n: 500 if n <= 5 else 410, delay=0.1)
    healthy = Receiver([secret])
    with receiving(failing), receiving(healthy):
        async with running(world.settings()) as service, world.publisher.relaying():
            for name, receiver, types in (("failing", failing, [COMPLETED]), ("healthy", healthy, [REACHED])):
                body = webhook(receiver.url, types, secret, name, timeout_seconds=2)
                assert (
                    await service.client.post("/subscriptions/webhooks", json=body, headers=HR)
                ).status_code == 201
            await world.publisher.publish(goal_stream(ORG, "done"), goal_completed(ORG, "done"))
            published: dict[str, float] = {}
            for n in range(20):
                goal = f"goal_{n % 4}"
                event = milestone_reached(ORG, goal, f"ms_{n}")
                await world.publisher.publish(goal_stream(ORG, goal), event)
                published[f"ms_{n}"] = time.monotonic()
            await eventually(
                lambda: len(healthy.accepted()) == 20, what="the healthy receiver's 20", within=30
            )
            healthy_done = time.monotonic()

            async def disabled() -> bool:
                shown = await service.client.get("/subscriptions/failing", headers=HR)
                return bool(shown.json()["status"] == "disabled")

            await eventually(disabled, what="the failing subscription disabled", within=60)
            failing_disabled = time.monotonic()
            shown = (await service.client.get("/subscriptions/failing", headers=HR)).json()
            log = (await service.client.get("/subscriptions/failing/deliveries", headers=HR)).json()

    assert shown["disabled_reason"] == "gone"
    assert "410" in shown["disabled_detail"]
    assert healthy_done < failing_disabled  # the others did not wait for it
    first = log[0]
    attempts = first["attempt_log"]
    assert len(log) == 1
    assert [a["status_code"] for a in attempts] == [500, 500, 500, 500, 500, 410]
    assert [a["outcome"] for a in attempts] == ["retry"] * 5 + ["gone"]
    waits = [
        (
            datetime.fromisoformat(a["next_attempt_at"]) - datetime.fromisoformat(a["started_at"])
        ).total_seconds()
        - a["latency_ms"] / 1000
        for a in attempts[:5]
    ]
    policy = SHORT_RETRIES
    for retry, wait in enumerate(waits, start=1):  # exponential, within the jitter band
        expected = min(policy.max_delay, policy.first_delay * policy.factor ** (retry - 1))
        assert expected * (1 - policy.jitter) - 0.01 <= wait <= expected * (1 + policy.jitter) + 0.01, waits
    assert waits[0] < waits[1] < waits[2] < waits[3]
    starts = [datetime.fromisoformat(a["started_at"]) for a in attempts]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]
    assert first["status"] == "pending"  # the 410'd delivery waits for the subscription to come back
    latencies = sorted(r.arrived - published[r.event["data"]["milestone_id"]] for r in healthy.accepted())
    print(
        f"\nfailing receiver: disabled after {len(attempts)} attempts, gaps {[round(g, 2) for g in gaps]} s; "
        f"healthy receiver meanwhile: 20 events, latency p50 {latencies[9] * 1000:.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms; healthy done {failing_disabled - healthy_done:.1f} s before the other "
        "was disabled"
    )


async def test_a_run_of_failures_disables_it_and_an_admin_brings_it_back(world: World) -> None:
    secret = new_secret()
    answers = {"status": 503}
    receiver = Receiver([secret], answer=lambda n: answers["status"])
    settings = world.settings()
    settings = settings.__class__(
        **{
            **settings.__dict__,
            "retry": settings.retry.__class__(
                first_delay=0.05, max_delay=0.1, window=30.0, disable_after_failures=4, disable_after=0.3
            ),
        }
    )
    with receiving(receiver):
        async with running(settings) as service, world.publisher.relaying():
            body = webhook(receiver.url, [REACHED], secret, "flaky")
            assert (
                await service.client.post("/subscriptions/webhooks", json=body, headers=HR)
            ).status_code == 201
            await world.publisher.publish(goal_stream(ORG, "g1"), milestone_reached(ORG, "g1", "ms_1"))

            async def state() -> str:
                return str((await service.client.get("/subscriptions/flaky", headers=HR)).json()["status"])

            await eventually(lambda: state(), what="a first look", within=5)
            await eventually(
                lambda: _is(state, "disabled"), what="disabled after a run of failures", within=30
            )
            shown = (await service.client.get("/subscriptions/flaky", headers=HR)).json()
            assert shown["disabled_reason"] == "failing"
            assert shown["health"]["consecutive_failures"] >= 4
            requests_when_disabled = receiver.requests
            await world.publisher.publish(goal_stream(ORG, "g1"), milestone_reached(ORG, "g1", "ms_2"))
            await eventually(lambda: _pending(service, 2), what="the next event waiting", within=30)
            assert receiver.requests == requests_when_disabled  # nothing is sent while disabled

            answers["status"] = 204
            enabled = await service.client.post("/subscriptions/flaky/enable", headers=HR)
            assert enabled.json()["events"] == ["dev.trellis.integrations.SubscriptionEnabled.v1"]
            await eventually(
                lambda: len(receiver.accepted()) == 2, what="both delivered after enabling", within=30
            )

    assert [r.event["data"]["milestone_id"] for r in receiver.accepted()] == ["ms_1", "ms_2"]


async def _is(state: object, wanted: str) -> bool:
    return bool(await state() == wanted)  # type: ignore[operator]


async def _pending(service: object, count: int) -> bool:
    log = (await service.client.get("/subscriptions/flaky/deliveries?status=pending", headers=HR)).json()  # type: ignore[attr-defined]
    return len(log) == count
