"""Publishing and listing reward policies over HTTP: YAML or JSON, errors at their line and
field, versions, retries, who may, and nothing of another organisation."""

from __future__ import annotations

import json

import pytest

from tests.recognition.api.conftest import HR, OTHER_ORG, Recognition, bearer, policy_text

pytestmark = pytest.mark.infra

LEADERSHIP = """\
  - id: leadership-milestone
    when: {event: goals.MilestoneReached, career_track: [leadership]}
    then:
      - recognition: {visibility: public, kind: milestone_celebration}
      - lead_initiative: {initiative: Lead a cross-team initiative next quarter}
"""


async def test_a_published_policy_is_listed_with_its_versions_and_a_retry_answers_as_the_first_time(
    recognition: Recognition,
) -> None:
    first = await recognition.publish(policy_text("leadership", LEADERSHIP))
    assert first.status_code == 201, first.text
    assert first.json() == {
        "stream_id": "policy-org_1/leadership",
        "version": 1,
        "events": ["dev.trellis.recognition.PolicyPublished.v2"],
    }
    assert (await recognition.publish(policy_text("leadership", LEADERSHIP))).json() == first.json()

    revised = await recognition.publish(policy_text("leadership", LEADERSHIP, effective_on="2026-05-01"))
    assert revised.json()["version"] == 2

    listed = await recognition.http.get("/policies", headers=bearer("emp_1"))
    assert listed.status_code == 200
    [policy] = listed.json()
    assert (policy["policy_id"], policy["latest_version"]) == ("leadership", 2)
    assert [(v["policy_version"], v["effective_on"]) for v in policy["versions"]] == [
        (1, "2026-04-01"),
        (2, "2026-05-01"),
    ]
    assert policy["versions"][0]["document"]["rules"][0]["id"] == "leadership-milestone"
    one = await recognition.http.get("/policies/leadership", headers=bearer("emp_1"))
    assert one.json() == policy


async def test_json_documents_are_read_like_yaml(recognition: Recognition) -> None:
    document = {
        "format": "trellis.reward-policy.v1",
        "policy_id": "points",
        "title": "Points",
        "effective_on": "2026-04-01",
        "rules": [
            {"id": "each", "when": {"event": "goals.MilestoneReached"}, "then": [{"points": {"amount": 5}}]}
        ],
    }
    published = await recognition.http.post("/policies", json=document, headers=HR)
    assert published.status_code == 201, published.text


async def test_a_stale_expected_version_is_a_conflict_with_the_current_version(
    recognition: Recognition,
) -> None:
    await recognition.publish(policy_text("leadership", LEADERSHIP))
    stale = await recognition.http.post(
        "/policies",
        params={"expected_version": 0},
        content=policy_text("leadership", LEADERSHIP, effective_on="2026-06-01").encode(),
        headers={**HR, "content-type": "application/yaml"},
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 1


async def test_every_problem_of_a_document_is_a_422_at_its_line_and_field(recognition: Recognition) -> None:
    text = policy_text(
        "broken",
        "  - id: r1\n    when: {event: goals.MilestoneReached}\n    then:\n      - bonus: {amount: lots, currency: EUR}\n",
    )
    refused = await recognition.publish(text)
    assert refused.status_code == 422
    problems = refused.json()["detail"]
    assert any(
        p["field"].startswith("rules[0].then[0].bonus.amount") and p["reason"].startswith("line 9, column")
        for p in problems
    ), problems

    unknown = await recognition.publish(
        policy_text("odd", "  - id: r1\n    when: {event: goals.Nonsense}\n    then: [{recognition: {}}]\n")
    )
    assert unknown.status_code == 422
    assert "goals.Nonsense" in json.dumps(unknown.json())

    past = await recognition.publish(policy_text("late", LEADERSHIP, effective_on="2026-03-01"))
    assert past.status_code == 422
    assert past.json()["detail"][0]["field"] == "effective_on"

    lone_surrogate = await recognition.http.post(
        "/policies", content=b'{"format": "trellis.reward-policy.v1", "\\udc80": 1}', headers=HR
    )
    assert lone_surrogate.status_code == 422, "a key JSON may hold but UTF-8 may not is named escaped"
    assert "\\udc80" in lone_surrogate.text

    not_text = await recognition.http.post(
        "/policies", content=b"\xff\xfe", headers={**HR, "content-type": "application/yaml"}
    )
    assert not_text.status_code == 422


async def test_only_hr_admins_publish_and_every_caller_needs_a_token(recognition: Recognition) -> None:
    refused = await recognition.publish(policy_text("leadership", LEADERSHIP), headers=bearer("emp_1"))
    assert refused.status_code == 403
    assert refused.json()["detail"]
    anonymous = await recognition.http.get("/policies")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    forged = await recognition.http.get("/policies", headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401


async def test_another_organisations_policy_answers_exactly_like_a_missing_one(
    recognition: Recognition,
) -> None:
    await recognition.publish(policy_text("leadership", LEADERSHIP))
    theirs = await recognition.http.get(
        "/policies/leadership", headers=bearer("hr_9", hr=True, org=OTHER_ORG)
    )
    missing = await recognition.http.get("/policies/leadership", headers=bearer("hr_9", hr=True, org="org_3"))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert (
        await recognition.http.get("/policies", headers=bearer("hr_9", hr=True, org=OTHER_ORG))
    ).json() == []
