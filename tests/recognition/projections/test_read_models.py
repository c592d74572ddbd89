"""The recognition read models on real PostgreSQL: events appended with the kernel's store,
folded by the projections, rows asserted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.kernel.store.fixtures import open_pool
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from tests.recognition.domain.builders import (
    EMPLOYEE,
    HR,
    MANAGER,
    ORG,
    OTHER_ORG,
    TEAMMATE,
    at,
    example,
    facts_for,
    feedback_given,
    goal_completed,
    goal_facts,
    milestone_reached,
    published,
)
from tests.recognition.domain.test_outcomes_and_compensation import proposal
from tests.recognition.projections.feedback_records import store_feedback
from trellis_contracts import EventContract
from trellis_contracts import goals as g
from trellis_contracts.fields import Money
from trellis_contracts.personal import ERASED
from trellis_contracts.recognition import BudgetCharged, BudgetSet, PeerRecognitionGivenV2
from trellis_kernel.privacy import DataKeyStore, LocalKeyEncryptionKeys
from trellis_kernel.projections import InlineProjector, rebuild, setup_projection
from trellis_kernel.store import EventMetadata, EventStore, ExpectedVersion, NewEvent, Pool
from trellis_kernel.testing import replay
from trellis_recognition.domain.backtest import backtest
from trellis_recognition.domain.budgets import Exceeded, Within
from trellis_recognition.domain.compensation import ApproveAdjustment, ProposeAdjustment, adjustment_decider
from trellis_recognition.domain.evaluation import count_queries, evaluate
from trellis_recognition.domain.outcomes import RecordOutcome, outcome_decider
from trellis_recognition.domain.rewards import ApproveHeldReward, GrantReward, reward_decider
from trellis_recognition.domain.rules import Approver
from trellis_recognition.event_codec import recognition_codec
from trellis_recognition.projections import FACT_PROJECTIONS, own_projections
from trellis_recognition.projections import facts as fact_tables

ACTOR = EventMetadata(principal="trellis-recognition")
NOW = at(date(2026, 3, 10), 15)
HR_ADMIN = Approver(HR, hr_admin=True)


class World:
    def __init__(self, store: EventStore, pool: Pool) -> None:
        self.store = store
        self.pool = pool
        self.keys = DataKeyStore(pool, LocalKeyEncryptionKeys.from_setting(TEST_KEY_ENCRYPTION_KEYS))
        self.codec = recognition_codec(self.keys)
        self.own_projections = own_projections(self.codec)
        self.projector = InlineProjector(store, [*self.own_projections, *FACT_PROJECTIONS])

    async def record(self, stream: str, *events: EventContract) -> None:
        """Recognition events as the service stores them: through its codec (personal text
        sealed); other services' events as their contract's payload, at the event's own time."""
        records = [
            (await self.codec.encode_all([e]))[0]
            if e.event_type() in self.codec.event_types
            else NewEvent(event_type=e.event_type(), payload=e.model_dump(mode="json"), occurred_at=e.moment())
            for e in events
        ]
        await self.projector.append(stream, records, expected=ExpectedVersion.ANY, metadata=ACTOR)

    async def rows(self, table: str, order: str) -> list[dict[str, Any]]:
        return [dict(row) for row in await self.pool.fetch(f"SELECT * FROM {table} ORDER BY {order}")]


@pytest.fixture
async def world(database_dsn: str) -> AsyncIterator[World]:
    pool = await open_pool(database_dsn, max_size=4)
    try:
        store = EventStore(pool)
        await store.setup()
        world = World(store, pool)
        await world.keys.setup()
        for projection in (*world.own_projections, *FACT_PROJECTIONS):
            await setup_projection(pool, projection, checkpoint=False)
        yield world
    finally:
        await pool.close()


def outcomes_of_the_leadership_milestone() -> list[Any]:
    versions = [published(example("leadership-milestones.yaml"))]
    trigger = milestone_reached("m1", at(date(2026, 3, 10)), track="leadership")
    return evaluate(trigger, facts_for(trigger, versions), versions)


def certification_outcomes(organisation: str = ORG) -> list[Any]:
    versions = [published(example("certification-bonus.json"), organisation_id=organisation)]
    trigger = goal_completed("g1", at(date(2026, 3, 10)))
    if organisation != ORG:
        trigger = replace(trigger, organisation_id=organisation)
    return evaluate(
        trigger,
        facts_for(trigger, versions, goal=goal_facts(template="aws-associate-certification")),
        versions,
    )


# --- the reward-trigger view -------------------------------------------------------------------


