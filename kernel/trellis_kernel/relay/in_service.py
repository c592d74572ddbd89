"""A service's outbox relay for the life of its app, with the checks and metrics that watch it.

Every service that publishes starts its relay the same way in its lifespan, through its
``ServiceRuntime`` (``trellis_kernel.http.lifespan``), which passes its stack, checks and samplers:

    relay = await runtime.start_outbox_relay(name=RELAY_NAME, store=..., topic=...)

Each replica runs one; the relay's advisory lock lets one of them lead (see ``OutboxRelay``).
Kept out of ``trellis_kernel.relay``'s package namespace because it builds on ``health`` and
``observability``, which themselves import the relay.
"""

from __future__ import annotations

import asyncio
import contextlib

from trellis_kernel.health import BrokerCheck, Readiness, relay_check
from trellis_kernel.observability import Samplers, relay_lag_sampler
from trellis_kernel.relay.cloudevents import encode_cloudevent
from trellis_kernel.relay.outbox_relay import OutboxRelay, RelaySettings
from trellis_kernel.store import EventStore


async def start_outbox_relay(
    stack: contextlib.AsyncExitStack,
    *,
    name: str,
    database_url: str,
    store: EventStore,
    bootstrap_servers: str,
    topic: str,
    readiness: Readiness,
    samplers: Samplers,
) -> OutboxRelay:
    """Run the relay publishing the store's events to ``topic`` until ``stack`` closes (then it
    publishes what is visible and hands over), and add the broker and relay readiness checks and
    the relay's lag metrics."""
    relay = OutboxRelay(
        dsn=database_url,
        store=store,
        bootstrap_servers=bootstrap_servers,
        topic_for=lambda _: topic,
        encode=encode_cloudevent,
        settings=RelaySettings(name=name),
    )
    await stack.enter_async_context(relay)
    task = asyncio.create_task(relay.run(), name=name)
    stack.push_async_callback(relay.stop, task)
    readiness.add("broker", await stack.enter_async_context(BrokerCheck(bootstrap_servers)))
    readiness.add("relay", relay_check(relay, task))
    samplers.add(relay_lag_sampler(relay))
    return relay
