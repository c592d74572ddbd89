"""xAPI statements reach a real LRS (Ralph) once each, and are read back through its xAPI API."""

from __future__ import annotations

from tests.integrations.conftest import World, bearer, deliveries_counted, running
from tests.integrations.events import (
    activity_completed,
    assignment,
    goal_completed,
    goal_stream,
    milestone_reached,
    progress,
    stream_of,
)
from tests.integrations.lrs import Lrs
from tests.kernel.relay.support import eventually
from trellis_integrations.delivery.dispatcher import _pending
from trellis_integrations.domain.xapi import statement_id

HOME = "https://people.example.com"


def xapi(lrs: Lrs, subscription_id: str = "lrs") -> dict[str, object]:
    return {
        "subscription_id": subscription_id,
        "endpoint": lrs.url,
        "username": lrs.username,
        "password": lrs.password,
        "home_page": HOME,
    }


async def test_learning_events_become_statements_in_the_lrs_once_each(world: World, lrs: Lrs) -> None:
    org = f"org_{world.integrations_dsn[-8:]}"  # one LRS serves the module's tests
    headers = bearer(org=org)
    async with running(world.settings()) as service, world.publisher.relaying():
        created = await service.client.post("/subscriptions/xapi", json=xapi(lrs), headers=headers)
        assert created.status_code == 201, created.text
        counted = await deliveries_counted(service.client, "xapi", "delivered")
        publish = world.publisher.publish
        await publish(
            goal_stream(org, "goal_1"), milestone_reached(org, "goal_1", "ms_1"), progress(org, "goal_1", 50)
        )
        await publish(
            goal_stream(org, "goal_1"),
            activity_completed(org, "goal_1", "act_1"),
            goal_completed(org, "goal_1"),
        )
        await publish(stream_of("assignment", org, "asg_1"), assignment(org, "asg_1"))

        async def delivered() -> bool:
            log = (
                await service.client.get("/subscriptions/lrs/deliveries?status=delivered", headers=headers)
            ).json()
            return len(log) == 4

        await eventually(delivered, what="four statements delivered", within=60)
        log = (await service.client.get("/subscriptions/lrs/deliveries", headers=headers)).json()
        assert await deliveries_counted(service.client, "xapi", "delivered") == counted + 4

    ids = {str(statement_id(d["webhook_id"])) for d in log}
    stored = [s for s in lrs.statements() if s["id"] in ids]
    assert len(stored) == 4  # once each
    by_verb = sorted(
        (s["verb"]["id"].rsplit("/", 1)[1], s["object"]["id"].split(f"/organisations/{org}/")[-1])
        for s in stored
    )
    assert by_verb == [
        ("completed", "goals/goal_1"),
        ("completed", "goals/goal_1/activities/act_1"),
        ("completed", "goals/goal_1/milestones/ms_1"),
        ("registered", "https://lms.example.com/xapi/activities/photoshop-101"),
    ]
    milestone = next(s for s in stored if s["object"]["id"].endswith("/milestones/ms_1"))
    assert milestone["actor"]["account"] == {"homePage": HOME, "name": "emp_1"}
    assert milestone["object"]["definition"]["name"] == {"und": "Step ms_1"}
    assert milestone["context"]["contextActivities"]["parent"][0]["definition"]["name"] == {
        "und": "Master Photoshop"
    }


async def test_a_statement_sent_again_is_stored_once(world: World, lrs: Lrs) -> None:
    """A redelivery (a crash before the outcome was recorded, or a replay) is the same statement."""
    org = f"org_{world.integrations_dsn[-8:]}"
    headers = bearer(org=org)
    async with running(world.settings()) as service, world.publisher.relaying():
        assert (
            await service.client.post("/subscriptions/xapi", json=xapi(lrs), headers=headers)
        ).status_code == 201
        await world.publisher.publish(goal_stream(org, "goal_2"), milestone_reached(org, "goal_2", "ms_9"))

        async def delivered() -> list[dict[str, object]]:
            return list(
                (
                    await service.client.get(
                        "/subscriptions/lrs/deliveries?status=delivered", headers=headers
                    )
                ).json()
            )

        await eventually(delivered, what="the statement delivered", within=60)
        (delivery,) = await delivered()
        # The same delivery once more, as after a crash: the dispatcher's transport, the real LRS.
        dispatcher = service.app.state.dispatcher
        target = await dispatcher._target((org, "lrs"))
        pending = await service.app.state.integrations.pool.fetchrow(
            "SELECT d.*, e.body FROM deliveries d JOIN delivery_events e USING (event_id) WHERE delivery_id = $1",
            delivery["delivery_id"],
        )
        again = await dispatcher._transports["xapi"].deliver(target, _pending(pending))
    assert (again.outcome, again.status_code) == ("delivered", 204)
    sid = str(statement_id(delivery["webhook_id"]))
    assert lrs.statement(sid) is not None
    assert [s["id"] for s in lrs.statements() if s["id"] == sid] == [sid]
