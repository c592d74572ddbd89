"""What must hold once the faults have stopped and the platform has caught up. Each check gives
figures and, when it fails, lines naming what was lost or duplicated."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from chaos.faults import Poison, dead_letters
from chaos.load import DELIVERED_TYPES, PAY_CHANGE_MILESTONE, Ledger
from chaos.platform import CONSUMER_GROUPS, SERVICES, TOPICS, Platform
from tests.integrations.lrs import Lrs
from tests.integrations.receiver import Receiver
from tests.recognition.test_end_to_end import consumer_lag, outcomes_on_topic, read_topic
from trellis_contracts.envelope import decode_envelope
from trellis_contracts.goals import GoalAgreed, MilestoneReachedV2
from trellis_contracts.recognition import CompensationAdjustmentApprovedV2
from trellis_integrations.domain.xapi import statement_id
from trellis_kernel.consumers import dead_letter_topic
from trellis_kernel.consumers.dead_letters import REASON, UNDECODABLE
from trellis_kernel.projections import Projection
from trellis_kernel.projections.inline import apply_all
from trellis_kernel.projections.projection import render_ddl
from trellis_kernel.store import EventStore, Position

MILESTONE_REACHED = MilestoneReachedV2.event_type()
GOAL_AGREED = GoalAgreed.event_type()
PAY_CHANGE_APPROVED = CompensationAdjustmentApprovedV2.event_type()
MAX_LISTED = 10


@dataclass
class Check:
    name: str
    problems: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, line: str) -> None:
        self.problems.append(line)


def listed(items: Any) -> str:
    items = sorted(str(i) for i in items)
    more = f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
    return ", ".join(items[:MAX_LISTED]) + more


@dataclass
class Lags:
    relay: dict[str, float | None]
    consumer: dict[str, int]

    @property
    def zero(self) -> bool:
        return all(v == 0 for v in self.relay.values()) and all(v == 0 for v in self.consumer.values())


async def lags(platform: Platform, http: httpx.AsyncClient) -> Lags:
    relay = {service: await platform.relay_unpublished(http, service) for service in SERVICES}
    consumer = {
        group: await consumer_lag(platform.stack.bootstrap, group, topics)
        for group, topics in CONSUMER_GROUPS.items()
    }
    return Lags(relay, consumer)


async def caught_up(platform: Platform, http: httpx.AsyncClient, within: float) -> tuple[Lags, float]:
    """Wait (bounded) until every process is ready and every relay and consumer group has no lag,
    twice in a row a second apart (a reaction's events are published after its consumer
    committed); the lags last seen and the seconds it took."""
    started = time.monotonic()
    last = Lags({}, {})
    zero_before = False
    while time.monotonic() - started < within:
        try:
            if await platform.all_ready(http):
                last = await lags(platform, http)
                if last.zero and zero_before:
                    break
                zero_before = last.zero
        except Exception:
            zero_before = False
        await asyncio.sleep(1.0)
    return last, round(time.monotonic() - started, 1)


async def stored_events(pool: asyncpg.Pool, organisation: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT stream_id, version, event_id, event_type, payload FROM events "
        "WHERE stream_id LIKE '%-' || $1 || '/%' ORDER BY global_position",
        organisation,
    )


def check_ledger(ledger: Ledger, stored: dict[str, list[asyncpg.Record]], reactions: set[str]) -> Check:
    """Every acknowledged command's events are stored; every stored event was caused by an
    acknowledged or retried command (or is a reaction to an event)."""
    check = Check("acknowledged commands' events stored, none unexplained")
    versions: dict[tuple[str, str], set[int]] = defaultdict(set)
    for service, rows in stored.items():
        for row in rows:
            versions[(service, row["stream_id"])].add(row["version"])
    lost = []
    acknowledged: dict[tuple[str, str], int] = {}
    for ack in ledger.acknowledged:
        key = (ack.command.service, ack.stream_id)
        acknowledged[key] = max(acknowledged.get(key, 0), ack.version)
        for version in range(ack.version - ack.events + 1, ack.version + 1):
            if version not in versions[key]:
                lost.append(f"{ack.command.service} {ack.stream_id} v{version} ({ack.command.path})")
    uncertain = {(c.service, c.aggregate_id) for c in (*ledger.retried, *ledger.gave_up)}
    unexplained = []
    for (service, stream), found in versions.items():
        aggregate = stream.rpartition("/")[2]
        if (
            (service, aggregate) in uncertain
            or aggregate in reactions
            or (service, aggregate) in ledger.setup
        ):
            continue
        beyond = [v for v in found if v > acknowledged.get((service, stream), 0)]
        if beyond:
            unexplained.append(f"{service} {stream} v{listed(beyond)}")
    check.figures = {"events_lost": len(lost), "events_unexplained": len(unexplained)}
    if ledger.refused:
        examples = [f"{c.service} POST {c.path}: {status} {text[:120]}" for c, status, text in ledger.refused]
        check.problem(f"{len(ledger.refused)} commands refused at their first attempt: {listed(examples)}")
    if ledger.never_proposed:
        check.problem(
            f"{len(ledger.never_proposed)} pay changes never proposed for approval: {listed(ledger.never_proposed)}"
        )
    if ledger.gave_up:
        check.problem(
            f"{len(ledger.gave_up)} commands never answered: {listed(c.path for c in ledger.gave_up)}"
        )
    if lost:
        check.problem(f"{len(lost)} acknowledged events not in their store: {listed(lost)}")
    if unexplained:
        check.problem(f"{len(unexplained)} streams hold events no command caused: {listed(unexplained)}")
    return check


async def check_topic(
    bootstrap: str, service: str, rows: list[asyncpg.Record], poison: list[Poison]
) -> Check:
    """Every stored event is on the service's topic, each stream's first appearances in version
    order; duplicates (republished by a relay after a crash) counted."""
    topic = TOPICS[service]
    check = Check(f"{service} events on {topic} in order per key")
    records = await read_topic(bootstrap, topic)
    poisoned = {(p.partition, p.offset) for p in poison if p.topic == topic}
    first_seen: dict[str, list[int]] = defaultdict(list)
    seen: set[str] = set()
    duplicates = undecodable = 0
    for record in records:
        if (record.partition, record.offset) in poisoned:
            continue
        try:
            envelope, _ = decode_envelope(list(record.headers), record.value)
        except Exception:
            undecodable += 1
            continue
        if envelope.id in seen:
            duplicates += 1
            continue
        seen.add(envelope.id)
        first_seen[record.key.decode()].append(envelope.sequence or 0)
    stored_ids = {str(row["event_id"]) for row in rows}
    missing = stored_ids - seen
    phantom = seen - stored_ids
    latest: dict[str, int] = defaultdict(int)
    for row in rows:
        latest[row["stream_id"]] = max(latest[row["stream_id"]], row["version"])
    out_of_order = [
        f"{stream} first appears as {versions[:12]}"
        for stream, versions in first_seen.items()
        if versions != list(range(1, latest.get(stream, 0) + 1))
    ]
    check.figures = {"records": len(records), "duplicates": duplicates, "missing_on_topic": len(missing)}
    if missing:
        check.problem(f"{len(missing)} stored events never reached {topic}: {listed(missing)}")
    if phantom:
        check.problem(f"{len(phantom)} events on {topic} are in no store: {listed(phantom)}")
    if undecodable:
        check.problem(f"{undecodable} records on {topic} are neither events nor injected poison")
    if out_of_order and not missing:
        check.problem(f"{len(out_of_order)} streams out of order on {topic}: {listed(out_of_order)}")
    return check


async def check_rebuild(service: str, pool: asyncpg.Pool, projections: tuple[Projection, ...]) -> Check:
    """The service's read models equal a replay of its own store into fresh tables."""
    check = Check(f"{service} read models equal a rebuild from its store")
    store = EventStore(pool)
    differing = {}
    for projection in projections:
        schema = "chaos_" + hashlib.sha256(projection.name.encode()).hexdigest()[:12]
        async with pool.acquire() as connection:
            await connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            await connection.execute(f"CREATE SCHEMA {schema}")
            try:
                for statement in render_ddl(projection, schema):
                    await connection.execute(statement)
                position = Position.START
                while True:
                    async with connection.transaction():
                        events = await store.read_all(position, 1000, connection=connection)
                        await apply_all(connection, (projection,), events, schema)
                    if not events:
                        break
                    position = events[-1].position
                for table in projection.tables:
                    only_live = await connection.fetchval(
                        f"SELECT count(*) FROM (SELECT * FROM public.{table} EXCEPT ALL SELECT * FROM {schema}.{table}) d"
                    )
                    only_rebuilt = await connection.fetchval(
                        f"SELECT count(*) FROM (SELECT * FROM {schema}.{table} EXCEPT ALL SELECT * FROM public.{table}) d"
                    )
                    if only_live or only_rebuilt:
                        differing[table] = (only_live, only_rebuilt)
            finally:
                await connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    check.figures = {"projections": len(projections), "tables_differing": len(differing)}
    for table, (live, rebuilt) in differing.items():
        check.problem(f"{service}.{table}: {live} rows only in the live table, {rebuilt} only in the rebuild")
    return check


