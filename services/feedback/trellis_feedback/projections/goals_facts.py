"""What the feedback service keeps from the goals topic, per organisation: who manages whom,
which goals exist and whose they are, and their milestones (with the day each was reached).

No goal or milestone text: those are the employee's personal data, protected with the goals
service's keys; whoever shows titles takes them from the goals API.

The commands' facts come from here. These projections are fed goals events by the service's
consumer (not from the feedback store), so each update is guarded by the version the event
has in its goals stream: a goals event delivered again, or the goals topic replayed from the
start, leaves the rows as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from trellis_contracts import goals as g
from trellis_feedback.projections.payloads import decoded, handling
from trellis_kernel.store import Connection, StoredEvent


class KnownReportingLines:
    name = "feedback.reporting_lines"
    tables: Sequence[str] = ("reporting_lines",)
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.reporting_lines (
            organisation_id text NOT NULL,
            employee_id     text NOT NULL,
            manager_id      text,
            version         integer NOT NULL,
            PRIMARY KEY (organisation_id, employee_id)
        )
        """,
        "CREATE INDEX ON {schema}.reporting_lines (organisation_id, manager_id)",
    )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        if event.event_type != g.ReportingLineChanged.event_type():
            return
        line = g.ReportingLineChanged.model_validate(event.payload)
        await connection.execute(
            f"""
            INSERT INTO {schema}.reporting_lines AS r (organisation_id, employee_id, manager_id, version)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT (organisation_id, employee_id) DO UPDATE
                SET manager_id = excluded.manager_id, version = excluded.version
                WHERE r.version < excluded.version
            """,
            line.organisation_id,
            line.employee_id,
            line.manager_id,
            event.version,
        )


GOAL_EVENTS = handling(
    *g.with_protecting_majors(
        g.GoalProposed,
        g.GoalChangesRequested,
        g.GoalCreated,
        g.GoalManagerChanged,
        g.GoalAdjusted,
        g.MilestoneAdded,
        g.MilestoneRescheduled,
        g.MilestoneReached,
        g.MilestoneMissed,
        g.GoalCompleted,
        g.GoalAbandoned,
    )
)


class KnownGoals:
    name = "feedback.goals"
    tables: Sequence[str] = ("goals", "goal_milestones")
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.goals (
            organisation_id text NOT NULL,
            goal_id         text NOT NULL,
            employee_id     text NOT NULL,
            manager_id      text NOT NULL,
            status          text NOT NULL,
            due_date        date NOT NULL,
            version         integer NOT NULL,
            PRIMARY KEY (organisation_id, goal_id)
        )
        """,
        "CREATE INDEX ON {schema}.goals (organisation_id, employee_id)",
        """
        CREATE TABLE {schema}.goal_milestones (
            organisation_id text NOT NULL,
            goal_id         text NOT NULL,
            milestone_id    text NOT NULL,
            owner_id        text NOT NULL,
            due_date        date NOT NULL,
            reached_on      date,
            missed          boolean NOT NULL DEFAULT false,
            PRIMARY KEY (organisation_id, goal_id, milestone_id)
        )
        """,
        "CREATE INDEX ON {schema}.goal_milestones (organisation_id, reached_on)",
    )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        data = await decoded(event, GOAL_EVENTS)
        if data is None:
            return
        key = (data.organisation_id, data.goal_id)
        match data:
            case g.GoalProposed() | g.GoalCreated():
                status = "proposed" if isinstance(data, g.GoalProposed) else "active"
                # Both carry the whole goal (a new proposal replaces the last one's milestones).
                if await self._upsert(connection, schema, data, status, event.version):
                    await connection.execute(
                        f"DELETE FROM {schema}.goal_milestones WHERE organisation_id = $1 AND goal_id = $2",
                        *key,
                    )
                    await self._add_milestones(
                        connection,
                        schema,
                        key,
                        [(m.milestone_id, m.owner_id, m.due_date) for m in data.milestones],
                    )
                return
        if not await self._claim(connection, schema, key, event.version):
            return  # unknown goal, or an event older than what the row holds
        goals = f"{schema}.goals"
        milestones = f"{schema}.goal_milestones"
        where_goal = "WHERE organisation_id = $1 AND goal_id = $2"
        where_milestone = where_goal + " AND milestone_id = $3"
        match data:
            case g.GoalChangesRequested():
                await connection.execute(
                    f"UPDATE {goals} SET status = 'changes_requested' {where_goal}", *key
                )
            case g.GoalCompleted():
                await connection.execute(f"UPDATE {goals} SET status = 'completed' {where_goal}", *key)
            case g.GoalAbandoned():
                await connection.execute(f"UPDATE {goals} SET status = 'abandoned' {where_goal}", *key)
            case g.GoalManagerChanged():
                await connection.execute(
                    f"UPDATE {goals} SET manager_id = $3 {where_goal}", *key, data.manager_id
                )
            case g.GoalAdjusted():
                await connection.execute(
                    f"UPDATE {goals} SET due_date = $3 {where_goal}", *key, data.current.due_date
                )
            case g.MilestoneAdded():
                await self._add_milestones(
                    connection, schema, key, [(data.milestone_id, data.owner_id, data.due_date)]
                )
            case g.MilestoneRescheduled():
                await connection.execute(
                    f"UPDATE {milestones} SET due_date = $4 {where_milestone}",
                    *key,
                    data.milestone_id,
                    data.due_date,
                )
            case g.MilestoneReached():
                await connection.execute(
                    f"UPDATE {milestones} SET reached_on = $4 {where_milestone}",
                    *key,
                    data.milestone_id,
                    data.reached_on,
                )
            case g.MilestoneMissed():
                await connection.execute(
                    f"UPDATE {milestones} SET missed = true {where_milestone}", *key, data.milestone_id
                )

    @staticmethod
    async def _upsert(
        connection: Connection, schema: str, goal: g.GoalProposed | g.GoalCreated, status: str, version: int
    ) -> bool:
        row = await connection.fetchrow(
            f"""
            INSERT INTO {schema}.goals AS r (
                organisation_id, goal_id, employee_id, manager_id, status, due_date, version)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (organisation_id, goal_id) DO UPDATE SET
                manager_id = excluded.manager_id, status = excluded.status,
                due_date = excluded.due_date, version = excluded.version
                WHERE r.version < excluded.version
            RETURNING version
            """,
            goal.organisation_id,
            goal.goal_id,
            goal.employee_id,
            goal.manager_id,
            status,
            goal.terms.due_date,
            version,
        )
        return row is not None

    @staticmethod
    async def _claim(connection: Connection, schema: str, key: tuple[str, str], version: int) -> bool:
        """Move the goal's row to ``version`` if it is behind; False when it is not (or missing)."""
        row = await connection.fetchrow(
            f"UPDATE {schema}.goals SET version = $3 WHERE organisation_id = $1 AND goal_id = $2"
            " AND version < $3 RETURNING version",
            *key,
            version,
        )
        return row is not None

    @staticmethod
    async def _add_milestones(
        connection: Connection, schema: str, key: tuple[str, str], plans: Iterable[tuple[str, str, date]]
    ) -> None:
        """Milestones as (milestone_id, owner_id, due_date)."""
        await connection.executemany(
            f"""
            INSERT INTO {schema}.goal_milestones (organisation_id, goal_id, milestone_id, owner_id, due_date)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (organisation_id, goal_id, milestone_id) DO UPDATE SET
                owner_id = excluded.owner_id, due_date = excluded.due_date
            """,
            [(*key, *plan) for plan in plans],
        )
