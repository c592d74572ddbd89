"""What the feedback service keeps from the goals topic: reporting lines, goals and milestones per
organisation; a goals event applied again, or the whole topic replayed, changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from tests.feedback.projections.support import ReadModelFixtures, record, rows
from trellis_contracts import goals as g
from trellis_feedback import projections
from trellis_kernel.projections import InlineProjector
from trellis_kernel.store import EventStore, Pool, Position, stream_id

ORG = "org_1"
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
TERMS = g.GoalTerms(
    title="Master Photoshop", description="Campaign visuals alone.", due_date=date(2026, 3, 31)
)
PLANS = (
    g.MilestonePlan(milestone_id="ms_1", title="Course", owner_id="emp_1", due_date=date(2026, 2, 14)),
    g.MilestonePlan(milestone_id="ms_2", title="Portfolio", owner_id="emp_1", due_date=date(2026, 3, 15)),
)


def line(
    employee: str, manager: str | None, previous: str | None = None, org: str = ORG
) -> g.ReportingLineChanged:
    return g.ReportingLineChanged(
        organisation_id=org,
        employee_id=employee,
        manager_id=manager,
        previous_manager_id=previous,
        changed_by="hr_1",
        occurred_at=NOW,
    )


def goal_ref(goal_id: str = "goal_1", org: str = ORG) -> dict[str, Any]:
    return {"goal_id": goal_id, "organisation_id": org, "employee_id": "emp_1", "manager_id": "mgr_1"}


def proposed(
    goal_id: str = "goal_1", org: str = ORG, revision: int = 1, plans: tuple[g.MilestonePlan, ...] = PLANS
) -> g.GoalProposed:
    return g.GoalProposed(
        **goal_ref(goal_id, org),
        proposed_by="emp_1",
        proposer_role="employee",
        proposal_revision=revision,
        terms=TERMS,
        milestones=plans,
        occurred_at=NOW,
    )


def created(goal_id: str = "goal_1", org: str = ORG) -> g.GoalCreated:
    return g.GoalCreated(**goal_ref(goal_id, org), terms=TERMS, milestones=PLANS, occurred_at=NOW)


def milestone(kind: type[Any], milestone_id: str = "ms_1", **extra: Any) -> Any:
    return kind(
        **goal_ref(),
        milestone_id=milestone_id,
        owner_id="emp_1",
        due_date=extra.pop("due_date", date(2026, 2, 14)),
        occurred_at=NOW,
        **extra,
    )


def reached(milestone_id: str = "ms_1") -> g.MilestoneReached:
    return milestone(
        g.MilestoneReached,
        milestone_id,
        title="Course",
        goal_title="Master Photoshop",
        reached_on=date(2026, 2, 10),
        on_time=True,
        recorded_by="emp_1",
    )


async def everything(pool: Pool) -> dict[str, list[dict[str, Any]]]:
    return {
        table: await rows(pool, f"SELECT * FROM {table} ORDER BY 1, 2, 3")
        for projection in projections.GOALS_FACTS
        for table in projection.tables
    }


async def apply_again(store: EventStore, pool: Pool) -> None:
    """Every goals event the store holds, applied once more in order (a replayed topic)."""
    async with pool.acquire() as connection, connection.transaction():
        for event in await store.read_all_visible(Position.START, 10_000, connection=connection):
            for projection in projections.GOALS_FACTS:
                await projection.apply(connection, event, "public")


class TestGoalsFacts(ReadModelFixtures):
    async def test_the_service_knows_who_manages_whom_per_organisation(
        self, projector: InlineProjector, pool: Pool
    ) -> None:
        await record(projector, stream_id("reportingline", "emp_1"), [line("emp_1", "mgr_1")])
        await record(projector, stream_id("reportingline", "emp_2"), [line("emp_2", "mgr_1")])
        await record(projector, stream_id("reportingline", "emp_1"), [line("emp_1", "mgr_2", "mgr_1")])
        await record(projector, stream_id("reportingline", "org_2-emp_1"), [line("emp_1", None, org="org_2")])

        assert await rows(
            pool, "SELECT organisation_id, employee_id, manager_id FROM reporting_lines ORDER BY 1, 2"
        ) == [
            {"organisation_id": ORG, "employee_id": "emp_1", "manager_id": "mgr_2"},
            {"organisation_id": ORG, "employee_id": "emp_2", "manager_id": "mgr_1"},
            {"organisation_id": "org_2", "employee_id": "emp_1", "manager_id": None},
        ]

    async def test_goals_and_milestones_follow_the_goal_from_proposal_on(
        self, projector: InlineProjector, pool: Pool
    ) -> None:
        stream = stream_id("goal", "goal_1")
        await record(projector, stream, [proposed()])
        [goal] = await rows(pool, "SELECT organisation_id, goal_id, employee_id, status FROM goals")
        assert goal == {
            "organisation_id": ORG,
            "goal_id": "goal_1",
            "employee_id": "emp_1",
            "status": "proposed",
        }
        facts = str(await everything(pool))
        assert "Master Photoshop" not in facts and "Course" not in facts, "no goals text is kept"

        again = proposed(revision=2, plans=PLANS[:1])
        await record(projector, stream, [again])
        assert [m["milestone_id"] for m in await rows(pool, "SELECT milestone_id FROM goal_milestones")] == [
            "ms_1"
        ]

        agreed = g.GoalAgreed(
            **goal_ref(), proposed_by="emp_1", agreed_by="mgr_1", proposal_revision=2, occurred_at=NOW
        )
        await record(projector, stream, [agreed, created()])
        added = milestone(
            g.MilestoneAdded, "ms_3", due_date=date(2026, 3, 20), title="Show", added_by="mgr_1"
        )
        moved = milestone(
            g.MilestoneRescheduled,
            "ms_2",
            due_date=date(2026, 3, 25),
            previous_due_date=date(2026, 3, 15),
            reason="Late",
            rescheduled_by="mgr_1",
        )
        await record(projector, stream, [added, moved, reached("ms_1")])

        [goal] = await rows(pool, "SELECT status, version FROM goals")
        assert goal == {"status": "active", "version": 7}
        assert await rows(
            pool, "SELECT milestone_id, due_date, reached_on FROM goal_milestones ORDER BY 1"
        ) == [
            {"milestone_id": "ms_1", "due_date": date(2026, 2, 14), "reached_on": date(2026, 2, 10)},
            {"milestone_id": "ms_2", "due_date": date(2026, 3, 25), "reached_on": None},
            {"milestone_id": "ms_3", "due_date": date(2026, 3, 20), "reached_on": None},
        ]

        completed = g.GoalCompleted(
            **goal_ref(),
            completed_by="mgr_1",
            title="Master Photoshop",
            due_date=date(2026, 3, 31),
            completed_on=date(2026, 3, 30),
            on_time=True,
            occurred_at=NOW,
        )
        await record(projector, stream, [completed])
        assert await rows(pool, "SELECT status FROM goals") == [{"status": "completed"}]

    async def test_the_same_goal_id_in_two_organisations_is_two_goals(
        self, projector: InlineProjector, pool: Pool
    ) -> None:
        await record(projector, stream_id("goal", "org_1.goal_1"), [proposed()])
        await record(
            projector, stream_id("goal", "org_2.goal_1"), [proposed(org="org_2"), created(org="org_2")]
        )
        assert await rows(pool, "SELECT organisation_id, status FROM goals ORDER BY 1") == [
            {"organisation_id": ORG, "status": "proposed"},
            {"organisation_id": "org_2", "status": "active"},
        ]
        assert await pool.fetchval("SELECT count(*) FROM goal_milestones") == 4

    async def test_events_about_a_goal_never_seen_are_left_aside(
        self, projector: InlineProjector, pool: Pool
    ) -> None:
        await record(projector, stream_id("goal", "goal_1"), [reached()])
        assert await rows(pool, "SELECT * FROM goals") == []
        assert await rows(pool, "SELECT * FROM goal_milestones") == []

    async def test_replaying_every_goals_event_or_one_twice_changes_nothing(
        self, projector: InlineProjector, pool: Pool, store: EventStore
    ) -> None:
        await record(projector, stream_id("reportingline", "emp_1"), [line("emp_1", "mgr_1")])
        await record(projector, stream_id("reportingline", "emp_1"), [line("emp_1", "mgr_2", "mgr_1")])
        await record(projector, stream_id("goal", "goal_1"), [proposed(), created(), reached("ms_1")])
        adjusted = g.GoalAdjusted(
            **goal_ref(),
            adjusted_by="mgr_1",
            reason="Scope",
            changed=("title", "due_date"),
            previous=TERMS,
            current=TERMS.model_copy(update={"title": "Master Figma", "due_date": date(2026, 4, 30)}),
            occurred_at=NOW,
        )
        await record(projector, stream_id("goal", "goal_1"), [adjusted])
        before = await everything(pool)
        assert before["goals"][0]["due_date"] == date(2026, 4, 30)
        assert "Master Figma" not in str(before)
        assert before["reporting_lines"][0]["manager_id"] == "mgr_2"

        await apply_again(store, pool)
        await apply_again(store, pool)

        assert await everything(pool) == before