async def check_recognition_reactions(
    bootstrap: str,
    goals_rows: list[asyncpg.Record],
    recognition_rows: list[asyncpg.Record],
    pool: asyncpg.Pool,
    organisation: str,
    approved_by_hr: set[str],
    asked_of_hr: set[str],
) -> Check:
    """Each milestone reached (the policy's trigger) is celebrated exactly once, and the last
    milestone of a goal also proposes exactly one pay change, which HR approved exactly once:
    one reward trigger per outcome in the view, one outcome event on the recognition topic."""
    check = Check("recognition outcomes and approvals exactly once per milestone reached")
    expected: dict[str, Counter[str]] = {}
    for row in goals_rows:
        if row["event_type"] == MILESTONE_REACHED:
            payload = row["payload"] if isinstance(row["payload"], dict) else json.loads(row["payload"])
            kinds = Counter({"recognition": 1})
            if payload["milestone_id"] == PAY_CHANGE_MILESTONE:
                kinds["compensation_adjustment"] = 1
            expected[str(row["event_id"])] = kinds
    triggers = await pool.fetch(
        "SELECT outcome_id, outcome_kind, triggering_event_id, approval_state FROM reward_triggers "
        "WHERE organisation_id = $1",
        organisation,
    )
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for row in triggers:
        found[row["triggering_event_id"]][row["outcome_kind"]] += 1
    missing = [
        f"{event} {kind}" for event, kinds in expected.items() for kind in kinds if not found[event][kind]
    ]
    twice = [f"{event} {kind} x{n}" for event, kinds in found.items() for kind, n in kinds.items() if n > 1]
    unexpected = [
        f"{event} {kind}"
        for event, kinds in found.items()
        for kind in kinds
        if kind not in expected.get(event, {})
    ]
    on_topic = await outcomes_on_topic(bootstrap, TOPICS["recognition"])
    outcome_ids = {row["outcome_id"] for row in triggers}
    recorded_twice = {outcome: len(ids) for outcome, ids in on_topic.items() if len(ids) > 1}
    not_published = outcome_ids - set(on_topic)
    adjustments = {row["outcome_id"] for row in triggers if row["outcome_kind"] == "compensation_adjustment"}
    approvals = Counter(
        (row["payload"] if isinstance(row["payload"], dict) else json.loads(row["payload"]))["adjustment_id"]
        for row in recognition_rows
        if row["event_type"] == PAY_CHANGE_APPROVED
    )
    approved_twice = {a: n for a, n in approvals.items() if n > 1}
    view_approved = {
        row["outcome_id"]
        for row in triggers
        if row["outcome_kind"] == "compensation_adjustment" and row["approval_state"] == "approved"
    }
    not_approved = approved_by_hr - set(approvals)
    shown_otherwise = approved_by_hr - view_approved
    approved_unasked = (view_approved | set(approvals)) - asked_of_hr
    check.figures = {
        "milestones_reached": len(expected),
        "outcomes": len(triggers),
        "pay_changes": len(adjustments),
        "approvals": sum(approvals.values()),
        "duplicate_effects": len(twice)
        + sum(n - 1 for n in recorded_twice.values())
        + sum(n - 1 for n in approved_twice.values()),
        "missed_effects": len(missing),
    }
    if missing:
        check.problem(f"{len(missing)} outcomes of milestones reached never recorded: {listed(missing)}")
    if twice:
        check.problem(f"{len(twice)} outcomes recorded more than once for one milestone: {listed(twice)}")
    if unexpected:
        check.problem(f"{len(unexpected)} outcomes the policy does not give: {listed(unexpected)}")
    if recorded_twice:
        check.problem(
            f"{len(recorded_twice)} outcomes recorded by several events: {listed(recorded_twice.items())}"
        )
    if not_published:
        check.problem(f"{len(not_published)} outcomes not on the recognition topic: {listed(not_published)}")
    if approved_twice:
        check.problem(
            f"{len(approved_twice)} pay changes approved more than once: {listed(approved_twice.items())}"
        )
    if not_approved:
        check.problem(
            f"{len(not_approved)} pay changes HR approved were never approved: {listed(not_approved)}"
        )
    if shown_otherwise:
        check.problem(
            f"{len(shown_otherwise)} approved pay changes not approved in the view: {listed(shown_otherwise)}"
        )
    if approved_unasked:
        check.problem(f"{len(approved_unasked)} pay changes approved without HR: {listed(approved_unasked)}")
    return check


