"""The webhook receiver of docs/integrators.md verifies and prints a real delivery."""

from __future__ import annotations

import subprocess
import sys

from tests.integrations.conftest import HR, ORG, World, running, webhook
from tests.integrations.events import goal_stream, milestone_reached
from tests.kernel.relay.support import eventually
from tests.service_process import free_port
from trellis_deploy.settings import PROJECT_DIR
from trellis_integrations.delivery.webhooks import new_secret

EXAMPLE = PROJECT_DIR / "docs" / "examples" / "webhook_receiver.py"


def _start(port: int, secret: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(EXAMPLE), "--port", str(port), "--secret", secret], stdout=subprocess.PIPE, text=True
    )


async def test_the_documented_receiver_verifies_and_prints_a_delivery(world: World) -> None:
    secret, port = new_secret(), free_port()
    receiver = _start(port, secret)
    try:
        assert receiver.stdout is not None
        assert "listening" in receiver.stdout.readline()
        async with running(world.settings()) as service, world.publisher.relaying():
            body = webhook(
                f"http://127.0.0.1:{port}/", ["dev.trellis.goals.MilestoneReached.v1"], secret, "docs"
            )
            assert (
                await service.client.post("/subscriptions/webhooks", json=body, headers=HR)
            ).status_code == 201
            await world.publisher.publish(
                goal_stream(ORG, "goal_1"), milestone_reached(ORG, "goal_1", "ms_1")
            )

            async def delivered() -> bool:
                shown = (await service.client.get("/subscriptions/docs", headers=HR)).json()
                return bool(shown["deliveries"] == {"delivered": 1})

            await eventually(delivered, what="the delivery", within=30)
    finally:
        receiver.terminate()
        output, _ = receiver.communicate(timeout=10)
    assert f"dev.trellis.goals.MilestoneReached.v1 {ORG}/goal_1 #1 " in output
    assert '"milestone_id": "ms_1"' in output
