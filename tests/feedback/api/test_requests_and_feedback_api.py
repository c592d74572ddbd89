"""Feedback requests and unasked feedback over HTTP, on real PostgreSQL: who may ask, answer,
read and narrow what; retries by the client's ids; the errors each rule gives."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.feedback.api.conftest import DUE, HR, OTHER_ORG, Goals, bearer
from trellis_feedback.application import FeedbackApplication

pytestmark = pytest.mark.infra

REQUESTED = "dev.trellis.feedback.FeedbackRequested.v3"
GIVEN = "dev.trellis.feedback.FeedbackGiven.v3"
DECLINED = "dev.trellis.feedback.FeedbackDeclined.v3"
CLOSED = "dev.trellis.feedback.FeedbackRequestClosed.v2"
NARROWED = "dev.trellis.feedback.FeedbackVisibilityNarrowed.v1"


@pytest.fixture
async def team(goals: Goals) -> Goals:
    """mgr_1 manages emp_1 to emp_4 and reports to dir_1; goal_1 (ms_1) is emp_1's."""
    await goals.manages("mgr_1", "emp_1", "emp_2", "emp_3", "emp_4")
    await goals.manages("dir_1", "mgr_1")
    await goals.goal("goal_1", "emp_1", "mgr_1")
    return goals


def ask(request_id: str = "req_1", **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "request_id": request_id,
        "recipient_id": "emp_1",
        "givers": [
            {"giver_id": "emp_2", "relationship": "peer"},
            {"giver_id": "mgr_1", "relationship": "manager"},
        ],
        "due_on": DUE.isoformat(),
        "goal_id": "goal_1",
        "prompts": ["How did my launch notes land?"],
    }
    return body | changes


def answer(feedback_id: str = "fb_1", **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "feedback_id": feedback_id,
        "content": "Clear notes; put the risks first.",
        "visibility": "recipient_and_manager",
        "kind": "constructive",
    }
    return body | changes


