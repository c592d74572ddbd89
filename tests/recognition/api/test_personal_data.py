"""Personal text in the recognition service: sealed with the key of the person it is about (in
the store and so on the topic), read back through the API, handed to integrators through the key
endpoint; and forgotten everywhere in the service when the goals service says the person was
erased, while rewards, budgets and approvals stay."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import asyncpg
import pytest

from tests.kernel.privacy.support import text_everywhere
from tests.recognition.api.conftest import HR, ORG, SECRET, Recognition, bearer, policy_text
from tests.recognition.api.test_outcomes_api import APRIL_2, COLLEAGUE, EMP, MGR, PEERS, TEAMMATE, teams
from tests.recognition.upstream import day_at, goal_completed, goal_created, milestone_reached, record
from trellis_contracts.goals import PersonErased
from trellis_contracts.personal import ERASED
from trellis_contracts.protected import header_of, is_protected_value, open_value
from trellis_kernel.identity import mint_token
from trellis_kernel.projections import rebuild
from trellis_kernel.store import EventStore

pytestmark = pytest.mark.infra

MESSAGE_FOR_EMP = "Thanks for untangling the launch checklist with me, Ada"
MESSAGE_FOR_TEAMMATE = "Grace paired on the release notes all afternoon"
JUSTIFICATION = "Certified twice this spring, ahead of the team plan"
"""The policy's words (its document keeps them); sealed in the pay change all the same."""
REJECTION_FOR_EMP = "Ada's raise waits for the October cycle"
POLICY = policy_text(
    "growth",
    f"""\
  - id: leadership-milestone
    when: {{event: goals.MilestoneReached, career_track: [leadership]}}
    then:
      - recognition: {{visibility: public, kind: milestone_celebration, message: Well done!}}
      - lead_initiative: {{initiative: Lead a cross-team initiative next quarter}}
  - id: certified
    when: {{event: goals.GoalCompleted, goal_template: [aws-associate]}}
    then:
      - bonus: {{kind: spot_award, amount: "200.00", currency: EUR, pay_after_days: 30}}
      - compensation_adjustment:
          kind: merit_increase
          change: {{amount: "1200.00", currency: EUR}}
          pay_period: annual
          justification: {JUSTIFICATION}
""",
    extra=PEERS,
)


def integrator(subject: str = "payroll_1", org: str = ORG) -> dict[str, str]:
    token = mint_token(SECRET, subject, roles=("integrator",), organisation_id=org)
    return {"Authorization": f"Bearer {token}"}


async def feed_of(recognition: Recognition, employee: str) -> list[dict[str, Any]]:
    answer = await recognition.http.get(f"/employees/{employee}/recognition", headers=bearer(employee))
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()
    return entries


async def recognise(recognition: Recognition, giver: str, recipient: str, message: str) -> None:
    body = {
        "recognition_id": f"kudos_{giver}_{recipient}",
        "recipient_id": recipient,
        "visibility": "public",
        "message": message,
    }
    given = await recognition.http.post("/recognitions", json=body, headers=bearer(giver))
    assert given.status_code == 201, given.text


async def stored_payloads(pool: asyncpg.Pool, type_part: str) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT payload::text AS p FROM events WHERE event_type LIKE $1", f"%{type_part}%"
    )
    return [json.loads(row["p"]) for row in rows]


async def a_history_about_two_people(recognition: Recognition) -> None:
    """EMP: a colleague's recognition, a policy's recognition and initiative, a bonus and a pay
    change HR rejected with a reason about them; TEAMMATE: a colleague's recognition."""
    assert (await recognition.publish(POLICY)).status_code == 201
    await teams(recognition)
    await recognise(recognition, TEAMMATE, EMP, MESSAGE_FOR_EMP)
    await recognise(recognition, COLLEAGUE, TEAMMATE, MESSAGE_FOR_TEAMMATE)
    await recognition.feed(
        record(milestone_reached(ORG, "goal_1", EMP, MGR, "ms_1", APRIL_2, track="leadership")),
        goal_created(ORG, "goal_2", EMP, MGR, APRIL_2, template="aws-associate"),
        goal_completed(ORG, "goal_2", EMP, MGR, day_at(date(2026, 4, 20))),
    )
    pending = (await recognition.http.get("/approvals", headers=HR)).json()
    [adjustment] = [p["subject_id"] for p in pending if p["kind"] == "compensation_adjustment"]
    rejected = await recognition.http.post(
        f"/approvals/compensation/{adjustment}/reject", json={"reason": REJECTION_FOR_EMP}, headers=HR
    )
    assert rejected.status_code == 200, rejected.text


