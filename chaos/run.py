"""One chaos run: the platform started, the load and the faults at once, the catch-up, the
checks and the report."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from chaos import checks, report
from chaos.faults import Injector, eventually, schedule
from chaos.load import SUBSCRIPTIONS, Ledger, Load, hr_headers
from chaos.platform import SERVICES, Platform, PrivateStack
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_feedback.event_codec import feedback_codec
from trellis_feedback.projections import feedback_projections
from trellis_goals import read_models as goals_read_models
from trellis_goals.event_codec import goals_codec
from trellis_integrations.domain.xapi import statement_id
from trellis_kernel.privacy import DataKeyStore, LocalKeyEncryptionKeys
from trellis_kernel.projections import Projection
from trellis_recognition.event_codec import recognition_codec
from trellis_recognition.projections import own_projections


def _feedback_projections(platform: Platform) -> tuple[Projection, ...]:
    """The feedback read models, opening personal fields with the keys its processes run with."""
    keys = DataKeyStore(
        platform.pools["feedback"], LocalKeyEncryptionKeys.from_setting(TEST_KEY_ENCRYPTION_KEYS)
    )
    return feedback_projections(feedback_codec(keys))


CATCH_UP_BOUND = 300.0
"""Seconds the platform has, after the last fault and command, to publish and consume everything."""


DELIVERY_BOUND = 180.0
"""Seconds, after catching up, for the last webhook deliveries and statements to arrive."""


@dataclass(frozen=True)
class Options:
    commands: int
    faults: int
    seed: int
    report: Path
    rate: float = 25.0
    concurrency: int = 8


async def run(options: Options, console: Console | None = None) -> dict[str, Any]:
    console = console or Console(highlight=False)
    began = time.monotonic()
    run_id = f"{options.seed}-{uuid.uuid4().hex[:6]}"
    stack = PrivateStack.fresh(run_id)
    platform = Platform(stack, stack.home / "logs")
    plan = schedule(options.seed, options.faults, options.commands)
    console.print(
        f"chaos run {run_id}: {options.commands} commands, {options.faults} faults, seed {options.seed}"
    )
    for fault in plan:
        console.print(
            f"  planned: fault {fault.number} {fault.kind} on {fault.target} after {fault.after_commands} commands"
        )
    try:
        await platform.start()
        console.print(f"platform up after {time.monotonic() - began:.0f}s (logs: {platform.logs})")
        ledger = Ledger(organisation=f"org_chaos_{options.seed}")
        async with httpx.AsyncClient(timeout=10) as http:
            injector = Injector(platform, plan, ledger, console.print)
            load = Load(
                platform.urls,
                ledger,
                commands=options.commands,
                rate=options.rate,
                concurrency=options.concurrency,
                gate=injector.gate,
            )
            await load.publish_policy(http)
            assert platform.lrs is not None
            await load.subscribe(http, platform.receiver, platform.lrs)
            # A fault that cannot be injected or recovered from ends the run with its reason,
            # rather than leaving the load waiting at that fault's gate.
            await asyncio.gather(injector.run(http), _timed(load.run(http), ledger, began, console))
            final, seconds = await checks.caught_up(platform, http, CATCH_UP_BOUND)
            console.print(f"caught up after {seconds:.0f}s: {final}")
            results = await _check(platform, ledger, injector, final, seconds)
        stored = {s: len(rows) for s, rows in results.pop("stored").items()}
        summary = report.summary(
            seed=options.seed,
            ledger_figures={
                "commands_acknowledged": len(ledger.acknowledged),
                "commands_retried": len(ledger.retried),
                "commands_refused": len(ledger.refused),
                "commands_gave_up": len(ledger.gave_up),
                "attempts_failed": ledger.attempts_failed,
            },
            events_stored=stored,
            injected=injector.injected,
            checks=results["checks"],
            seconds=time.monotonic() - began,
            refused=[
                f"{c.service} POST {c.path} as {c.as_person}: {status} {text}"
                for c, status, text in ledger.refused
            ],
        )
        for command, status, text in ledger.refused[:5]:
            console.print(f"[yellow]refused: {command.service} {command.path} {status} {text}")
        report.show(summary, options.report, console)
        return summary
    finally:
        await platform.stop()


def _keys(platform: Platform, service: str) -> DataKeyStore:
    # The services run with the suite's key-encryption keys (tests.service_process).
    return DataKeyStore(platform.pools[service], LocalKeyEncryptionKeys.from_setting(TEST_KEY_ENCRYPTION_KEYS))


async def _check(
    platform: Platform, ledger: Ledger, injector: Injector, final: checks.Lags, seconds: float
) -> dict[str, Any]:
    organisation = ledger.organisation
    stored = {s: await checks.stored_events(platform.pools[s], organisation) for s in SERVICES}
    reactions = {
        r["outcome_id"]
        for r in await platform.pools["recognition"].fetch(
            "SELECT outcome_id FROM reward_triggers WHERE organisation_id = $1", organisation
        )
    }
    bootstrap = platform.stack.bootstrap
    found = [checks.check_ledger(ledger, stored, reactions)]
    for service in SERVICES:
        found.append(await checks.check_topic(bootstrap, service, stored[service], injector.poison))
    for service, projections in (
        ("goals", goals_read_models.projections(goals_codec(_keys(platform, "goals")))),
        ("feedback", _feedback_projections(platform)),
        ("recognition", own_projections(recognition_codec(_keys(platform, "recognition")))),
    ):
        found.append(await checks.check_rebuild(service, platform.pools[service], tuple(projections)))
    found.append(
        await checks.check_recognition_reactions(
            bootstrap,
            stored["goals"],
            stored["recognition"],
            platform.pools["recognition"],
            organisation,
            {ack.command.aggregate_id for ack in ledger.acknowledged if "/approvals/" in ack.command.path},
            {
                command.aggregate_id
                for command in (*(a.command for a in ledger.acknowledged), *ledger.retried, *ledger.gave_up)
                if "/approvals/" in command.path
            },
        )
    )
    found.append(await checks.check_feedback_facts(stored["goals"], platform.pools["feedback"], organisation))
    lrs = platform.lrs
    assert lrs is not None
    expected = checks.delivered_events(stored["goals"])
    statement_ids = {str(statement_id(event)) for event in expected}

    statuses: dict[str, dict[str, int]] = {}

    async def delivered() -> bool:
        # The integrations service's own count first: listing the LRS is slow, and slows it.
        async with httpx.AsyncClient(timeout=10) as http:
            for subscription in SUBSCRIPTIONS:
                answer = await http.get(
                    f"{platform.urls('integrations')[0]}/subscriptions/{subscription}",
                    headers=hr_headers(organisation),
                )
                statuses[subscription] = answer.json()["deliveries"]
        if any(status.get("delivered", 0) < len(expected) for status in statuses.values()):
            await asyncio.sleep(2.0)
            return False
        stored_statements = await asyncio.to_thread(checks.lrs_statements, lrs)
        return checks.webhooks_complete(expected, platform.receiver) and statement_ids <= set(
            stored_statements
        )

    with contextlib.suppress(AssertionError):  # what is missing then is what the checks report
        await eventually(
            delivered, "every subscribed event delivered", within=DELIVERY_BOUND + 0.2 * len(expected)
        )
    log = checks.Check("integrations delivery log: every delivery made", figures={"deliveries": statuses})
    for subscription, counts in statuses.items():
        if any(count for status, count in counts.items() if status != "delivered"):
            log.problem(f"{subscription}: deliveries not made: {counts}")
    found.append(log)
    found.append(checks.check_webhooks(stored["goals"], platform.receiver))
    found.append(checks.check_lrs(stored["goals"], await asyncio.to_thread(checks.lrs_statements, lrs)))
    found.append(await checks.check_dead_letters(bootstrap, injector.poison))
    found.append(checks.check_lags(final, seconds))
    return {"checks": found, "stored": stored}


async def _timed(load: Awaitable[None], ledger: Ledger, began: float, console: Console) -> None:
    await load
    console.print(f"load done: {ledger.sent} commands after {time.monotonic() - began:.0f}s")
