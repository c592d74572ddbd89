"""The facts a command needs, read from what the service learned from the goals topic (the
``goals_facts`` read models): who manages the people it names, and the goals it names with
their milestones."""

from __future__ import annotations

from collections.abc import Iterable

from trellis_feedback.domain.facts import Facts, GoalFacts
from trellis_kernel.store import Connection, Pool


async def managers(
    connection: Connection | Pool, organisation_id: str, people: Iterable[str]
) -> dict[str, str | None]:
    """Each person's current manager (None: none, or unknown)."""
    wanted = sorted(set(people))
    rows = await connection.fetch(
        "SELECT employee_id, manager_id FROM reporting_lines WHERE organisation_id = $1 AND employee_id = ANY($2)",
        organisation_id,
        wanted,
    )
    known = {row["employee_id"]: row["manager_id"] for row in rows}
    return {person: known.get(person) for person in wanted}


async def manager_of(connection: Connection | Pool, organisation_id: str, employee_id: str) -> str | None:
    return (await managers(connection, organisation_id, [employee_id]))[employee_id]


async def goals(
    connection: Connection | Pool,
    organisation_id: str,
    goal_ids: Iterable[str] = (),
    *,
    of_employee: str | None = None,
) -> dict[str, GoalFacts]:
    """The named goals (and every goal of ``of_employee``) with their milestones."""
    rows = await connection.fetch(
        """
        SELECT g.goal_id, g.employee_id,
               coalesce(array_agg(m.milestone_id) FILTER (WHERE m.milestone_id IS NOT NULL), '{}') AS milestones
        FROM goals g LEFT JOIN goal_milestones m USING (organisation_id, goal_id)
        WHERE g.organisation_id = $1 AND (g.goal_id = ANY($2) OR g.employee_id = $3)
        GROUP BY g.goal_id, g.employee_id
        """,
        organisation_id,
        sorted(set(goal_ids)),
        of_employee,
    )
    return {
        row["goal_id"]: GoalFacts(row["goal_id"], row["employee_id"], frozenset(row["milestones"]))
        for row in rows
    }


async def facts(
    connection: Connection | Pool,
    organisation_id: str,
    *,
    people: Iterable[str] = (),
    goal_ids: Iterable[str | None] = (),
    goals_of: str | None = None,
) -> Facts:
    return Facts(
        managers=await managers(connection, organisation_id, people),
        goals=await goals(
            connection, organisation_id, [g for g in goal_ids if g is not None], of_employee=goals_of
        ),
    )