async def check_feedback_facts(
    goals_rows: list[asyncpg.Record], pool: asyncpg.Pool, organisation: str
) -> Check:
    """Feedback learnt every reporting line, goal and milestone reached from the goals topic."""
    check = Check("feedback's facts from the goals topic match the goals store")
    lines: dict[str, str | None] = {}
    reached: set[tuple[str, str]] = set()
    goals: set[str] = set()
    for row in goals_rows:
        payload = row["payload"] if isinstance(row["payload"], dict) else json.loads(row["payload"])
        if row["stream_id"].startswith("reportingline-"):
            lines[payload["employee_id"]] = payload.get("manager_id")
        elif row["event_type"] == MILESTONE_REACHED:
            reached.add((payload["goal_id"], payload["milestone_id"]))
        elif row["event_type"] == GOAL_AGREED:
            goals.add(payload["goal_id"])
    known_lines: dict[str, str | None] = {
        r["employee_id"]: r["manager_id"]
        for r in await pool.fetch(
            "SELECT employee_id, manager_id FROM reporting_lines WHERE organisation_id = $1", organisation
        )
    }
    known_reached = {
        (r["goal_id"], r["milestone_id"])
        for r in await pool.fetch(
            "SELECT goal_id, milestone_id FROM goal_milestones WHERE organisation_id = $1 AND reached_on IS NOT NULL",
            organisation,
        )
    }
    known_goals = {
        r["goal_id"]
        for r in await pool.fetch("SELECT goal_id FROM goals WHERE organisation_id = $1", organisation)
    }
    unknown = len({e for e in lines if lines[e] != known_lines.get(e)}) + len(reached - known_reached)
    check.figures = {
        "reporting_lines": len(lines),
        "milestones_reached": len(reached),
        "missed_effects": unknown + len(goals - known_goals),
    }
    if known_lines != lines:
        differing = {e for e in set(lines) | set(known_lines) if lines.get(e) != known_lines.get(e)}
        check.problem(f"{len(differing)} reporting lines differ: {listed(differing)}")
    if known_reached != reached:
        check.problem(
            f"milestones reached: {len(reached - known_reached)} unknown to feedback "
            f"({listed(reached - known_reached)}), {len(known_reached - reached)} it holds wrongly"
        )
    if not goals <= known_goals:
        check.problem(
            f"{len(goals - known_goals)} agreed goals unknown to feedback: {listed(goals - known_goals)}"
        )
    return check