async def test_each_outcome_is_one_row_with_its_cause_and_approval_state(world: World) -> None:
    recognition, initiative = outcomes_of_the_leadership_milestone()
    for planned in (recognition, initiative):
        await world.record(
            f"outcome-{planned.outcome_id}", *replay(outcome_decider, RecordOutcome(planned=planned, now=NOW))
        )
    bonus, _ = certification_outcomes()
    held = replay(
        reward_decider,
        GrantReward(
            planned=bonus,
            verdict=Exceeded(
                "over_budget",
                "2026-Q1",
                Money(amount="100.00", currency="EUR"),
                Money(amount="0", currency="EUR"),
            ),
            now=NOW,
        ),
    )
    await world.record(f"reward-{bonus.outcome_id}", *held)

    rows = {row["outcome_id"]: row for row in await world.rows("reward_triggers", "outcome_id")}
    assert set(rows) == {recognition.outcome_id, initiative.outcome_id, bonus.outcome_id}
    row = rows[recognition.outcome_id]
    assert (row["organisation_id"], row["outcome_kind"], row["employee_id"], row["approval_state"]) == (
        ORG,
        "recognition",
        EMPLOYEE,
        "not_required",
    )
    assert (row["triggering_event_id"], row["policy_id"], row["policy_version"], row["rule_id"]) == (
        recognition.cause.triggering_event_id,
        "leadership-milestones",
        1,
        "leadership-milestone",
    )
    assert (row["delivery_state"], row["recorded_at"]) == (None, NOW)
    reward = rows[bonus.outcome_id]
    assert (
        reward["outcome_kind"],
        reward["approval_state"],
        reward["amount"],
        reward["currency"],
        reward["team_id"],
    ) == (
        "reward",
        "pending",
        Decimal("200.00"),
        "EUR",
        MANAGER,
    )

    approved = replay(
        reward_decider,
        ApproveHeldReward(reward_id=bonus.outcome_id, approver=HR_ADMIN, now=NOW),
        history=held,
    )[1:]
    await world.record(f"reward-{bonus.outcome_id}", *approved)
    reward = {row["outcome_id"]: row for row in await world.rows("reward_triggers", "outcome_id")}[
        bonus.outcome_id
    ]
    assert (reward["approval_state"], reward["decided_by"], reward["decided_at"]) == ("approved", HR, NOW)


async def test_a_pay_change_waits_for_hr_and_leaves_the_pending_list_once_decided(world: World) -> None:
    planned = proposal()
    history = replay(adjustment_decider, ProposeAdjustment(planned=planned, now=NOW))
    await world.record("adjustment-adj-1", *history)
    [pending] = await world.rows("pending_approvals", "subject_id")
    assert (pending["kind"], pending["employee_id"], pending["amount"], pending["currency"]) == (
        "compensation_adjustment",
        EMPLOYEE,
        Decimal("2400.00"),
        "EUR",
    )
    assert (pending["detail"], pending["policy_id"], pending["waiting_since"]) == (
        "merit_increase per annual period",
        "pol-pay",
        NOW,
    )
    [trigger_row] = await world.rows("reward_triggers", "outcome_id")
    assert trigger_row["approval_state"] == "pending"

    decided = replay(
        adjustment_decider,
        ApproveAdjustment(adjustment_id="adj-1", approver=HR_ADMIN, now=NOW),
        history=history,
    )[1:]
    await world.record("adjustment-adj-1", *decided)
    assert await world.rows("pending_approvals", "subject_id") == []
    [trigger_row] = await world.rows("reward_triggers", "outcome_id")
    assert (trigger_row["approval_state"], trigger_row["decided_by"]) == ("approved", HR)


async def test_rows_of_two_organisations_never_mix(world: World) -> None:
    ours, theirs = certification_outcomes(ORG)[1], certification_outcomes(OTHER_ORG)[1]
    for planned in (ours, theirs):
        await world.record(
            f"outcome-{planned.organisation_id}",
            *replay(outcome_decider, RecordOutcome(planned=planned, now=NOW)),
        )
    rows = await world.rows("reward_triggers", "organisation_id")
    assert [(r["organisation_id"], r["outcome_kind"]) for r in rows] == [
        (ORG, "learning_assignment"),
        (OTHER_ORG, "learning_assignment"),
    ]


# --- the feed and budgets ----------------------------------------------------------------------


