"""The goals HTTP API against real PostgreSQL: commands, versions, errors and views."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.goals.api.conftest import Clock, bearer
from trellis_kernel.projections import rebuild

pytestmark = pytest.mark.infra

EMPLOYEE = "emp_1"
MANAGER = "mgr_1"
HR = bearer("hr_1", roles=("hr_admin",))
AS_EMPLOYEE = bearer(EMPLOYEE)
AS_MANAGER = bearer(MANAGER)


def goal_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "goal_id": "goal_1",
        "employee_id": EMPLOYEE,
        "title": "Master Photoshop",
        "description": "Produce campaign visuals without design-team help.",
        "metric": {"name": "Visuals shipped per month", "baseline": 0, "target": 4},
        "due_date": "2026-03-31",
        "resources_needed": ["Photoshop licence"],
        "milestones": [
            {"milestone_id": "ms_1", "title": "Course", "owner_id": EMPLOYEE, "due_date": "2026-02-14"},
            {"milestone_id": "ms_2", "title": "First visual", "owner_id": EMPLOYEE, "due_date": "2026-03-15"},
        ],
    }
    body.update(overrides)
    return body


async def set_manager(
    client: httpx.AsyncClient, employee: str = EMPLOYEE, manager: str | None = MANAGER
) -> None:
    response = await client.post(f"/employees/{employee}/manager", json={"manager_id": manager}, headers=HR)
    assert response.status_code == 200, response.text


async def active_goal(client: httpx.AsyncClient) -> None:
    await set_manager(client)
    proposed = await client.post("/goals", json=goal_body(), headers=AS_EMPLOYEE)
    assert proposed.status_code == 201, proposed.text
    agreed = await client.post("/goals/goal_1/agreement", json={"expected_version": 1}, headers=AS_MANAGER)
    assert agreed.status_code == 200, agreed.text


async def test_a_goal_is_proposed_agreed_and_worked_on_through_the_api(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    await set_manager(client)
    proposed = await client.post("/goals", json=goal_body(), headers=AS_EMPLOYEE)
    assert proposed.status_code == 201
    assert proposed.json() == {
        "stream_id": "goal-org_1/goal_1",
        "version": 1,
        "events": ["dev.trellis.goals.GoalProposed.v2"],
    }

    agreed = await client.post("/goals/goal_1/agreement", json={"expected_version": 1}, headers=AS_MANAGER)
    assert agreed.json()["version"] == 3
    assert agreed.json()["events"] == [
        "dev.trellis.goals.GoalAgreed.v1",
        "dev.trellis.goals.GoalCreated.v2",
    ]

    clock.advance(26)  # 10 February
    reached = await client.post("/goals/goal_1/milestones/ms_1/reached", json={}, headers=AS_EMPLOYEE)
    assert reached.json()["version"] == 4
    check_in = await client.post(
        "/goals/goal_1/check-ins",
        json={
            "check_in_id": "ci_1",
            "progress_summary": "Course done, first visual drafted",
            "milestone_progress": [{"milestone_id": "ms_2", "progress_percent": 40}],
            "blockers": ["Licence pending"],
        },
        headers=AS_MANAGER,
    )
    assert check_in.status_code == 200, check_in.text
    assert check_in.json()["version"] == 6

    progress = (await client.get(f"/employees/{EMPLOYEE}/progress", headers=AS_EMPLOYEE)).json()
    [goal] = progress["goals"]
    assert (goal["percent_complete"], goal["next_milestone"]["milestone_id"]) == (70, "ms_2")
    assert goal["last_check_in_at"] == "2026-02-10T09:00:00Z"
    assert progress["active_goals"] == 1

    team = (await client.get(f"/managers/{MANAGER}/team", headers=AS_MANAGER)).json()
    assert [m["employee_id"] for m in team["members"]] == [EMPLOYEE]
    assert team["members"][0]["average_percent_complete"] == 70

    [conversation] = (await client.get("/goals/goal_1/check-ins", headers=AS_EMPLOYEE)).json()
    assert conversation["reached_since_last"] == ["ms_1"]
    assert conversation["progress_since_last"] == [
        {"milestone_id": "ms_1", "before": 0, "after": 100},
        {"milestone_id": "ms_2", "before": 0, "after": 40},
    ]
    assert conversation["blockers"] == ["Licence pending"]

    reviewed = await client.post(
        "/goals/goal_1/reviews",
        json={"summary": "Done early", "outcome": {"kind": "complete", "achieved_value": 5}},
        headers=AS_MANAGER,
    )
    assert reviewed.json()["events"] == [
        "dev.trellis.goals.GoalReviewed.v2",
        "dev.trellis.goals.GoalCompleted.v2",
    ]

    goal_now = (await client.get("/goals/goal_1", headers=AS_EMPLOYEE)).json()
    assert goal_now["goal"]["status"] == "completed"
    assert goal_now["version"] == 8

    before = await client.get(
        "/goals/goal_1/history", params={"as_of": "2026-01-20T00:00:00Z"}, headers=AS_MANAGER
    )
    assert before.json()["goal"]["status"] == "active"
    assert before.json()["goal"]["milestones"][0]["reached_on"] is None

    timeline = (await client.get("/goals/goal_1/timeline", headers=HR)).json()
    assert [entry["version"] for entry in timeline] == list(range(1, 9))
    assert timeline[3]["summary"] == "milestone ms_1 reached"


async def test_a_stale_expected_version_answers_409_with_the_current_version(
    client: httpx.AsyncClient,
) -> None:
    await active_goal(client)
    stale = await client.post(
        "/goals/goal_1/milestones/ms_1/progress",
        json={"progress_percent": 30, "expected_version": 1},
        headers=AS_EMPLOYEE,
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 3


async def test_concurrent_writers_on_one_version_get_one_success_and_one_409(
    client: httpx.AsyncClient,
) -> None:
    await active_goal(client)

    async def check_in(check_in_id: str) -> httpx.Response:
        return await client.post(
            "/goals/goal_1/check-ins",
            json={"check_in_id": check_in_id, "progress_summary": "Going", "expected_version": 3},
            headers=AS_MANAGER,
        )

    responses = await asyncio.gather(*(check_in(f"ci_{n}") for n in range(4)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409, 409, 409]
    assert all(r.json()["current_version"] == 4 for r in responses if r.status_code == 409)


async def test_a_broken_rule_answers_422_naming_the_field(client: httpx.AsyncClient) -> None:
    await set_manager(client)
    past = await client.post("/goals", json=goal_body(due_date="2026-01-10"), headers=AS_EMPLOYEE)
    assert past.status_code == 422
    assert past.json()["detail"][0]["field"] == "due_date"
    assert "future" in past.json()["detail"][0]["reason"]

    unmeasurable = await client.post(
        "/goals", json=goal_body(metric=None, milestones=[]), headers=AS_EMPLOYEE
    )
    assert unmeasurable.json()["detail"] == [
        {
            "field": "metric",
            "reason": "Measurable: give a metric with a baseline and a target, or at least one milestone",
        }
    ]

    malformed = await client.post("/goals", json=goal_body(title=""), headers=AS_EMPLOYEE)
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["field"] == "title"

    await client.post("/goals", json=goal_body(), headers=AS_EMPLOYEE)
    own = await client.post("/goals/goal_1/agreement", json={}, headers=AS_EMPLOYEE)
    assert own.status_code == 422
    assert own.json()["detail"][0]["field"] == "agreed_by"


async def test_without_a_manager_nobody_can_agree_so_no_goal_is_proposed(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/goals", json=goal_body(), headers=AS_EMPLOYEE)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "employee_id"


async def test_callers_are_authenticated_and_authorized(client: httpx.AsyncClient) -> None:
    await active_goal(client)
    missing = await client.get("/goals/goal_1")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    forged = await client.get("/goals/goal_1", headers={"Authorization": "Bearer not-a-jwt"})
    assert forged.status_code == 401

    peer = await client.get("/goals/goal_1", headers=bearer("emp_2"))
    assert peer.status_code == 403
    other_org_hr = await client.get(
        "/goals/goal_1", headers=bearer("hr_9", roles=("hr_admin",), organisation_id="org_2")
    )
    assert other_org_hr.status_code == 404
    no_org = await client.get("/goals/goal_1", headers=bearer(EMPLOYEE, organisation_id=None))
    assert no_org.status_code == 403

    assert (await client.get("/goals/goal_1", headers=HR)).status_code == 200
    employee_reviews = await client.post(
        "/goals/goal_1/reviews",
        json={"summary": "Mine", "outcome": {"kind": "keep"}},
        headers=AS_EMPLOYEE,
    )
    assert employee_reviews.status_code == 403
    not_hr = await client.post(
        f"/employees/{EMPLOYEE}/manager", json={"manager_id": "emp_2"}, headers=AS_MANAGER
    )
    assert not_hr.status_code == 403
    other_team = await client.get(f"/managers/{MANAGER}/team", headers=bearer("mgr_2"))
    assert other_team.status_code == 403


async def test_a_new_manager_takes_over_from_the_reporting_line(client: httpx.AsyncClient) -> None:
    await active_goal(client)
    await set_manager(client, manager="mgr_2")
    review = {"summary": "Handover", "outcome": {"kind": "keep"}}
    old = await client.post("/goals/goal_1/reviews", json=review, headers=AS_MANAGER)
    assert old.status_code == 403
    new = await client.post("/goals/goal_1/reviews", json=review, headers=bearer("mgr_2"))
    assert new.status_code == 200
    assert (await client.get(f"/managers/{MANAGER}/team", headers=AS_MANAGER)).json()["members"] == []
    line = (await client.get(f"/employees/{EMPLOYEE}/manager", headers=AS_EMPLOYEE)).json()
    assert (line["manager_id"], line["version"]) == ("mgr_2", 2)


async def test_unknown_goals_are_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/goals/goal_nope", headers=HR)
    assert response.status_code == 404


async def test_vision_career_tracks_and_goals_from_templates(client: httpx.AsyncClient) -> None:
    await set_manager(client)
    vision = {
        "long_term_aspirations": "Lead the creative team",
        "passions": ["Visual storytelling"],
        "values": ["Honesty"],
    }
    first = await client.post(f"/employees/{EMPLOYEE}/vision", json=vision, headers=AS_EMPLOYEE)
    assert first.json()["events"] == ["dev.trellis.goals.VisionDefined.v2"]
    revised = await client.post(
        f"/employees/{EMPLOYEE}/vision",
        json={**vision, "long_term_aspirations": "Move into product design", "expected_version": 1},
        headers=AS_EMPLOYEE,
    )
    assert revised.json()["events"] == ["dev.trellis.goals.VisionRevised.v2"]
    manager_edit = await client.post(f"/employees/{EMPLOYEE}/vision", json=vision, headers=AS_MANAGER)
    assert manager_edit.status_code == 403
    seen = (await client.get(f"/employees/{EMPLOYEE}/vision", headers=AS_MANAGER)).json()
    assert [v["statement"]["long_term_aspirations"] for v in seen["history"]] == [
        "Lead the creative team",
        "Move into product design",
    ]

    track = {
        "track_id": "ic",
        "name": "Individual contributor",
        "competencies": [{"competency_id": "design", "name": "System design"}],
        "milestone_templates": [
            {
                "template_id": "lead-review",
                "title": "Lead a design review",
                "description": "Run a cross-team design review and publish the decision.",
                "competency_ids": ["design"],
                "duration_days": 60,
                "steps": [{"title": "Shadow a review", "offset_days": 20}],
            }
        ],
    }
    assert (await client.post("/career-tracks", json=track, headers=AS_MANAGER)).status_code == 403
    defined = await client.post("/career-tracks", json=track, headers=HR)
    assert defined.status_code == 201, defined.text
    tracks = (await client.get("/career-tracks", headers=bearer("emp_5"))).json()
    assert [t["track_id"] for t in tracks["tracks"]] == ["ic"]

    chosen = await client.post(
        f"/employees/{EMPLOYEE}/career-track", json={"track_id": "ic"}, headers=AS_EMPLOYEE
    )
    assert chosen.status_code == 200
    unknown = await client.post(
        f"/employees/{EMPLOYEE}/career-track", json={"track_id": "nope"}, headers=AS_EMPLOYEE
    )
    assert unknown.json()["detail"][0]["field"] == "track_id"

    from_template = await client.post(
        "/goals/from-template",
        json={"goal_id": "goal_t", "employee_id": EMPLOYEE, "track_id": "ic", "template_id": "lead-review"},
        headers=AS_MANAGER,
    )
    assert from_template.status_code == 201, from_template.text
    goal = (await client.get("/goals/goal_t", headers=AS_EMPLOYEE)).json()["goal"]
    assert (goal["career_track_id"], goal["terms"]["due_date"]) == ("ic", "2026-03-16")
    assert goal["proposal"]["proposer_role"] == "manager"


async def test_the_same_ids_in_two_organisations_are_two_people_and_two_goals(
    client: httpx.AsyncClient,
) -> None:
    vision = {"long_term_aspirations": "Lead the creative team"}
    assert (
        await client.post(f"/employees/{EMPLOYEE}/vision", json=vision, headers=AS_EMPLOYEE)
    ).status_code == 200
    await active_goal(client)
    namesake = bearer(EMPLOYEE, organisation_id="org_2")
    other_hr = bearer("hr_9", roles=("hr_admin",), organisation_id="org_2")
    assert (await client.get(f"/employees/{EMPLOYEE}/vision", headers=namesake)).status_code == 404
    own = await client.post(
        f"/employees/{EMPLOYEE}/vision", json={"long_term_aspirations": "Sail"}, headers=namesake
    )
    assert own.json() == {
        "stream_id": f"vision-org_2/{EMPLOYEE}",
        "version": 1,
        "events": ["dev.trellis.goals.VisionDefined.v2"],
    }
    line = await client.post(f"/employees/{EMPLOYEE}/manager", json={"manager_id": "mgr_9"}, headers=other_hr)
    assert line.json()["stream_id"] == f"reportingline-org_2/{EMPLOYEE}"
    theirs = await client.post("/goals", json=goal_body(title="Learn to sail"), headers=namesake)
    assert theirs.status_code == 201, theirs.text
    assert theirs.json()["stream_id"] == "goal-org_2/goal_1"

    ours = (await client.get("/goals/goal_1", headers=AS_EMPLOYEE)).json()
    assert (ours["goal"]["terms"]["title"], ours["version"]) == ("Master Photoshop", 3)
    mine = (await client.get(f"/employees/{EMPLOYEE}/vision", headers=AS_EMPLOYEE)).json()
    assert mine["current"]["statement"]["long_term_aspirations"] == "Lead the creative team"
    line_here = (await client.get(f"/employees/{EMPLOYEE}/manager", headers=AS_EMPLOYEE)).json()
    assert (line_here["manager_id"], line_here["version"]) == (MANAGER, 1)


async def test_the_openapi_document_is_published(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["info"]["title"] == "Trellis goals"
    assert "/goals/{goal_id}/agreement" in spec["paths"]
    agreement = spec["paths"]["/goals/{goal_id}/agreement"]["post"]
    assert {"401", "403", "409", "422"} <= set(agreement["responses"])
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


async def test_the_sweep_marks_passed_milestones_missed_once(
    client: httpx.AsyncClient, goals_app: FastAPI, clock: Clock
) -> None:
    await active_goal(client)
    goals = goals_app.state.goals
    assert await goals.sweep_overdue_milestones() == 0
    clock.advance(31)  # 15 February: ms_1 was due on the 14th
    assert await goals.sweep_overdue_milestones() == 1
    assert await goals.sweep_overdue_milestones() == 0
    goal = (await client.get("/goals/goal_1", headers=AS_EMPLOYEE)).json()
    assert [m["missed"] for m in goal["goal"]["milestones"]] == [True, False]
    timeline = (await client.get("/goals/goal_1/timeline", headers=AS_EMPLOYEE)).json()
    assert timeline[-1]["actor_id"] is None
    assert timeline[-1]["summary"] == "milestone ms_1 missed (due 2026-02-14)"
    manual = await client.post("/goals/goal_1/overdue-check", json={}, headers=AS_MANAGER)
    assert manual.json() == {"stream_id": "goal-org_1/goal_1", "version": 4, "events": []}


async def test_a_pending_proposal_is_agreed_by_the_new_manager_after_a_reporting_change(
    client: httpx.AsyncClient,
) -> None:
    await set_manager(client)
    await client.post("/goals", json=goal_body(), headers=AS_EMPLOYEE)
    await set_manager(client, manager="mgr_2")
    old = await client.post("/goals/goal_1/agreement", json={}, headers=AS_MANAGER)
    assert old.status_code == 403
    new = await client.post("/goals/goal_1/agreement", json={"expected_version": 1}, headers=bearer("mgr_2"))
    assert new.status_code == 200, new.text
    assert new.json() == {
        "stream_id": "goal-org_1/goal_1",
        "version": 4,
        "events": [
            "dev.trellis.goals.GoalManagerChanged.v1",
            "dev.trellis.goals.GoalAgreed.v1",
            "dev.trellis.goals.GoalCreated.v2",
        ],
    }
    goal = (await client.get("/goals/goal_1", headers=AS_EMPLOYEE)).json()["goal"]
    assert (goal["manager_id"], goal["status"]) == ("mgr_2", "active")


async def test_a_new_proposal_after_a_reporting_change_is_made_to_the_new_manager(
    client: httpx.AsyncClient,
) -> None:
    await set_manager(client)
    await client.post("/goals", json=goal_body(), headers=AS_EMPLOYEE)
    asked = await client.post(
        "/goals/goal_1/change-requests", json={"comment": "Smaller scope"}, headers=AS_MANAGER
    )
    assert asked.status_code == 200, asked.text
    await set_manager(client, manager="mgr_2")
    proposal = {k: v for k, v in goal_body(title="Learn Photoshop basics").items() if k != "goal_id"}
    proposal.pop("employee_id")
    again = await client.post("/goals/goal_1/proposals", json=proposal, headers=AS_EMPLOYEE)
    assert again.status_code == 200, again.text
    assert again.json()["events"] == [
        "dev.trellis.goals.GoalManagerChanged.v1",
        "dev.trellis.goals.GoalProposed.v2",
    ]
    agreed = await client.post(
        "/goals/goal_1/agreement", json={"expected_version": 4}, headers=bearer("mgr_2")
    )
    assert agreed.status_code == 200, agreed.text
    goal = (await client.get("/goals/goal_1", headers=AS_EMPLOYEE)).json()["goal"]
    assert (goal["manager_id"], goal["terms"]["title"], goal["status"]) == (
        "mgr_2",
        "Learn Photoshop basics",
        "active",
    )


async def test_the_lookup_tables_rebuild_from_the_store_to_the_same_rows(
    client: httpx.AsyncClient, goals_app: FastAPI
) -> None:
    await active_goal(client)
    await client.post("/goals", json=goal_body(goal_id="goal_2"), headers=AS_EMPLOYEE)
    goals = goals_app.state.goals

    async def rows() -> list[list[Any]]:
        views = await goals.pool.fetch("SELECT * FROM goal_views ORDER BY goal_id")
        deadlines = await goals.pool.fetch(
            "SELECT * FROM goal_deadlines ORDER BY goal_id, item_kind, item_id"
        )
        people = await goals.pool.fetch("SELECT * FROM goal_people ORDER BY employee_id")
        lines = await goals.pool.fetch("SELECT * FROM reporting_lines ORDER BY employee_id")
        return [list(r.values()) for r in [*views, *deadlines, *people, *lines]]

    before = await rows()
    assert [r[:3] + r[5:6] for r in before[:2]] == [
        ["org_1", "goal_1", EMPLOYEE, "active"],
        ["org_1", "goal_2", EMPLOYEE, "proposed"],
    ]
    await goals.pool.execute("TRUNCATE goal_views, goal_deadlines, goal_people, reporting_lines")
    for projection in goals.read_models:
        await rebuild(goals.store, projection, inline=True)
    assert await rows() == before
    progress = (await client.get(f"/employees/{EMPLOYEE}/progress", headers=AS_EMPLOYEE)).json()
    assert [g["goal_id"] for g in progress["goals"]] == ["goal_1", "goal_2"]


async def test_proposing_a_goal_id_already_taken_says_it_exists(client: httpx.AsyncClient) -> None:
    await active_goal(client)
    other = await client.post("/goals", json=goal_body(title="Master Figma"), headers=AS_EMPLOYEE)
    assert other.status_code == 409
    assert other.json() == {"detail": "goal 'goal_1' already exists"}
    # The very proposal sent again (a client retrying) is answered as it was the first time.
    again = await client.post("/goals", json=goal_body(), headers=AS_EMPLOYEE)
    assert again.status_code == 201
    assert again.json() == {
        "stream_id": "goal-org_1/goal_1",
        "version": 1,
        "events": ["dev.trellis.goals.GoalProposed.v2"],
    }


async def test_ids_in_paths_are_opaque_ids(client: httpx.AsyncClient) -> None:
    response = await client.get("/goals/ada@example.com", headers=HR)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "goal_id"


async def test_concurrent_writers_who_name_no_version_are_all_applied(client: httpx.AsyncClient) -> None:
    await active_goal(client)

    async def check_in(check_in_id: str) -> httpx.Response:
        return await client.post(
            "/goals/goal_1/check-ins",
            json={"check_in_id": check_in_id, "progress_summary": "Going"},
            headers=AS_MANAGER,
        )

    responses = await asyncio.gather(*(check_in(f"ci_{n}") for n in range(4)))
    assert [r.status_code for r in responses] == [200] * 4
    assert sorted(r.json()["version"] for r in responses) == [4, 5, 6, 7]
    history = (await client.get("/goals/goal_1/check-ins", headers=AS_EMPLOYEE)).json()
    assert sorted(c["check_in_id"] for c in history) == ["ci_0", "ci_1", "ci_2", "ci_3"]


async def test_text_with_a_nul_character_is_a_422_naming_the_field_and_nothing_is_stored(
    client: httpx.AsyncClient,
) -> None:
    """PostgreSQL cannot store a NUL: each of these once answered 500 and dropped the connection."""
    await active_goal(client)
    vision = await client.post(
        f"/employees/{EMPLOYEE}/vision", json={"long_term_aspirations": "Lead\u0000"}, headers=AS_EMPLOYEE
    )
    proposal = await client.post(
        "/goals", json=goal_body(goal_id="goal_2", title="Master\u0000 Figma"), headers=AS_EMPLOYEE
    )
    check_in = await client.post(
        "/goals/goal_1/check-ins",
        json={"progress_summary": "Course done\u0000", "expected_version": 3},
        headers=AS_MANAGER,
    )
    for response, field in (
        (vision, "long_term_aspirations"),
        (proposal, "title"),
        (check_in, "progress_summary"),
    ):
        assert response.status_code == 422, response.text
        assert [problem["field"] for problem in response.json()["detail"]] == [field]
    assert (await client.get(f"/employees/{EMPLOYEE}/vision", headers=AS_EMPLOYEE)).status_code == 404
    assert (await client.get("/goals/goal_2", headers=AS_EMPLOYEE)).status_code == 404
    assert (await client.get("/goals/goal_1", headers=AS_EMPLOYEE)).json()["version"] == 3
    # The service still answers on the same connection.
    assert (await client.get("/goals/goal_1", headers=AS_EMPLOYEE)).status_code == 200


async def test_text_the_store_cannot_hold_is_a_422_not_a_500(client: httpx.AsyncClient) -> None:
    await set_manager(client)
    lone_surrogate = '{"long_term_aspirations": "Lead \\ud800 teams"}'
    response = await client.post(
        f"/employees/{EMPLOYEE}/vision",
        content=lone_surrogate,
        headers={**AS_EMPLOYEE, "content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert (await client.get(f"/employees/{EMPLOYEE}/vision", headers=AS_EMPLOYEE)).status_code == 404