async def check_dead_letters(bootstrap: str, poison: list[Poison]) -> Check:
    """The dead-letter topics hold exactly the injected poison records, once per consumer group
    that reads their topic, each with its reason."""
    check = Check("dead-letter topics hold exactly the poison records")
    expected = {
        (p.topic, p.partition, p.offset, group)
        for p in poison
        for group, topics in CONSUMER_GROUPS.items()
        if p.topic in topics
    }
    found: Counter[tuple[str, int, int, str]] = Counter()
    reasons: Counter[str] = Counter()
    for topic in {t for topics in CONSUMER_GROUPS.values() for t in topics}:
        for partition, offset, consumer in await dead_letters(bootstrap, topic):
            found[(topic, partition, offset, consumer)] += 1
        for record in await read_topic(bootstrap, dead_letter_topic(topic)):
            reasons[dict(record.headers)[REASON].decode()] += 1
    check.figures = {
        "poison_injected": len(poison),
        "dead_letters_expected": len(expected),
        "dead_letters": sum(found.values()),
        "reasons": dict(reasons),
    }
    if set(found) - expected:
        check.problem(f"dead letters of records that are not poison: {listed(set(found) - expected)}")
    if expected - set(found):
        check.problem(f"poison records not dead-lettered: {listed(expected - set(found))}")
    if set(reasons) - {UNDECODABLE}:
        check.problem(f"dead letters with other reasons than {UNDECODABLE}: {dict(reasons)}")
    return check