async def test_a_message_written_while_its_recipient_is_erased_is_kept_erased(world: World) -> None:
    peer = PeerRecognitionGivenV2(
        giver_id=TEAMMATE,
        organisation_id=ORG,
        recognition_id="kudos-late",
        recipient_id=EMPLOYEE,
        visibility="team",
        message="Sealed with a key that was live a moment ago",
        policy_id="praise",
        policy_version=1,
        given_at=at(date(2026, 3, 11)),
    )
    sealed = await world.codec.encode_all([peer])
    # The erasure commits between the writer's reading of the key and its feed row.
    await world.pool.execute(
        "INSERT INTO privacy_erasures (organisation_id, person_id, erased_by, reason, keys_shredded)"
        " VALUES ($1, $2, 'hr_1', 'PersonErased', 0)",
        ORG,
        EMPLOYEE,
    )
    await world.projector.append("peer-emp_2", sealed, expected=ExpectedVersion.ANY, metadata=ACTOR)
    [row] = await world.rows("recognition_feed", "entry_id")
    assert row["message"] == ERASED


async def test_the_feed_holds_recognition_from_policies_and_colleagues_and_rewards(world: World) -> None:
    recognition, _ = outcomes_of_the_leadership_milestone()
    await world.record("outcome-r", *replay(outcome_decider, RecordOutcome(planned=recognition, now=NOW)))
    peer = PeerRecognitionGivenV2(
        giver_id=TEAMMATE,
        organisation_id=ORG,
        recognition_id="kudos-1",
        recipient_id=EMPLOYEE,
        visibility="team",
        message="Thanks!",
        policy_id="praise",
        policy_version=1,
        given_at=at(date(2026, 3, 11)),
    )
    await world.record("peer-emp_2", peer)
    bonus, _ = certification_outcomes()
    await world.record(
        "reward-b", *replay(reward_decider, GrantReward(planned=bonus, verdict=Within(), now=NOW))
    )

    rows = await world.rows("recognition_feed", "occurred_at, entry_kind")
    assert [(r["entry_kind"], r["source"], r["visibility"], r["given_by"]) for r in rows] == [
        ("recognition", "policy", "public", None),
        ("reward", "policy", "private", None),
        ("recognition", "peer", "team", TEAMMATE),
    ]
    assert {r["employee_id"] for r in rows} == {EMPLOYEE}
    assert (rows[1]["reward_kind"], rows[1]["amount"], rows[1]["currency"]) == (
        "spot_award",
        Decimal("200.00"),
        "EUR",
    )


def budget_set(period: str, amount: str) -> BudgetSet:
    return BudgetSet(
        budget_id=f"{MANAGER}.2026",
        organisation_id=ORG,
        team_id=MANAGER,
        period=period,
        amount=Money(amount=amount, currency="EUR"),
        set_by_id=HR,
        set_at=NOW,
    )


def charged(reward: str, amount: str, day: date, currency: str = "EUR") -> BudgetCharged:
    return BudgetCharged(
        budget_id=f"{MANAGER}.2026",
        organisation_id=ORG,
        team_id=MANAGER,
        reward_id=reward,
        amount=Money(amount=amount, currency=currency),
        charged_on=day,
        approved_over_budget=False,
        charged_at=NOW,
    )


async def test_budget_use_counts_every_charge_of_the_period_once(world: World) -> None:
    stream = f"budget-{ORG}/{MANAGER}.2026"
    await world.record(stream, charged("r1", "150.00", date(2026, 2, 1)), budget_set("2026-Q1", "1000.00"))
    await world.record(stream, budget_set("2026", "5000.00"))
    await world.record(
        stream,
        charged("r2", "200.00", date(2026, 3, 31)),
        charged("r3", "70.00", date(2026, 4, 1)),
        charged("r4", "10.00", date(2026, 3, 1), currency="USD"),
        charged("r2", "200.00", date(2026, 3, 31)),  # the same charge again
    )
    rows = await world.rows("budget_use", "period")
    assert [(r["period"], r["amount"], r["used"]) for r in rows] == [
        ("2026", Decimal("5000.00"), Decimal("420.00")),
        ("2026-Q1", Decimal("1000.00"), Decimal("350.00")),
    ]
    assert len(await world.rows("budget_charges", "reward_id")) == 4


# --- facts from the goals and feedback topics ------------------------------------------------


def goal_created(goal: str = "goal_1", template: str | None = None) -> g.GoalCreated:
    return g.GoalCreated(
        goal_id=goal,
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        manager_id=MANAGER,
        terms=g.GoalTerms(title="AWS associate", description="Pass the exam", due_date=date(2026, 6, 30)),
        milestones=(
            g.MilestonePlan(
                milestone_id="ms_1", title="Course", owner_id=EMPLOYEE, due_date=date(2026, 4, 1)
            ),
        ),
        career_track_id="ic",
        template_id=template,
        occurred_at=at(date(2026, 1, 5)),
    )


