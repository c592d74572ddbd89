"""HR's page of the organisation's goals is printed by PostgreSQL: each goal on it reads exactly as
``progress_of`` reads the same stored row, whatever the day it is asked for."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest

from tests.goals.api.conftest import Clock, bearer
from tests.goals.api.test_goals_api import AS_EMPLOYEE, AS_MANAGER, HR, active_goal, goal_body, set_manager
from trellis_goals.api.schemas import GoalProgressOut
from trellis_goals.application.views import _SELECT
from trellis_goals.projections.goal_views import columns_of
from trellis_goals.projections.progress import progress_of

pytestmark = pytest.mark.infra

DAYS = ("2026-01-20", "2026-02-16", "2026-03-20", "2026-04-10")


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]) -> None:
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text


async def goals_in_every_state(client: httpx.AsyncClient, clock: Clock) -> None:
    await active_goal(client)  # goal_1: milestones due 2026-02-14 and 2026-03-15, goal due 2026-03-31
    clock.now = clock.now.replace(microsecond=120000)
    check_in = {
        "progress_summary": "Half the course",
        "milestone_progress": [{"milestone_id": "ms_1", "progress_percent": 50}],
    }
    await post(client, "/goals/goal_1/check-ins", check_in, AS_MANAGER)
    await post(client, "/goals/goal_1/milestones/ms_2/reached", {}, AS_EMPLOYEE)
    for activity_id, due in (
        ("act_planned", "2026-02-01"),
        ("act_started", "2026-02-20"),
        ("act_done", "2026-01-30"),
    ):
        activity = {
            "activity_id": activity_id,
            "kind": "training",
            "title": f"Course {activity_id}",
            "due_date": due,
        }
        await post(client, "/goals/goal_1/activities", activity, AS_EMPLOYEE)
    await post(client, "/goals/goal_1/activities/act_started/start", {}, AS_EMPLOYEE)
    await post(client, "/goals/goal_1/activities/act_done/complete", {}, AS_EMPLOYEE)

    # goal_2: two milestones due the same day (the first in the plan comes next), none reached.
    same_day = [
        {"milestone_id": "ms_b", "title": "Second listed", "owner_id": "emp_1", "due_date": "2026-03-01"},
        {"milestone_id": "ms_a", "title": "First listed", "owner_id": "emp_1", "due_date": "2026-03-01"},
    ]
    await post(
        client, "/goals", goal_body(goal_id="goal_2", due_date="2026-05-31", milestones=same_day), AS_EMPLOYEE
    )
    await post(client, "/goals/goal_2/agreement", {"expected_version": 1}, AS_MANAGER)

    # goal_3: proposed by another employee and not yet agreed; nothing of it is overdue.
    await set_manager(client, "emp_2")
    await post(
        client,
        "/goals",
        goal_body(goal_id="goal_3", employee_id="emp_2", due_date="2026-03-31"),
        bearer("emp_2"),
    )


async def stored_progress(dsn: str, day: str) -> list[dict[str, Any]]:
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            f"SELECT {_SELECT} FROM goal_views WHERE organisation_id = 'org_1' ORDER BY employee_id, due_date, goal_id"
        )
    finally:
        await connection.close()
    return [
        GoalProgressOut.model_validate(progress_of(columns_of(row), date.fromisoformat(day))).model_dump(
            mode="json"
        )
        for row in rows
    ]


async def test_each_goal_on_the_page_reads_as_progress_of_reads_its_row(
    client: httpx.AsyncClient, clock: Clock, database_dsn: str
) -> None:
    await goals_in_every_state(client, clock)

    for day in DAYS:
        page = await client.get("/organisation/goals", params={"today": day}, headers=HR)

        assert page.status_code == 200
        assert page.json() == {"goals": await stored_progress(database_dsn, day), "next_cursor": None}, day

    late = (await client.get("/organisation/goals", params={"today": "2026-03-20"}, headers=HR)).json()[
        "goals"
    ]
    first = {g["goal_id"]: g for g in late}["goal_1"]
    assert first["overdue_activity_ids"] == ["act_planned", "act_started"]
    assert [m["milestone_id"] for m in first["overdue_milestones"]] == ["ms_1"]
    assert first["goal_overdue"] is False and first["overdue_items"] == 3
    assert first["last_check_in_at"] == "2026-01-15T09:00:00.120000Z"
    early = (await client.get("/organisation/goals", params={"today": "2026-02-16"}, headers=HR)).json()[
        "goals"
    ]
    assert {g["goal_id"]: g for g in early}["goal_2"]["next_milestone"]["milestone_id"] == "ms_b"


async def test_pages_put_together_are_the_whole_list_in_order(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    await goals_in_every_state(client, clock)
    whole = (await client.get("/organisation/goals", params={"today": "2026-03-20"}, headers=HR)).json()

    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"today": "2026-03-20", "limit": "2", **({"after": cursor} if cursor else {})}
        page = (await client.get("/organisation/goals", params=params, headers=HR)).json()
        pages += page["goals"]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert [g["goal_id"] for g in whole["goals"]] == ["goal_1", "goal_2", "goal_3"]
    assert pages == whole["goals"]