async def test_personal_text_is_sealed_in_the_store_and_an_integrator_opens_it_with_the_key(
    recognition: Recognition,
) -> None:
    await a_history_about_two_people(recognition)
    pool = recognition.application.pool

    everything = await text_everywhere(pool)
    for text in (MESSAGE_FOR_EMP, JUSTIFICATION, REJECTION_FOR_EMP):
        stored = [p for t in ("PeerRecognition", "Compensation") for p in await stored_payloads(pool, t)]
        assert text not in json.dumps(stored), f"{text!r} stored in the clear"
    assert REJECTION_FOR_EMP not in everything
    assert MESSAGE_FOR_EMP in everything, "the feed keeps the message, opened"
    assert [e["message"] for e in await feed_of(recognition, EMP) if e["source"] == "peer"] == [
        MESSAGE_FOR_EMP
    ]

    [given] = [p for p in await stored_payloads(pool, "PeerRecognitionGiven") if p["recipient_id"] == EMP]
    assert is_protected_value(given["message"])
    kid = header_of(given["message"]).key_id
    refused = await recognition.http.get(f"/privacy/data-keys/{kid}", headers=bearer("payroll_1"))
    assert refused.status_code == 403
    other_org = await recognition.http.get(f"/privacy/data-keys/{kid}", headers=integrator(org="org_2"))
    assert other_org.status_code == 404
    answer = await recognition.http.get(f"/privacy/data-keys/{kid}", headers=integrator())
    assert answer.status_code == 200, answer.text
    jwk = answer.json()
    assert (jwk["org"], jwk["sub"]) == (ORG, EMP)
    import base64

    key = base64.urlsafe_b64decode(jwk["k"] + "=" * (-len(jwk["k"]) % 4))
    assert open_value(given["message"], key) == MESSAGE_FOR_EMP
    [adjusted] = await stored_payloads(pool, "CompensationAdjustmentProposed")
    assert open_value(adjusted["justification"], key) == JUSTIFICATION, "the employee's key, as the message's"
    for acted_on in ("RewardGranted", "LearningAssignment"):
        assert all("ProtectedValue" not in json.dumps(p) for p in await stored_payloads(pool, acted_on))


async def test_a_person_erased_in_goals_is_forgotten_here_and_their_rewards_stay(
    recognition: Recognition,
) -> None:
    await a_history_about_two_people(recognition)
    pool = recognition.application.pool
    triggers_before = await recognition.triggers(employee_id=EMP)
    rewards_before = [e for e in await feed_of(recognition, EMP) if e["entry_kind"] == "reward"]
    assert rewards_before and len(triggers_before) == 4  # recognition, initiative, bonus, pay change

    erased = PersonErased(
        employee_id=EMP,
        organisation_id=ORG,
        erasure_id="era_1",
        erased_by="hr_1",
        occurred_at=day_at(date(2026, 5, 1)),
    )
    delivered = record(erased, event_id=uuid.uuid4())
    await recognition.feed(delivered)

    everything = await text_everywhere(pool)
    for text in (MESSAGE_FOR_EMP, REJECTION_FOR_EMP):
        assert text not in everything, f"{text!r} survived the erasure"
    assert MESSAGE_FOR_TEAMMATE in everything, "another person's text stays"
    assert MESSAGE_FOR_EMP not in json.dumps(await feed_of(recognition, EMP))

    entries = await feed_of(recognition, EMP)
    assert {e["message"] for e in entries if e["entry_kind"] == "recognition"} == {ERASED}
    assert [e for e in entries if e["entry_kind"] == "reward"] == rewards_before, "rewards stay, amounts too"
    assert await recognition.triggers(employee_id=EMP) == triggers_before, "outcomes and decisions stay"
    teammate = await feed_of(recognition, TEAMMATE)
    assert [e["message"] for e in teammate] == [MESSAGE_FOR_TEAMMATE]
    public = (await recognition.http.get("/recognition", headers=bearer(COLLEAGUE))).json()
    assert MESSAGE_FOR_EMP not in json.dumps(public) and MESSAGE_FOR_TEAMMATE in json.dumps(public)

    [given] = [p for p in await stored_payloads(pool, "PeerRecognitionGiven") if p["recipient_id"] == EMP]
    gone = await recognition.http.get(
        f"/privacy/data-keys/{header_of(given['message']).key_id}", headers=integrator()
    )
    assert gone.status_code == 410, "integrators learn the key is shredded"
    erasures = await pool.fetch("SELECT person_id, erased_by FROM privacy_erasures")
    assert [(r["person_id"], r["erased_by"]) for r in erasures] == [(EMP, "hr_1")]

    # A second delivery of the same event changes nothing.
    feed_rows = await pool.fetch("SELECT * FROM recognition_feed ORDER BY entry_id")
    await recognition.feed(delivered)
    assert await pool.fetch("SELECT * FROM recognition_feed ORDER BY entry_id") == feed_rows
    assert len(await pool.fetch("SELECT * FROM privacy_erasures")) == 1

    # The read models rebuild to the same rows: the shredded keys read as erased.
    for projection in recognition.application.projections:
        before = {t: await pool.fetch(f"SELECT * FROM {t} ORDER BY 1, 2") for t in projection.tables}
        await rebuild(EventStore(pool), projection, inline=True)
        after = {t: await pool.fetch(f"SELECT * FROM {t} ORDER BY 1, 2") for t in projection.tables}
        assert after == before, projection.name
