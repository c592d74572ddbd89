"""What the integrations service keeps of a person: protected fields pass through as the publishing
service sealed them (never opened here), and once the person is erased no clear text about them
stays in its database, nor comes back with an event that arrives later."""

from __future__ import annotations

import json
import os

from tests.integrations.conftest import HR, ORG, World, running, webhook
from tests.integrations.events import CAUSE, NOW, goal_stream, milestone_reached, stream_of
from tests.integrations.receiver import Receiver, receiving
from tests.kernel.privacy.support import text_everywhere
from tests.kernel.relay.support import eventually
from tests.kernel.store.fixtures import open_pool
from trellis_contracts.goals import MilestoneReached, PersonErased
from trellis_contracts.personal import ERASED
from trellis_contracts.protected import seal
from trellis_contracts.recognition import RecognitionAwardedV3
from trellis_integrations.delivery.webhooks import new_secret
from trellis_integrations.domain.xapi import statement
from trellis_kernel.store import EventMetadata, NewEvent

REACHED = MilestoneReached.event_type()
AWARDED = RecognitionAwardedV3.event_type()
ERASED_TYPE = PersonErased.event_type()
ADA, GRACE = "emp_1", "emp_2"


def reached(employee: str, milestone: str, title: str, goal_title: str) -> MilestoneReached:
    plain = milestone_reached(ORG, f"goal_{employee}", milestone, employee)
    return plain.model_copy(update={"title": title, "goal_title": goal_title})


async def test_protected_fields_pass_through_and_an_erased_persons_clear_text_is_forgotten(
    world: World,
) -> None:
    secret = new_secret()
    key, kid = os.urandom(32), "dk_0f3e9a7c2b1d4e5f8a6b7c9d0e1f2a3b"
    awarded = RecognitionAwardedV3(
        recognition_id="rec_1",
        organisation_id=ORG,
        recipient_id=ADA,
        kind="milestone_celebration",
        visibility="public",
        message="placeholder",
        awarded_at=NOW,
        rule_id="leadership-milestone",
        **CAUSE,
    ).model_dump(mode="json")
    awarded["message"] = seal("Ada's keynote made the team proud", key=key, key_id=kid)
    publish = world.publisher.publish
    pool = await open_pool(world.integrations_dsn, max_size=2)
    with receiving(Receiver([secret])) as payroll:
        async with running(world.settings()) as service, world.publisher.relaying():
            created = await service.client.post(
                "/subscriptions/webhooks",
                json=webhook(payroll.url, [AWARDED, ERASED_TYPE, REACHED], secret, "hr-system"),
                headers=HR,
            )
            assert created.status_code == 201, created.text
            await publish(
                goal_stream(ORG, "goal_emp_1"), reached(ADA, "ms_1", "Ada's first keynote", "Ada speaks")
            )
            await publish(
                goal_stream(ORG, "goal_emp_2"), reached(GRACE, "ms_1", "Grace's first patch", "Grace ships")
            )
            await world.publisher.store.append(
                stream_of("recognition", ORG, "rec_1"),
                [NewEvent(event_type=AWARDED, payload=awarded, occurred_at=NOW)],
                expected=0,
                metadata=EventMetadata(principal="publisher"),
            )
            await eventually(lambda: len(payroll.accepted()) >= 3, what="three deliveries", within=30)
            [forwarded] = [d.event for d in payroll.accepted() if d.event["type"] == AWARDED]
            assert forwarded["data"] == awarded, "a protected field goes out exactly as it was sealed"

            erasure = PersonErased(
                employee_id=ADA, organisation_id=ORG, erasure_id="era_1", erased_by="hr_1", occurred_at=NOW
            )
            await publish(stream_of("person", ORG, ADA), erasure)
            await eventually(lambda: len(payroll.accepted()) >= 4, what="the erasure delivered", within=30)
            kept = await text_everywhere(pool)
            assert "Ada's first keynote" not in kept and "Ada speaks" not in kept
            assert "Grace's first patch" in kept and "Grace ships" in kept, "others' text stays"
            assert awarded["message"]["ciphertext"] in kept, "ciphertext is kept as it came"

            # An event about Ada that was still on its way (a topic lagging behind) is kept erased.
            await publish(
                goal_stream(ORG, "goal_emp_1"), reached(ADA, "ms_2", "Ada's late talk", "Ada speaks")
            )
            await eventually(lambda: len(payroll.accepted()) >= 5, what="the late event delivered", within=30)
            late = [d.event for d in payroll.accepted() if d.event["data"].get("milestone_id") == "ms_2"]
            assert late[0]["data"]["title"] == ERASED and late[0]["data"]["goal_title"] == ERASED
            assert "Ada's late talk" not in await text_everywhere(pool)

            bodies = await pool.fetch("SELECT body FROM delivery_events WHERE event_type = $1", REACHED)
    await pool.close()
    names = set()
    for row in bodies:
        event = json.loads(row["body"])
        made = statement(REACHED, event["id"], event["time"], event["data"], home_page="https://example.com")
        names.add(json.dumps(made["object"]["definition"]["name"]))
        names.add(json.dumps(made["context"]["contextActivities"]["parent"][0]["definition"]["name"]))
    assert names == {
        json.dumps({"en-US": "Milestone"}),
        json.dumps({"en-US": "Goal"}),
        json.dumps({"und": "Grace's first patch"}),
        json.dumps({"und": "Grace ships"}),
    }, "an LRS never gets an erased person's titles"
