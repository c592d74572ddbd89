"""The goals history written before the service protected personal data (version 1 events, text
in the clear) is rewritten in place as version 2, sealed with each employee's key: the store
then holds none of the text, the service reads the same goals, an erasure reaches the old text
too, and the migration resumes after an interruption and is recorded once done."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any
from uuid import UUID

import pytest

from tests.goals.domain.builders import NOW, ORG
from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_contracts import goals as g
from trellis_contracts.personal import ERASED
from trellis_goals.application import GoalsApplication
from trellis_goals.event_codec import GOALS_CONTRACTS
from trellis_goals.history import MIGRATION, protect_goals_history
from trellis_kernel.privacy import LocalKeyEncryptionKeys
from trellis_kernel.privacy.history import protect_history
from trellis_kernel.projections import rebuild
from trellis_kernel.store import EventMetadata, NewEvent, Pool, create_pool

pytestmark = pytest.mark.infra

TERMS = g.GoalTerms(
    title="Master Photoshop",
    description="Campaign visuals without design help",
    metric=g.GoalMetric(name="Visuals shipped", baseline=0, target=4),
    due_date=NOW.date().replace(month=3, day=31),
    resources_needed=("Photoshop licence",),
)
PLAN = g.MilestonePlan(milestone_id="ms_1", title="Online course", owner_id="emp_1", due_date=TERMS.due_date)
TEXTS = ("Master Photoshop", "Campaign visuals without design help", "Visuals shipped", "Online course")


def goal(goal_id: str, employee_id: str) -> dict[str, str]:
    return {"goal_id": goal_id, "organisation_id": ORG, "employee_id": employee_id, "manager_id": "mgr_1"}


def plain_history(goal_id: str, employee_id: str) -> list[g.GoalEvent]:
    ids = goal(goal_id, employee_id)
    return [
        g.GoalProposed(
            **ids, proposed_by=employee_id, proposer_role="employee", proposal_revision=1, terms=TERMS,
            milestones=(PLAN,), occurred_at=NOW,
        ),
        g.GoalAgreed(**ids, proposed_by=employee_id, agreed_by="mgr_1", proposal_revision=1, occurred_at=NOW),
        g.GoalCreated(**ids, terms=TERMS, milestones=(PLAN,), occurred_at=NOW),
    ]  # fmt: skip


@pytest.fixture
async def goals(database_dsn: str) -> AsyncIterator[GoalsApplication]:
    pool = await create_pool(database_dsn, min_size=1, max_size=4)
    application = GoalsApplication(pool, LocalKeyEncryptionKeys.from_setting(TEST_KEY_ENCRYPTION_KEYS))
    await application.setup()
    try:
        yield application
    finally:
        await pool.close()


async def store_plain(goals: GoalsApplication, goal_id: str, employee_id: str) -> None:
    """Version 1 events as the service stored them before it protected personal data."""
    records: list[NewEvent] = [GOALS_CONTRACTS.encode(event) for event in plain_history(goal_id, employee_id)]
    await goals.store.append(
        f"goal-{ORG}/{goal_id}", records, expected=0, metadata=EventMetadata(principal=employee_id)
    )


async def stored(pool: Pool) -> list[tuple[int, UUID, str]]:
    rows = await pool.fetch("SELECT global_position, event_id, event_type FROM events ORDER BY global_position")
    return [(r["global_position"], r["event_id"], r["event_type"]) for r in rows]


async def goal_views(goals: GoalsApplication) -> list[tuple[Any, ...]]:
    for projection in goals.read_models:
        await rebuild(goals.store, projection, inline=True)
    return [tuple(r.values()) for r in await goals.pool.fetch("SELECT * FROM goal_views ORDER BY goal_id")]


async def test_the_plain_history_is_sealed_in_place_and_reads_the_same(goals: GoalsApplication) -> None:
    await store_plain(goals, "goal_1", "emp_1")
    await store_plain(goals, "goal_2", "emp_2")
    before_events = await stored(goals.pool)
    before_views = await goal_views(goals)
    assert "Master Photoshop" in json.dumps([list(map(str, row)) for row in before_views])

    done = await protect_goals_history(goals)

    assert (done.name, done.events_protected) == (MIGRATION, 4)
    assert done.finished_at is not None
    after_events = await stored(goals.pool)
    assert [(p, i) for p, i, _ in after_events] == [(p, i) for p, i, _ in before_events]
    assert [t for _, _, t in after_events] == [t.replace(".v1", ".v2") if "Agreed" not in t else t
                                              for _, _, t in before_events]  # fmt: skip
    payloads = " ".join(r["payload"] for r in await goals.pool.fetch("SELECT payload::text FROM events"))
    assert [text for text in TEXTS if text in payloads] == []
    assert await goal_views(goals) == before_views
    loaded = await goals.goals.commands.load(f"goal-{ORG}/goal_1")
    assert loaded.state is not None and loaded.state.terms.title == "Master Photoshop"

    # Done means done: running it again changes nothing.
    again = await protect_goals_history(goals)
    assert again.events_protected == 4 and await stored(goals.pool) == after_events

    # And the old text is now within reach of an erasure.
    await goals.keys.erase(ORG, "emp_1", erased_by="hr_1", reason="Asked to be forgotten")
    erased = await goals.goals.commands.load(f"goal-{ORG}/goal_1")
    assert erased.state is not None and erased.state.terms.title == ERASED
    kept = await goals.goals.commands.load(f"goal-{ORG}/goal_2")
    assert kept.state is not None and kept.state.terms.title == "Master Photoshop"


class FailingOnce:
    """The goals codec, failing on its second batch: a migration interrupted half way."""

    def __init__(self, goals: GoalsApplication) -> None:
        self.codec = goals.codec
        self.batches = 0

    async def encode_all(self, events: Sequence[Any], **options: Any) -> list[NewEvent]:
        self.batches += 1
        if self.batches == 2:
            raise ConnectionError("the database went away")
        return await self.codec.encode_all(events, **options)


async def test_an_interrupted_migration_resumes_where_it_stopped(goals: GoalsApplication) -> None:
    for n in range(1, 4):
        await store_plain(goals, f"goal_{n}", f"emp_{n}")
    failing: Any = FailingOnce(goals)

    with pytest.raises(ConnectionError):
        await protect_history(goals.pool, failing, g.PROTECTED_MAJORS, name=MIGRATION, batch_size=2)
    progress = await goals.pool.fetchrow(
        "SELECT events_protected, finished_at FROM privacy_migrations WHERE name = $1", MIGRATION
    )
    assert tuple(progress) == (2, None)  # the first batch is kept, the second rolled back

    done = await protect_goals_history(goals, batch_size=2)
    assert done.events_protected == 6
    kinds = {t for _, _, t in await stored(goals.pool)}
    assert kinds == {g.GoalProposedV2.event_type(), g.GoalAgreed.event_type(), g.GoalCreatedV2.event_type()}
    payloads = " ".join(r["payload"] for r in await goals.pool.fetch("SELECT payload::text FROM events"))
    assert "Online course" not in payloads