async def test_a_named_request_is_asked_answered_declined_and_closed(
    client: httpx.AsyncClient, team: Goals
) -> None:
    asked = await client.post("/feedback-requests", json=ask(), headers=bearer("emp_1"))
    assert asked.status_code == 201, asked.text
    assert asked.json() == {"stream_id": "request-org_1/req_1", "version": 1, "events": [REQUESTED]}

    pending = await client.get("/me/pending-requests", headers=bearer("emp_2"))
    assert [r["request_id"] for r in pending.json()["requests"]] == ["req_1"]
    assert pending.json()["requests"][0]["prompts"] == ["How did my launch notes land?"]

    given = await client.post("/feedback-requests/req_1/answers", json=answer(), headers=bearer("emp_2"))
    assert given.status_code == 201, given.text
    assert given.json() == {"stream_id": "request-org_1/req_1", "version": 2, "events": [GIVEN]}
    assert (await client.get("/me/pending-requests", headers=bearer("emp_2"))).json()["requests"] == []

    declined = await client.post(
        "/feedback-requests/req_1/declines",
        json={"reason": "Not close enough to the work."},
        headers=bearer("mgr_1"),
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["events"] == [DECLINED, CLOSED]

    view = (await client.get("/feedback-requests/req_1", headers=bearer("emp_1"))).json()
    assert (view["status"], view["close_reason"], view["answered_count"], view["declined_count"]) == (
        "closed",
        "everyone_responded",
        1,
        1,
    )
    assert [(g["giver_id"], g["response"]) for g in view["givers"]] == [
        ("emp_2", "answered"),
        ("mgr_1", "declined"),
    ]
    results = (await client.get("/feedback-requests/req_1/results", headers=bearer("emp_1"))).json()
    assert results["status"] == "named"
    assert [(a["entry_id"], a["giver_id"], a["content"]) for a in results["answers"]] == [
        ("fb_1", "emp_2", "Clear notes; put the risks first.")
    ]
    late = await client.post("/feedback-requests/req_1/answers", json=answer("fb_9"), headers=bearer("mgr_1"))
    assert late.status_code == 422
    assert late.json()["detail"] == [{"field": "request_id", "reason": "The request is closed"}]


async def test_retrying_with_the_same_ids_answers_as_the_first_time_and_other_content_is_a_conflict(
    client: httpx.AsyncClient, team: Goals
) -> None:
    first = await client.post("/feedback-requests", json=ask(), headers=bearer("emp_1"))
    again = await client.post("/feedback-requests", json=ask(), headers=bearer("emp_1"))
    assert (again.status_code, again.json()) == (201, first.json())
    other = await client.post("/feedback-requests", json=ask(due_on="2026-03-20"), headers=bearer("emp_1"))
    assert other.status_code == 409
    assert other.json() == {"detail": "the request_id 'req_1' was already used for a different request"}
    by_someone_else = await client.post("/feedback-requests", json=ask(), headers=bearer("mgr_1"))
    assert by_someone_else.status_code == 409

    given = await client.post("/feedback-requests/req_1/answers", json=answer(), headers=bearer("emp_2"))
    await client.post("/feedback-requests/req_1/answers", json=answer("fb_2"), headers=bearer("mgr_1"))
    retried = await client.post("/feedback-requests/req_1/answers", json=answer(), headers=bearer("emp_2"))
    assert (retried.status_code, retried.json()) == (201, given.json())  # version 2, not the stream's 4
    changed = await client.post(
        "/feedback-requests/req_1/answers", json=answer(content="Something else"), headers=bearer("emp_2")
    )
    assert changed.status_code == 409
    assert "feedback_id 'fb_1' was already used" in changed.json()["detail"]

    # An answer's id and unasked feedback's id name the same thing: a piece of feedback.
    unasked = {
        "feedback_id": "fb_1",
        "recipient_id": "emp_3",
        "relationship": "peer",
        "kind": "praise",
        "content": "Great demo.",
    }
    clash = await client.post("/feedback", json=unasked, headers=bearer("emp_2"))
    assert clash.status_code == 409


async def test_who_may_ask_answer_and_read(client: httpx.AsyncClient, team: Goals) -> None:
    refused = await client.post("/feedback-requests", json=ask(), headers=bearer("emp_3"))
    assert refused.status_code == 403
    assert refused.json() == {"detail": "the colleague may not request feedback"}
    by_manager = await client.post(
        "/feedback-requests",
        json=ask("req_m", givers=[{"giver_id": "emp_3", "relationship": "peer"}]),
        headers=bearer("mgr_1", roles=HR),
    )
    assert by_manager.status_code == 201
    await client.post("/feedback-requests", json=ask(), headers=bearer("emp_1"))

    stranger = await client.post("/feedback-requests/req_1/answers", json=answer(), headers=bearer("emp_3"))
    assert stranger.status_code == 403
    assert stranger.json() == {"detail": "the colleague may not respond to request"}
    hr = await client.get("/feedback-requests/req_1", headers=bearer("hr_1", roles=HR))
    assert hr.status_code == 403
    invitee_view = (await client.get("/feedback-requests/req_1", headers=bearer("emp_2"))).json()
    assert (invitee_view["answered_count"], invitee_view["givers"]) == (None, [])
    assert (await client.get("/feedback-requests/req_1/results", headers=bearer("emp_2"))).status_code == 403

    await client.post("/feedback-requests/req_1/answers", json=answer(), headers=bearer("emp_2"))
    private = answer("fb_2", visibility="recipient_only", content="Private note.")
    await client.post("/feedback-requests/req_1/answers", json=private, headers=bearer("mgr_1"))
    mine = (await client.get("/employees/emp_1/feedback", headers=bearer("emp_1"))).json()["feedback"]
    assert {f["entry_id"] for f in mine} == {"fb_1", "fb_2"}
    managers = (await client.get("/employees/emp_1/feedback", headers=bearer("mgr_1"))).json()["feedback"]
    assert [f["entry_id"] for f in managers] == ["fb_1"]
    for outsider in (bearer("emp_3"), bearer("hr_1", roles=HR), bearer("dir_1")):
        assert (await client.get("/employees/emp_1/feedback", headers=outsider)).status_code == 403

    counts = (await client.get("/goals/goal_1/feedback-counts", headers=bearer("emp_1"))).json()
    assert (counts["feedback_count"], counts["shared_count"], counts["constructive_count"]) == (2, 1, 2)
    managers_counts = (await client.get("/goals/goal_1/feedback-counts", headers=bearer("mgr_1"))).json()
    assert (managers_counts["shared_count"], managers_counts["feedback_count"]) == (1, None)


async def test_another_organisation_sees_nothing_and_learns_nothing(
    client: httpx.AsyncClient, team: Goals
) -> None:
    await client.post("/feedback-requests", json=ask(), headers=bearer("emp_1"))
    theirs = bearer("emp_1", organisation_id=OTHER_ORG)
    for path in ("/feedback-requests/req_1", "/feedback-requests/req_1/results"):
        other = await client.get(path, headers=theirs)
        missing = await client.get(path.replace("req_1", "req_none"), headers=bearer("emp_1"))
        assert other.status_code == missing.status_code == 404
        assert other.json() == {"detail": "there is no feedback request 'req_1'"}
    answered = await client.post(
        "/feedback-requests/req_1/answers", json=answer(), headers=bearer("emp_2", organisation_id=OTHER_ORG)
    )
    assert answered.status_code == 404
    assert (await client.get("/employees/emp_1/feedback", headers=theirs)).json()["feedback"] == []
    # The same request id in another organisation is another request.
    await team.manages("mgr_1", "emp_1", "emp_2", org=OTHER_ORG)
    own = await client.post("/feedback-requests", json=ask(goal_id=None), headers=theirs)
    assert own.status_code == 201
    assert own.json()["stream_id"] == "request-org_2/req_1"


async def test_no_token_or_a_bad_one_is_401_with_a_challenge(client: httpx.AsyncClient, team: Goals) -> None:
    missing = await client.post("/feedback-requests", json=ask())
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    bad = await client.get("/me/pending-requests", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    assert 'error="invalid_token"' in bad.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"due_on": "2026-03-02"}, "due_on"),
        ({"givers": [{"giver_id": "emp_2", "relationship": "manager"}]}, "givers[0].relationship"),
        ({"givers": []}, "givers"),
        ({"goal_id": "goal_unknown"}, "goal_id"),
        ({"milestone_id": "ms_9"}, "milestone_id"),
        ({"prompts": ["ok", "nul \u0000 here"]}, "prompts[1]"),
        ({"anonymous": True}, "givers"),
        ({"kind": "upward"}, "givers[0].relationship"),
    ],
)
async def test_a_request_that_breaks_a_rule_is_422_naming_the_field(
    client: httpx.AsyncClient, team: Goals, changes: dict[str, object], field: str
) -> None:
    refused = await client.post("/feedback-requests", json=ask(**changes), headers=bearer("emp_1"))
    assert refused.status_code == 422, refused.text
    assert [p["field"] for p in refused.json()["detail"]] == [field]


