"""The key endpoint and the erasure route as a service mounts them: who may call them, what they
answer, and that every read is recorded; on real PostgreSQL."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.contracts.protected_contracts import GoalPlannedV2
from tests.kernel.privacy.support import ORG, PlanGoal, PrivacyEvent, Timeline, decide
from tests.kernel.privacy.test_protecting_codec import PrivacyFixtures
from trellis_contracts.protected import header_of, reveal
from trellis_kernel.http import privacy_router, service_api
from trellis_kernel.identity import SharedSecretVerifier, bearer_principal, mint_token
from trellis_kernel.privacy import DataKeyStore, Erasure, ProtectingCodec
from trellis_kernel.store import Connection, Pool

SECRET = "local-development-secret-of-32-bytes!"


def token(subject: str, *roles: str, org: str | None = ORG) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(SECRET, subject, roles=roles, organisation_id=org)}"}


PAYROLL = token("payroll-sync", "integrator")
HR = token("hr_1", "hr_admin")


class TestPrivacyRoutes(PrivacyFixtures):
    @pytest.fixture
    async def app(self, keys: DataKeyStore, pool: Pool) -> FastAPI:
        await pool.execute("CREATE TABLE erased_people (person_id text, erased_by text)")

        async def on_erased(connection: Connection, erasure: Erasure) -> None:
            if erasure.person_id == "emp_fails":
                raise RuntimeError("the event could not be appended")
            await connection.execute(
                "INSERT INTO erased_people VALUES ($1, $2)", erasure.person_id, erasure.erased_by
            )

        app = service_api(title="privacy", version="1", summary="A service with personal data.")
        authenticate = bearer_principal(SharedSecretVerifier(SECRET))
        app.include_router(privacy_router(lambda _: keys, authenticate, erasure=True, on_erased=on_erased))
        return app

    @pytest.fixture
    async def client(self, app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as http:
            yield http

    @pytest.fixture
    async def published(self, codec: ProtectingCodec[PrivacyEvent]) -> dict[str, object]:
        """The data of an event as a consumer receives it (what the relay publishes)."""
        [event] = decide(
            PlanGoal("goal_ada", "emp_ada", "Ada wants to master Photoshop", steps=("Course",)), Timeline()
        )
        [record] = await codec.encode_all([event])
        return record.payload

    async def test_an_integrator_gets_the_key_named_in_the_data_and_reads_the_event(
        self, client: httpx.AsyncClient, published: dict[str, object]
    ) -> None:
        key_id = header_of(published["title"]).key_id  # type: ignore[arg-type]
        answer = await client.get(f"/privacy/data-keys/{key_id}", headers=PAYROLL)
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store"
        jwk = answer.json()
        assert (jwk["kty"], jwk["kid"], jwk["org"], jwk["sub"]) == ("oct", key_id, ORG, "emp_ada")
        key = base64.urlsafe_b64decode(jwk["k"] + "=" * (-len(jwk["k"]) % 4))
        event = GoalPlannedV2.model_validate(reveal(GoalPlannedV2, published, {key_id: key}))
        assert (event.title, event.steps[0].title) == ("Ada wants to master Photoshop", "Course")

    async def test_who_may_read_keys_and_that_every_read_is_recorded(
        self, client: httpx.AsyncClient, published: dict[str, object], pool: Pool
    ) -> None:
        key_id = header_of(published["title"]).key_id  # type: ignore[arg-type]
        path = f"/privacy/data-keys/{key_id}"

        assert (await client.get(path)).status_code == 401
        assert (await client.get(path, headers={"Authorization": "Bearer nonsense"})).status_code == 401
        employee = await client.get(path, headers=token("emp_bob"))
        assert employee.status_code == 403
        assert "integrator" in employee.json()["detail"]
        other_org = await client.get(path, headers=token("lms", "integrator", org="org_other"))
        assert other_org.status_code == 404
        assert other_org.json() == {"detail": f"no data key {key_id}"}  # as if it did not exist
        assert (await client.get("/privacy/data-keys/dk_unknown", headers=PAYROLL)).status_code == 404
        no_org = await client.get(path, headers=token("svc", "integrator", org=None))
        assert no_org.status_code == 403
        assert (await client.get(path, headers=PAYROLL)).status_code == 200

        reads = await client.get("/privacy/data-key-reads", headers=HR)
        assert reads.status_code == 200
        seen = [(r["reader"], r["key_id"], r["person_id"], r["outcome"]) for r in reads.json()]
        assert seen == [
            ("payroll-sync", key_id, "emp_ada", "granted"),
            ("payroll-sync", "dk_unknown", None, "not_found"),
            ("emp_bob", key_id, None, "forbidden"),
        ]
        other = await pool.fetch(
            "SELECT reader, outcome FROM privacy_key_reads WHERE organisation_id = 'org_other'"
        )
        assert [tuple(r) for r in other] == [("lms", "not_found")]
        ada_only = await client.get("/privacy/data-key-reads", params={"person_id": "emp_ada"}, headers=HR)
        assert [r["outcome"] for r in ada_only.json()] == ["granted"]
        assert (await client.get("/privacy/data-key-reads", headers=PAYROLL)).status_code == 403

    async def test_an_hr_admin_erases_a_person_with_a_reason_and_their_key_is_gone(
        self, client: httpx.AsyncClient, published: dict[str, object], pool: Pool
    ) -> None:
        key_id = header_of(published["title"]).key_id  # type: ignore[arg-type]
        path = "/privacy/people/emp_ada/erasure"

        assert (
            await client.post(path, json={"reason": "Asked"}, headers=token("emp_bob"))
        ).status_code == 403
        assert (await client.post(path, json={"reason": "Asked"}, headers=PAYROLL)).status_code == 403
        no_reason = await client.post(path, json={"reason": ""}, headers=HR)
        assert no_reason.status_code == 422
        assert no_reason.json()["detail"][0]["field"] == "reason"
        assert (await client.get(f"/privacy/data-keys/{key_id}", headers=PAYROLL)).status_code == 200

        erased = await client.post(path, json={"reason": "Left; asked to be forgotten"}, headers=HR)
        assert erased.status_code == 200, erased.text
        body = erased.json()
        assert (body["person_id"], body["erased_by"], body["keys_shredded"], body["already_erased"]) == (
            "emp_ada",
            "hr_1",
            1,
            False,
        )
        gone = await client.get(f"/privacy/data-keys/{key_id}", headers=PAYROLL)
        assert gone.status_code == 410
        assert "erased" in gone.json()["detail"]
        again = await client.post(path, json={"reason": "Again"}, headers=token("hr_2", "hr_admin"))
        assert (again.status_code, again.json()["already_erased"], again.json()["erased_by"]) == (
            200,
            True,
            "hr_1",
        )
        assert [tuple(r) for r in await pool.fetch("SELECT * FROM erased_people")] == [("emp_ada", "hr_1")]
        record = await pool.fetchrow(
            "SELECT erased_by, reason FROM privacy_erasures WHERE person_id = 'emp_ada'"
        )
        assert tuple(record) == ("hr_1", "Left; asked to be forgotten")

    async def test_an_erasure_whose_event_cannot_be_recorded_erases_nothing(
        self, client: httpx.AsyncClient, keys: DataKeyStore, pool: Pool
    ) -> None:
        from trellis_kernel.privacy import KeyOwner

        await keys.keys_for_writing([KeyOwner(ORG, "emp_fails")])
        failed = await client.post("/privacy/people/emp_fails/erasure", json={"reason": "Asked"}, headers=HR)
        assert failed.status_code == 500
        assert (
            await pool.fetchval("SELECT count(*) FROM privacy_data_keys WHERE person_id = 'emp_fails'") == 1
        )
        assert await pool.fetchval("SELECT count(*) FROM privacy_erasures") == 0

    async def test_the_openapi_document_tells_the_answers(self, client: httpx.AsyncClient) -> None:
        document = (await client.get("/openapi.json")).json()
        key_route = document["paths"]["/privacy/data-keys/{key_id}"]["get"]
        assert {"200", "401", "403", "404", "410"} <= set(key_route["responses"])
        assert "/privacy/people/{person_id}/erasure" in document["paths"]


def test_the_key_endpoint_needs_no_erasure_route() -> None:
    app = FastAPI()
    app.include_router(
        privacy_router(lambda _: None, bearer_principal(SharedSecretVerifier(SECRET)))  # type: ignore[arg-type,return-value]
    )
    paths = set(app.openapi()["paths"])
    assert "/privacy/data-keys/{key_id}" in paths
    assert "/privacy/people/{person_id}/erasure" not in paths
