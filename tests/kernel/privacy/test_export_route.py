"""A person's copy of a service's data (access request) as a service mounts it: who may ask, every
event naming the person with their text in the clear and everyone else's withheld, through a
protecting codec and a plain one; on real PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.contracts.protected_contracts import GoalPlanned, GoalPlannedV2, PraiseGiven
from tests.kernel.privacy.support import CONTRACTS, ORG, WHEN, PlanGoal, PrivacyEvent
from tests.kernel.privacy.test_privacy_router import HR, PAYROLL, SECRET, token
from tests.kernel.privacy.test_protecting_codec import (
    ADA,
    ADA_TEXT,
    BOB,
    BOB_TEXT,
    PRAISE_FOR_ADA,
    PRAISE_FOR_BOB,
    Handler,
    PrivacyFixtures,
    goal_stream,
)
from trellis_contracts.personal import ERASED
from trellis_contracts.protected import header_of
from trellis_kernel.codec import AsyncEventCodec, EventCodec
from trellis_kernel.http import export_router, service_api
from trellis_kernel.identity import SharedSecretVerifier, bearer_principal
from trellis_kernel.metadata import EventMetadata
from trellis_kernel.privacy import ABOUT_SOMEONE_ELSE, DataKeyStore, ProtectingCodec
from trellis_kernel.store import EventStore, ExpectedVersion, organisation_stream_id

OTHER_ORG = "org_other"
OTHER_ORG_TEXT = "Ada's goal at her other employer"


def export_app(store: EventStore, codec: EventCodec[Any] | AsyncEventCodec[Any]) -> FastAPI:
    app = service_api(title="privacy", version="1", summary="A service with personal data.")
    authenticate = bearer_principal(SharedSecretVerifier(SECRET))
    app.include_router(export_router("privacytests", lambda _: store, lambda _: codec, authenticate))
    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as http:
        yield http


def texts(answer: httpx.Response) -> str:
    return json.dumps(answer.json(), ensure_ascii=False)


class TestExportWithProtectedFields(PrivacyFixtures):
    @pytest.fixture
    def app(self, store: EventStore, codec: ProtectingCodec[PrivacyEvent]) -> FastAPI:
        return export_app(store, codec)

    @pytest.fixture
    async def other_organisation(self, handler: Handler) -> None:
        """Ada, under the same id, in another organisation."""
        await handler.handle(
            organisation_stream_id("goal", OTHER_ORG, "goal_x"),
            PlanGoal("goal_x", ADA, OTHER_ORG_TEXT, organisation_id=OTHER_ORG),
            metadata=EventMetadata(principal="hr_x"),
        )

    async def test_a_person_gets_every_event_naming_them_with_only_their_own_text(
        self, client: httpx.AsyncClient, history: None, other_organisation: None
    ) -> None:
        answer = await client.get(f"/privacy/people/{ADA}/export", headers=HR)
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store"
        body = answer.json()
        assert (body["service"], body["organisation_id"], body["person_id"]) == ("privacytests", ORG, ADA)
        assert body["generated_at"]
        by_stream = {event["stream_id"]: event for event in body["events"]}
        assert list(by_stream) == [
            goal_stream("goal_ada"),
            organisation_stream_id("praise", ORG, "p_1"),
            organisation_stream_id("praise", ORG, "p_2"),
        ]
        goal = by_stream[goal_stream("goal_ada")]
        assert goal["type"] == GoalPlannedV2.event_type()
        assert goal["occurred_at"].startswith(WHEN.date().isoformat())
        assert (goal["data"]["title"], goal["data"]["resources"]) == (ADA_TEXT[0], [ADA_TEXT[2]])
        assert [step["title"] for step in goal["data"]["steps"]] == [ADA_TEXT[1], "Ada ships a campaign"]
        given = by_stream[organisation_stream_id("praise", ORG, "p_1")]["data"]
        assert (given["giver_id"], given["recipient_id"], given["message"]) == (ADA, BOB, ABOUT_SOMEONE_ELSE)
        received = by_stream[organisation_stream_id("praise", ORG, "p_2")]["data"]
        assert (received["giver_id"], received["message"]) == (BOB, PRAISE_FOR_ADA)
        everything = texts(answer)
        for text in (*BOB_TEXT, PRAISE_FOR_BOB, OTHER_ORG_TEXT, "goal_x"):
            assert text not in everything
        assert (body["key_reads"], body["erasure"]) == ([], None)

    async def test_the_manager_named_on_a_goal_sees_the_fact_not_the_employees_text(
        self, client: httpx.AsyncClient, history: None
    ) -> None:
        answer = await client.get("/privacy/people/mgr_1/export", headers=token("mgr_1"))
        assert answer.status_code == 200, answer.text
        goals = [event["data"] for event in answer.json()["events"]]
        assert [(g["goal_id"], g["employee_id"]) for g in goals] == [("goal_ada", ADA), ("goal_bob", BOB)]
        assert goals[0]["title"] == ABOUT_SOMEONE_ELSE
        assert goals[0]["resources"] == [ABOUT_SOMEONE_ELSE]
        assert [step["title"] for step in goals[0]["steps"]] == [ABOUT_SOMEONE_ELSE] * 2
        assert [step["due_date"] for step in goals[0]["steps"]] == ["2026-02-01", "2026-02-02"]
        everything = texts(answer)
        for text in (*ADA_TEXT, *BOB_TEXT, PRAISE_FOR_ADA, PRAISE_FOR_BOB):
            assert text not in everything

    async def test_who_may_ask_for_a_persons_data(self, client: httpx.AsyncClient, history: None) -> None:
        path = f"/privacy/people/{ADA}/export"
        assert (await client.get(path)).status_code == 401
        assert (await client.get(path, headers=token(ADA))).status_code == 200  # herself
        colleague = await client.get(path, headers=token(BOB))
        assert colleague.status_code == 403
        assert "hr_admin" in colleague.json()["detail"]
        assert (await client.get(path, headers=PAYROLL)).status_code == 403
        assert (await client.get(path, headers=token("hr_x", "hr_admin", org=None))).status_code == 403
        elsewhere = await client.get(path, headers=token("hr_x", "hr_admin", org=OTHER_ORG))
        assert elsewhere.status_code == 404
        unknown = await client.get("/privacy/people/emp_nobody/export", headers=HR)
        assert unknown.status_code == 404
        assert elsewhere.json()["detail"].replace(ADA, "emp_nobody") == unknown.json()["detail"]
        assert (await client.get("/privacy/people/not%20an%20id/export", headers=HR)).status_code == 422

    async def test_key_reads_and_the_erasure_are_part_of_the_persons_data(
        self, client: httpx.AsyncClient, store: EventStore, keys: DataKeyStore, history: None
    ) -> None:
        [stored] = await store.read_stream(goal_stream("goal_ada"))
        key_id = header_of(stored.payload["title"]).key_id
        await keys.read_for(key_id, organisation_id=ORG, reader="payroll-sync", allowed=True)
        await keys.erase(ORG, ADA, erased_by="hr_1", reason="Left; asked to be forgotten")

        answer = await client.get(f"/privacy/people/{ADA}/export", headers=HR)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert [(r["key_id"], r["reader"], r["outcome"]) for r in body["key_reads"]] == [
            (key_id, "payroll-sync", "granted")
        ]
        erasure = body["erasure"]
        assert (erasure["erased_by"], erasure["reason"], erasure["keys_shredded"]) == (
            "hr_1",
            "Left; asked to be forgotten",
            1,
        )
        goal = body["events"][0]["data"]
        assert (goal["title"], goal["resources"]) == (ERASED, [ERASED])
        received = body["events"][2]["data"]
        assert received["message"] == ERASED
        for text in (*ADA_TEXT, PRAISE_FOR_ADA):
            assert text not in texts(answer)

        bob = await client.get(f"/privacy/people/{BOB}/export", headers=HR)
        assert [event["data"].get("message") for event in bob.json()["events"][1:]] == [
            PRAISE_FOR_BOB,
            ABOUT_SOMEONE_ELSE,
        ]


class TestExportWithPlainFields(PrivacyFixtures):
    """A service whose events are not protected (yet) answers the same way."""

    @pytest.fixture
    def app(self, store: EventStore) -> FastAPI:
        return export_app(store, CONTRACTS)

    @pytest.fixture
    async def plain_history(self, store: EventStore) -> None:
        events = [
            (
                goal_stream("goal_ada"),
                GoalPlanned(
                    goal_id="goal_ada", organisation_id=ORG, employee_id=ADA, title=ADA_TEXT[0], occurred_at=WHEN
                ),
            ),
            (
                goal_stream("goal_bob"),
                GoalPlanned(
                    goal_id="goal_bob", organisation_id=ORG, employee_id=BOB, title=BOB_TEXT[0], occurred_at=WHEN
                ),
            ),
            (
                organisation_stream_id("praise", ORG, "p_1"),
                PraiseGiven(
                    praise_id="p_1",
                    organisation_id=ORG,
                    giver_id=ADA,
                    recipient_id=BOB,
                    message=PRAISE_FOR_BOB,
                    occurred_at=WHEN,
                ),
            ),
        ]
        for stream, event in events:
            await store.append(
                stream,
                [CONTRACTS.encode(event)],
                expected=ExpectedVersion.NO_STREAM,
                metadata=EventMetadata(principal="hr_1"),
            )

    async def test_plain_history_exports_with_others_text_withheld(
        self, client: httpx.AsyncClient, plain_history: None
    ) -> None:
        ada = await client.get(f"/privacy/people/{ADA}/export", headers=HR)
        assert ada.status_code == 200, ada.text
        assert [(e["type"], e["data"].get("title"), e["data"].get("message")) for e in ada.json()["events"]] == [
            (GoalPlanned.event_type(), ADA_TEXT[0], None),
            (PraiseGiven.event_type(), None, ABOUT_SOMEONE_ELSE),
        ]
        assert (ada.json()["key_reads"], ada.json()["erasure"]) == ([], None)
        for text in (BOB_TEXT[0], PRAISE_FOR_BOB):
            assert text not in texts(ada)
        bob = await client.get(f"/privacy/people/{BOB}/export", headers=token(BOB))
        assert [e["data"].get("message") for e in bob.json()["events"]] == [None, PRAISE_FOR_BOB]
        assert ADA_TEXT[0] not in texts(bob)
