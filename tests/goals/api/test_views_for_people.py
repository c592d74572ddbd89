"""The two views the web app reads besides the per-person ones: a goal's progress over time,
and every goal of the organisation for HR admins."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.goals.api.conftest import Clock, bearer
from tests.goals.api.test_goals_api import AS_EMPLOYEE, AS_MANAGER, HR, active_goal, goal_body, set_manager

pytestmark = pytest.mark.infra


async def test_progress_history_has_a_point_each_time_the_goal_moved(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    await active_goal(client)
    clock.advance(5)
    progress = {"milestone_id": "ms_1", "progress_percent": 50}
    check_in = {"progress_summary": "Half the course", "milestone_progress": [progress]}
    assert (
        await client.post("/goals/goal_1/check-ins", json=check_in, headers=AS_MANAGER)
    ).status_code == 200
    clock.advance(5)
    assert (
        await client.post("/goals/goal_1/milestones/ms_1/reached", json={}, headers=AS_EMPLOYEE)
    ).status_code == 200
    # A check-in that moves nothing adds no point.
    assert (
        await client.post("/goals/goal_1/check-ins", json={"progress_summary": "Same"}, headers=AS_EMPLOYEE)
    ).status_code == 200

    history = await client.get("/goals/goal_1/progress-history", headers=AS_EMPLOYEE)

    assert history.status_code == 200
    points = [(p["status"], p["percent_complete"]) for p in history.json()]
    assert points == [("proposed", 0), ("active", 0), ("active", 25), ("active", 50)]
    assert history.json()[2]["occurred_at"].startswith("2026-01-20")
    assert (await client.get("/goals/goal_1/progress-history", headers=bearer("emp_2"))).status_code == 403


async def test_hr_admins_see_every_goal_of_their_organisation_and_no_one_else_does(
    client: httpx.AsyncClient,
) -> None:
    await active_goal(client)
    await set_manager(client, "emp_2")
    body = goal_body(goal_id="goal_2", employee_id="emp_2", milestones=[])
    assert (await client.post("/goals", json=body, headers=bearer("emp_2"))).status_code == 201

    seen = await client.get("/organisation/goals", headers=HR)

    assert seen.status_code == 200
    assert [(g["employee_id"], g["goal_id"], g["status"]) for g in seen.json()["goals"]] == [
        ("emp_1", "goal_1", "active"),
        ("emp_2", "goal_2", "proposed"),
    ]
    assert (await client.get("/organisation/goals", headers=AS_EMPLOYEE)).status_code == 403
    assert (await client.get("/organisation/goals", headers=AS_MANAGER)).status_code == 403
    other_hr = bearer("hr_9", roles=("hr_admin",), organisation_id="org_2")
    assert (await client.get("/organisation/goals", headers=other_hr)).json() == {
        "goals": [],
        "next_cursor": None,
    }


async def test_each_step_of_the_timeline_shows_the_goal_as_that_event_left_it(
    client: httpx.AsyncClient,
) -> None:
    await active_goal(client)  # proposed (1), agreed (2) and created (3) at the same moment

    timeline = (await client.get("/goals/goal_1/timeline", headers=AS_EMPLOYEE)).json()
    steps = [
        (await client.get(f"/goals/goal_1/versions/{entry['version']}", headers=AS_EMPLOYEE)).json()
        for entry in timeline
    ]

    assert [step["goal"]["status"] for step in steps] == ["proposed", "proposed", "active"]
    assert [step["version"] for step in steps] == [1, 2, 3]
    assert (await client.get("/goals/goal_1/versions/4", headers=AS_EMPLOYEE)).status_code == 404
    assert (await client.get("/goals/goal_1/versions/0", headers=AS_EMPLOYEE)).status_code == 422
    assert (await client.get("/goals/goal_1/versions/1", headers=bearer("emp_2"))).status_code == 403


async def team_of_three(client: httpx.AsyncClient, clock: Clock) -> None:
    """emp_1 with an active goal and a check-in, emp_2 with a proposal, emp_3 with no goal."""
    await active_goal(client)  # emp_1: goal_1 active, ms_1 due 14 February, ms_2 due 15 March
    await set_manager(client, "emp_2")
    await set_manager(client, "emp_3")  # no goals at all
    waiting = goal_body(goal_id="goal_2", employee_id="emp_2", title="Learn Figma")
    assert (await client.post("/goals", json=waiting, headers=bearer("emp_2"))).status_code == 201
    clock.advance(5)
    check_in = {
        "progress_summary": "Half the course",
        "milestone_progress": [{"milestone_id": "ms_1", "progress_percent": 50}],
    }
    assert (
        await client.post("/goals/goal_1/check-ins", json=check_in, headers=AS_MANAGER)
    ).status_code == 200


async def test_a_manager_sees_each_report_with_what_waits_and_what_is_overdue(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    await team_of_three(client, clock)

    team = (
        await client.get("/managers/mgr_1/team", params={"today": "2026-02-20"}, headers=AS_MANAGER)
    ).json()

    assert team["awaiting_manager"] == 1
    first, second, third = team["members"]
    assert (first["employee_id"], first["active_goals"], first["average_percent_complete"]) == (
        "emp_1",
        1,
        25,
    )
    assert first["last_check_in_at"] == "2026-01-20T09:00:00Z"
    assert first["overdue"] == [
        {
            "goal_id": "goal_1",
            "goal_title": "Master Photoshop",
            "kind": "milestone",
            "item_id": "ms_1",
            "title": "Course",
            "due_date": "2026-02-14",
        }
    ]
    assert first["overdue_items"] == 1
    assert second["awaiting_manager"] == [
        {"goal_id": "goal_2", "title": "Learn Figma", "due_date": "2026-03-31", "version": 1}
    ]
    assert (third["employee_id"], third["active_goals"], third["average_percent_complete"]) == ("emp_3", 0, 0)
    assert (await client.get("/managers/mgr_1/team", headers=bearer("emp_2"))).status_code == 403

    await set_manager(client, "emp_1", "mgr_2")
    moved = (await client.get("/managers/mgr_1/team", headers=AS_MANAGER)).json()
    assert [m["employee_id"] for m in moved["members"]] == ["emp_2", "emp_3"]


async def test_rows_an_earlier_version_wrote_read_the_same_in_the_team_view(
    client: httpx.AsyncClient, clock: Clock, goals_app: FastAPI
) -> None:
    await team_of_three(client, clock)

    async def team() -> object:
        asked = await client.get("/managers/mgr_1/team", params={"today": "2026-02-20"}, headers=AS_MANAGER)
        return asked.json()

    printed = await team()
    assert "Master Photoshop" in str(printed) and "Learn Figma" in str(printed)

    # Rows written during a rolling update by the version before, which printed no entries.
    pool = goals_app.state.goals.pool
    await pool.execute("UPDATE goal_views SET team_entry = NULL")
    await pool.execute("UPDATE goal_deadlines SET team_entry = NULL")

    assert await team() == printed


async def test_hr_pages_through_the_organisations_goals_with_filters(client: httpx.AsyncClient) -> None:
    await active_goal(client)
    for n in range(2, 7):
        await set_manager(client, f"emp_{n}")
        body = goal_body(goal_id=f"goal_{n}", employee_id=f"emp_{n}")
        assert (await client.post("/goals", json=body, headers=bearer(f"emp_{n}"))).status_code == 201

    first = (await client.get("/organisation/goals", params={"limit": 4}, headers=HR)).json()
    rest = (
        await client.get(
            "/organisation/goals", params={"limit": 4, "after": first["next_cursor"]}, headers=HR
        )
    ).json()
    assert [g["goal_id"] for g in first["goals"] + rest["goals"]] == [f"goal_{n}" for n in range(1, 7)]
    assert rest["next_cursor"] is None

    active = (await client.get("/organisation/goals", params={"status": "active"}, headers=HR)).json()
    assert [g["goal_id"] for g in active["goals"]] == ["goal_1"]
    late = await client.get(
        "/organisation/goals", params={"overdue": "true", "today": "2026-02-20"}, headers=HR
    )
    assert [g["goal_id"] for g in late.json()["goals"]] == ["goal_1"]
    team = await client.get("/organisation/goals", params={"manager_id": "mgr_9"}, headers=HR)
    assert team.json()["goals"] == []
    counts = (
        await client.get("/organisation/goal-counts", params={"today": "2026-02-20"}, headers=HR)
    ).json()
    assert counts == {"total": 6, "by_status": {"active": 1, "proposed": 5}, "overdue": 1}
    bad = await client.get("/organisation/goals", params={"after": "bm90LWEtY3Vyc29y"}, headers=HR)
    assert (bad.status_code, bad.json()["detail"][0]["field"]) == (422, "after")