async def test_goals_and_teams_are_kept_from_the_goals_topic(world: World) -> None:
    await world.record("goal-goal_1", goal_created(template="aws-associate-certification"))
    added = g.MilestoneAdded(
        goal_id="goal_1",
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        manager_id=MANAGER,
        milestone_id="ms_2",
        owner_id=EMPLOYEE,
        due_date=date(2026, 5, 1),
        occurred_at=at(date(2026, 1, 6)),
        title="Practice exam",
        added_by=EMPLOYEE,
    )
    await world.record("goal-goal_1", added)
    async with world.pool.acquire() as connection:
        facts = await fact_tables.goal_facts(connection, ORG, "goal_1")
        assert facts == goal_facts(track="ic", template="aws-associate-certification")
        assert await fact_tables.goal_facts(connection, OTHER_ORG, "goal_1") is None
        assert await fact_tables.team_of(connection, ORG, EMPLOYEE) == MANAGER  # from the goal, for now

    line = g.ReportingLineChanged(
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        manager_id="mgr_2",
        changed_by=HR,
        occurred_at=at(date(2026, 2, 1)),
    )
    await world.record("reportingline-emp_1", line)
    await world.record("goal-goal_2", goal_created("goal_2"))  # names the old manager: the line wins
    async with world.pool.acquire() as connection:
        assert await fact_tables.team_of(connection, ORG, EMPLOYEE) == "mgr_2"
        assert await fact_tables.team_of(connection, ORG, TEAMMATE) is None


async def test_the_trigger_history_keeps_no_personal_free_text(world: World) -> None:
    reached = g.MilestoneReached(
        goal_id="goal_1",
        organisation_id=ORG,
        employee_id=EMPLOYEE,
        manager_id=MANAGER,
        milestone_id="ms_1",
        owner_id=EMPLOYEE,
        due_date=date(2026, 4, 1),
        occurred_at=at(date(2026, 3, 2)),
        title="A private milestone title",
        goal_title="A private goal title",
        reached_on=date(2026, 3, 2),
        on_time=True,
        recorded_by=EMPLOYEE,
    )
    await world.record("goal-goal_1", goal_created(), reached)
    [row] = await world.rows("trigger_history", "occurred_at")
    assert (row["organisation_id"], row["event_name"], row["employee_id"], row["goal_id"]) == (
        ORG,
        "goals.MilestoneReached",
        EMPLOYEE,
        "goal_1",
    )
    assert "private" not in row["payload"]
    assert '"on_time": true' in row["payload"]


async def test_windowed_counts_and_backtests_read_the_history(world: World) -> None:
    praises = [
        feedback_given("p0", at(date(2025, 12, 31), 23)),
        feedback_given("p1", at(date(2026, 1, 5))),
        feedback_given("p2", at(date(2026, 2, 5))),
        feedback_given("c1", at(date(2026, 2, 6)), kind="constructive"),
        feedback_given("o1", at(date(2026, 2, 7)), recipient=TEAMMATE),
    ]
    await store_feedback(world.store, world.projector, praises)
    stored = await world.rows("trigger_history", "occurred_at")
    assert len(stored) == 5 and not any("Thanks for the review" in row["payload"] for row in stored)
    assert all('"kind"' in row["payload"] for row in stored[:4])  # a field newer than our contracts is kept
    versions = [published(example("praise.yaml"))]
    third = feedback_given("p3", at(date(2026, 3, 1)))
    [query] = count_queries(third, versions)
    async with world.pool.acquire() as connection:
        assert await fact_tables.count(connection, query, third) == 3
        assert await fact_tables.count(connection, query, praises[2]) == 2  # already known: counted once
        history = await fact_tables.history(
            connection, ORG, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
        )
    assert [h.event.event_id for h in history] == [p.event_id for p in praises[1:]]
    await store_feedback(world.store, world.projector, [third])
    async with world.pool.acquire() as connection:
        history = await fact_tables.history(
            connection, ORG, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
        )
    report = backtest(
        example("praise.yaml"), ORG, history, period_start=date(2026, 1, 1), period_end=date(2026, 4, 1)
    )
    [granted] = report.outcomes
    assert (granted.employee_id, granted.cause.triggering_event_id) == (EMPLOYEE, third.event_id)


async def test_a_rebuild_gives_the_same_rows(world: World) -> None:
    recognition, initiative = outcomes_of_the_leadership_milestone()
    for planned in (recognition, initiative):
        await world.record(
            f"outcome-{planned.outcome_id}", *replay(outcome_decider, RecordOutcome(planned=planned, now=NOW))
        )
    before = await world.rows("reward_triggers", "outcome_id")
    await world.pool.execute("DELETE FROM reward_triggers")
    reward_triggers = next(p for p in world.own_projections if p.name == "recognition.reward_triggers")
    await rebuild(world.store, reward_triggers, inline=True)
    assert await world.rows("reward_triggers", "outcome_id") == before
