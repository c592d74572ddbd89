"""Webhook deliveries end to end: a service's relay publishes, the integrations service consumes
and delivers, a real receiver verifies each signature with the standardwebhooks library."""

from __future__ import annotations

import asyncio
import json
import random
from collections import defaultdict
from typing import Any

from tests.integrations.conftest import HR, ORG, World, deliveries_counted, running, webhook
from tests.integrations.events import (
    approved,
    goal_stream,
    milestone_reached,
    progress,
    proposed,
    reward,
    stream_of,
)
from tests.integrations.receiver import Receiver, receiving
from tests.kernel.relay.support import eventually
from trellis_integrations.delivery.webhooks import new_secret

APPROVED = "dev.trellis.recognition.CompensationAdjustmentApproved.v2"
GRANTED = "dev.trellis.recognition.RewardGranted.v2"
PROGRESS = "dev.trellis.goals.MilestoneProgressUpdated.v1"
REACHED = "dev.trellis.goals.MilestoneReached.v1"


async def test_payroll_gets_approved_adjustments_and_rewards_signed_never_an_unapproved_proposal(
    world: World,
) -> None:
    secret = new_secret()
    with receiving(Receiver([secret])) as payroll:
        async with running(world.settings()) as service, world.publisher.relaying():
            created = await service.client.post(
                "/subscriptions/webhooks",
                json=webhook(payroll.url, [APPROVED, GRANTED], secret, "payroll"),
                headers=HR,
            )
            assert created.status_code == 201, created.text
            assert created.json()["events"] == ["dev.trellis.integrations.SubscriptionCreated.v1"]
            publish = world.publisher.publish
            await publish(stream_of("adjustment", ORG, "adj_a"), proposed(ORG, "adj_a"))  # never approved
            await publish(stream_of("adjustment", ORG, "adj_b"), proposed(ORG, "adj_b"))
            await publish(stream_of("adjustment", ORG, "adj_b"), approved(ORG, "adj_b"))
            await publish(stream_of("reward", ORG, "rw_1"), reward(ORG, "rw_1", "200.00"))
            await publish(
                stream_of("reward", "org_2", "rw_2"), reward("org_2", "rw_2")
            )  # another organisation
            await eventually(lambda: len(payroll.accepted()) >= 2, what="two deliveries", within=30)
            await asyncio.sleep(0.5)  # nothing else may come

            log = (await service.client.get("/subscriptions/payroll/deliveries", headers=HR)).json()
            shown = (await service.client.get("/subscriptions/payroll", headers=HR)).json()

    delivered = payroll.accepted()
    assert sorted(d.event["type"] for d in delivered) == [APPROVED, GRANTED]
    assert not payroll.refused  # every signature verified
    for delivery in delivered:
        event = delivery.event
        assert delivery.content_type == "application/cloudevents+json"
        assert delivery.webhook_id == event["id"]  # the CloudEvent id, the receiver's idempotency key
        assert event["specversion"] == "1.0" and event["source"] == "/trellis/recognition"
        assert delivery.signature.startswith("v1,")
    by_type = {d.event["type"]: d.event for d in delivered}
    assert by_type[APPROVED]["data"]["adjustment_id"] == "adj_b"
    assert by_type[APPROVED]["data"]["change"] == {"amount": "2400.00", "currency": "EUR"}
    assert by_type[GRANTED]["data"]["amount"] == {"amount": "200.00", "currency": "EUR"}
    assert by_type[GRANTED]["subject"] == f"{ORG}/rw_1"
    assert [(d["event_type"], d["status"], d["attempts"]) for d in log] == [
        (APPROVED, "delivered", 1),
        (GRANTED, "delivered", 1),
    ] or sorted((d["event_type"], d["status"]) for d in log) == [
        (APPROVED, "delivered"),
        (GRANTED, "delivered"),
    ]
    attempt = log[0]["attempt_log"][0]
    assert attempt["status_code"] == 204 and attempt["outcome"] == "delivered" and attempt["latency_ms"] > 0
    assert shown["deliveries"] == {"delivered": 2}
    assert shown["health"]["consecutive_failures"] == 0


async def test_each_aggregate_arrives_in_order_even_when_the_receiver_is_slow_and_concurrent(
    world: World,
) -> None:
    secret = new_secret()
    goals = [f"goal_{n}" for n in range(6)]
    with receiving(Receiver([secret], delay=0.01)) as receiver:
        async with running(world.settings()) as service, world.publisher.relaying():
            created = await service.client.post(
                "/subscriptions/webhooks",
                json=webhook(receiver.url, [PROGRESS], secret, "progress", max_in_flight=4),
                headers=HR,
            )
            assert created.status_code == 201, created.text
            counted = await deliveries_counted(service.client, "webhook", "delivered")
            for percent in range(1, 11):
                for goal in random.sample(goals, len(goals)):
                    await world.publisher.publish(goal_stream(ORG, goal), progress(ORG, goal, percent))
            await eventually(lambda: len(receiver.first_arrivals()) == 60, what="60 deliveries", within=60)
            assert await deliveries_counted(service.client, "webhook", "delivered") >= counted + 60

    sequences: dict[str, list[int]] = defaultdict(list)
    for delivery in receiver.first_arrivals():
        sequences[delivery.event["subject"]].append(int(delivery.event["sequence"]))
    assert sequences == {f"{ORG}/{goal}": list(range(1, 11)) for goal in goals}


async def test_during_a_rotation_the_old_and_the_new_secret_both_sign(world: World) -> None:
    old = new_secret()
    with receiving(Receiver([old])) as keeps_old:
        async with running(world.settings()) as service, world.publisher.relaying():
            body = webhook(keeps_old.url, [REACHED], old, "lms")
            assert (
                await service.client.post("/subscriptions/webhooks", json=body, headers=HR)
            ).status_code == 201
            new = new_secret()
            rotated = await service.client.post(
                "/subscriptions/lms/secret-rotations",
                json={"secret": new, "overlap_seconds": 3600},
                headers=HR,
            )
            assert rotated.json()["events"] == ["dev.trellis.integrations.SecretRotated.v1"]
            secrets = (await service.client.get("/subscriptions/lms/secrets", headers=HR)).json()
            assert [s["secret"] for s in secrets] == [new, old]
            assert secrets[0]["valid_until"] is None and secrets[1]["valid_until"] is not None

            await world.publisher.publish(goal_stream(ORG, "g1"), milestone_reached(ORG, "g1", "ms_1"))
            await eventually(lambda: len(keeps_old.accepted()) == 1, what="the delivery", within=30)
            both = keeps_old.accepted()[0]
            assert len(both.signature.split(" ")) == 2
            keeps_old.secrets = [new]  # a receiver that moved to the new secret verifies it too
            assert _verifies(both, new) and _verifies(both, old)

            ended = await service.client.post(
                "/subscriptions/lms/secret-rotations", json={"overlap_seconds": 0}, headers=HR
            )
            assert ended.status_code == 200
            newest = (await service.client.get("/subscriptions/lms/secrets", headers=HR)).json()
            assert len(newest) == 1 and newest[0]["secret"] not in (new, old)  # generated, alone in force


def _verifies(delivery: Any, secret: str) -> bool:
    from standardwebhooks import Webhook, WebhookVerificationError

    headers = {
        "webhook-id": delivery.webhook_id,
        "webhook-timestamp": delivery.timestamp,
        "webhook-signature": delivery.signature,
    }
    try:
        Webhook(secret).verify(delivery.body, headers)
    except WebhookVerificationError:
        return False
    return json.loads(delivery.body)["id"] == delivery.webhook_id