async def test_unasked_feedback_is_given_narrowed_and_read_by_whom_it_concerns(
    client: httpx.AsyncClient, team: Goals
) -> None:
    body = {
        "feedback_id": "fb_u",
        "recipient_id": "mgr_1",
        "relationship": "direct_report",
        "kind": "upward",
        "content": "Our one-to-ones help most when you ask before you advise.",
        "visibility": "recipient_and_manager",
    }
    given = await client.post("/feedback", json=body, headers=bearer("emp_1"))
    assert given.status_code == 201, given.text
    assert given.json() == {"stream_id": "feedback-org_1/fb_u", "version": 1, "events": [GIVEN]}
    assert (await client.post("/feedback", json=body, headers=bearer("emp_1"))).json() == given.json()
    assert (
        await client.post("/feedback", json=body | {"kind": "praise"}, headers=bearer("emp_1"))
    ).status_code == 409
    to_self = await client.post(
        "/feedback", json=body | {"feedback_id": "fb_s", "recipient_id": "emp_1"}, headers=bearer("emp_1")
    )
    assert to_self.status_code == 403
    wrong = await client.post(
        "/feedback", json=body | {"feedback_id": "fb_w", "relationship": "peer"}, headers=bearer("emp_2")
    )
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["field"] == "relationship"

    assert [
        f["entry_id"]
        for f in (await client.get("/employees/mgr_1/feedback", headers=bearer("dir_1"))).json()["feedback"]
    ] == ["fb_u"]
    given_list = (await client.get("/me/given-feedback", headers=bearer("emp_1"))).json()
    assert [f["entry_id"] for f in given_list["named"]] == ["fb_u"]

    not_giver = await client.post("/feedback/fb_u/visibility", json={}, headers=bearer("mgr_1"))
    assert not_giver.status_code == 403
    stale = await client.post(
        "/feedback/fb_u/visibility", json={"expected_version": 0}, headers=bearer("emp_1")
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 1
    narrowed = await client.post(
        "/feedback/fb_u/visibility", json={"expected_version": 1}, headers=bearer("emp_1")
    )
    assert narrowed.json()["events"] == [NARROWED]
    assert (await client.get("/employees/mgr_1/feedback", headers=bearer("dir_1"))).json()["feedback"] == []
    wider = await client.post(
        "/feedback/fb_u/visibility", json={"visibility": "recipient_and_manager"}, headers=bearer("emp_1")
    )
    assert wider.status_code == 422
    assert (
        await client.post("/feedback/fb_none/visibility", json={}, headers=bearer("emp_1"))
    ).status_code == 404


async def test_a_giver_narrows_their_answer(client: httpx.AsyncClient, team: Goals) -> None:
    await client.post("/feedback-requests", json=ask(), headers=bearer("emp_1"))
    await client.post("/feedback-requests/req_1/answers", json=answer(), headers=bearer("emp_2"))
    assert (
        await client.post(
            "/feedback-requests/req_1/answers/fb_1/visibility", json={}, headers=bearer("emp_1")
        )
    ).status_code == 403
    assert (
        await client.post(
            "/feedback-requests/req_1/answers/fb_x/visibility", json={}, headers=bearer("emp_2")
        )
    ).status_code == 404
    narrowed = await client.post(
        "/feedback-requests/req_1/answers/fb_1/visibility", json={}, headers=bearer("emp_2")
    )
    assert narrowed.json()["events"] == [NARROWED]
    assert (await client.get("/employees/emp_1/feedback", headers=bearer("mgr_1"))).json()["feedback"] == []


async def test_racing_answers_and_racing_retries_all_land_once(
    client: httpx.AsyncClient, team: Goals, service: FeedbackApplication
) -> None:
    givers = [{"giver_id": e, "relationship": "peer"} for e in ("emp_2", "emp_3", "emp_4")]
    body = ask(givers=givers, anonymous=True, goal_id=None)
    created = await asyncio.gather(
        *(client.post("/feedback-requests", json=body, headers=bearer("emp_1")) for _ in range(3))
    )
    assert {r.status_code for r in created} == {201}, [r.text for r in created]
    assert len({r.text for r in created}) == 1  # every retry answered as the first time
    answers = await asyncio.gather(
        *(
            client.post(
                "/feedback-requests/req_1/answers",
                json=answer(f"fb_{e}", content=f"From {e}."),
                headers=bearer(e),
            )
            for e in ("emp_2", "emp_3", "emp_4")
        )
    )
    assert [r.status_code for r in answers] == [201, 201, 201], [r.text for r in answers]
    assert sorted(r.json()["version"] for r in answers) == [2, 3, 5]  # the last one closed it too
    assert await service.pool.fetchval("SELECT count(*) FROM sealed_answers") == 3
    results = (await client.get("/feedback-requests/req_1/results", headers=bearer("emp_1"))).json()
    assert (results["status"], len(results["answers"])) == ("released", 3)


async def test_hr_admins_set_k_and_anonymous_requests_made_afterwards_need_that_many(
    client: httpx.AsyncClient, team: Goals
) -> None:
    assert (await client.get("/settings/anonymity-threshold", headers=bearer("emp_1"))).json() == {
        "threshold": 3,
        "version": 0,
    }
    assert (
        await client.post("/settings/anonymity-threshold", json={"threshold": 4}, headers=bearer("mgr_1"))
    ).status_code == 403
    too_low = await client.post(
        "/settings/anonymity-threshold", json={"threshold": 2}, headers=bearer("hr_1", roles=HR)
    )
    assert too_low.status_code == 422
    assert too_low.json()["detail"][0]["field"] == "threshold"
    set_ = await client.post(
        "/settings/anonymity-threshold", json={"threshold": 4}, headers=bearer("hr_1", roles=HR)
    )
    assert set_.json() == {
        "stream_id": "settings-org_1/org_1",
        "version": 1,
        "events": ["dev.trellis.feedback.AnonymityThresholdSet.v1"],
    }
    stale = await client.post(
        "/settings/anonymity-threshold",
        json={"threshold": 5, "expected_version": 0},
        headers=bearer("hr_1", roles=HR),
    )
    assert (stale.status_code, stale.json()["current_version"]) == (409, 1)
    three = [{"giver_id": e, "relationship": "peer"} for e in ("emp_2", "emp_3", "emp_4")]
    refused = await client.post(
        "/feedback-requests", json=ask(givers=three, anonymous=True), headers=bearer("emp_1")
    )
    assert refused.status_code == 422
    assert "at least 4 people" in refused.json()["detail"][0]["reason"]
    other_org = await client.get(
        "/settings/anonymity-threshold", headers=bearer("emp_1", organisation_id=OTHER_ORG)
    )
    assert other_org.json()["threshold"] == 3