def check_lags(final: Lags, seconds: float) -> Check:
    check = Check("relay and consumer lag back to zero")
    check.figures = {"relay_lag": final.relay, "consumer_lag": final.consumer, "catch_up_seconds": seconds}
    if not final.zero:
        check.problem(
            f"still behind after {seconds:.0f}s: relays {final.relay}, consumer groups {final.consumer}"
        )
    return check


def delivered_events(rows: list[asyncpg.Record]) -> set[str]:
    """The stored events the integrator subscribed to."""
    return {str(row["event_id"]) for row in rows if row["event_type"] in DELIVERED_TYPES}


def webhooks_complete(expected: set[str], receiver: Receiver) -> bool:
    return expected <= {arrival.event["id"] for arrival in receiver.accepted()}


def lrs_statements(lrs: Lrs) -> Counter[str]:
    return Counter(statement["id"] for statement in lrs.statements())


def check_webhooks(rows: list[asyncpg.Record], receiver: Receiver) -> Check:
    """Every subscribed event arrived at the webhook receiver, under one webhook-id (a delivery
    repeated after a timeout or a 500 carries the same id: counted, absorbed by the receiver)."""
    check = Check("webhook deliveries once per id at the receiver")
    expected = delivered_events(rows)
    ids_per_event: dict[str, set[str]] = defaultdict(set)
    accepted = receiver.accepted()
    for arrival in accepted:
        ids_per_event[arrival.event["id"]].add(arrival.webhook_id)
    missing = expected - set(ids_per_event)
    unexpected = set(ids_per_event) - expected
    several = {event: len(ids) for event, ids in ids_per_event.items() if len(ids) > 1}
    repeats = len(accepted) - sum(len(ids) for ids in ids_per_event.values())
    check.figures = {
        "events": len(expected),
        "delivered": len(ids_per_event),
        "repeats_of_a_webhook_id": repeats,
        "missed_effects": len(missing),
        "duplicate_effects": sum(n - 1 for n in several.values()),
    }
    if missing:
        check.problem(f"{len(missing)} events never delivered to the webhook: {listed(missing)}")
    if unexpected:
        check.problem(f"{len(unexpected)} webhook deliveries of events no store holds: {listed(unexpected)}")
    if several:
        check.problem(f"{len(several)} events delivered under several webhook-ids: {listed(several.items())}")
    if receiver.refused:
        check.problem(
            f"{len(receiver.refused)} deliveries failed signature verification: {listed(set(receiver.refused))}"
        )
    return check


def check_lrs(rows: list[asyncpg.Record], statements: Counter[str]) -> Check:
    """The LRS holds one statement per subscribed event, with the id derived from it."""
    check = Check("LRS statements once per id")
    expected = {str(statement_id(event)) for event in delivered_events(rows)}
    missing = expected - set(statements)
    unexpected = set(statements) - expected
    twice = {s: n for s, n in statements.items() if n > 1}
    check.figures = {
        "statements_expected": len(expected),
        "statements": sum(statements.values()),
        "missed_effects": len(missing),
        "duplicate_effects": sum(n - 1 for n in twice.values()) + len(unexpected),
    }
    if missing:
        check.problem(f"{len(missing)} statements not in the LRS: {listed(missing)}")
    if unexpected:
        check.problem(
            f"{len(unexpected)} statements in the LRS for no subscribed event: {listed(unexpected)}"
        )
    if twice:
        check.problem(f"{len(twice)} statements stored more than once: {listed(twice.items())}")
    return check
