"""docs/examples/read_protected.py reads what a Trellis service publishes: it fetches the keys
from the service's key endpoint, opens the protected fields, and after an erasure reads them as
erased; against a real service database."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.contracts.protected_contracts import PRIVACY_TEST_EVENTS
from tests.kernel.privacy.support import ORG, PlanGoal, Praise, PrivacyEvent, Timeline, decide
from tests.kernel.privacy.test_privacy_router import SECRET, token
from tests.kernel.privacy.test_protecting_codec import PrivacyFixtures
from trellis_contracts.catalogue import CATALOGUE
from trellis_contracts.envelope import Envelope, KafkaRecord, encode_binary
from trellis_contracts.goals import PersonErased
from trellis_contracts.personal import ERASED
from trellis_kernel.http import privacy_router, service_api
from trellis_kernel.identity import SharedSecretVerifier, bearer_principal
from trellis_kernel.privacy import DataKeyStore, ProtectingCodec

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "read_protected.py"
CONTRACTS = {**CATALOGUE, **{c.event_type(): c for c in PRIVACY_TEST_EVENTS}}


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("read_protected_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class TestIntegratorExample(PrivacyFixtures):
    @pytest.fixture
    async def service(self, keys: DataKeyStore) -> FastAPI:
        app = service_api(title="goals", version="1", summary="A service that protects personal data.")
        authenticate = bearer_principal(SharedSecretVerifier(SECRET))
        app.include_router(privacy_router(lambda _: keys, authenticate, erasure=True))
        return app

    @pytest.fixture
    async def integrator(self, service: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=service)
        headers = token("payroll-sync", "integrator")
        async with httpx.AsyncClient(transport=transport, base_url="http://goals", headers=headers) as client:
            yield client

    async def records(self, codec: ProtectingCodec[PrivacyEvent]) -> list[KafkaRecord]:
        """What the service's relay publishes: the stored payloads as CloudEvents."""
        events = [
            *decide(
                PlanGoal("goal_ada", "emp_ada", "Ada wants to master Photoshop", steps=("Course",)),
                Timeline(),
            ),
            *decide(Praise("p_1", "emp_ada", "emp_bob", "Bob, your notes were superb"), Timeline()),
        ]
        stored = await codec.encode_all(events)
        return [_record(new.event_type, new.payload, n) for n, new in enumerate(stored)]

    async def test_the_example_reads_protected_fields_and_honours_an_erasure(
        self, codec: ProtectingCodec[PrivacyEvent], integrator: httpx.AsyncClient, service: FastAPI
    ) -> None:
        example = load_example()
        keys = example.DataKeys(integrator)
        goal, praise = await self.records(codec)

        read = await example.read_record(goal.headers, goal.value, keys, CONTRACTS.__getitem__)
        assert (read.data.title, read.data.steps[0].title) == ("Ada wants to master Photoshop", "Course")
        assert (
            await example.read_record(praise.headers, praise.value, keys, CONTRACTS.__getitem__)
        ).data.message == ("Bob, your notes were superb")

        transport = httpx.ASGITransport(app=service)
        async with httpx.AsyncClient(transport=transport, base_url="http://goals") as hr:
            erased = await hr.post(
                "/privacy/people/emp_ada/erasure",
                json={"reason": "Asked to be forgotten"},
                headers=token("hr_1", "hr_admin"),
            )
            assert erased.status_code == 200
        notice = PersonErased.model_validate(PersonErased.model_json_schema()["examples"][0]).model_copy(
            update={"employee_id": "emp_ada", "organisation_id": ORG}
        )
        record = _record(PersonErased.event_type(), notice.model_dump(mode="json"), 9)
        await example.read_record(record.headers, record.value, keys)

        again = await example.read_record(goal.headers, goal.value, keys, CONTRACTS.__getitem__)
        assert (again.data.title, again.data.steps[0].title, len(again.data.steps)) == (ERASED, ERASED, 1)
        fresh = example.DataKeys(integrator)  # a reader that never held the key gets a 410, not the text
        assert (
            await example.read_record(goal.headers, goal.value, fresh, CONTRACTS.__getitem__)
        ).data.title == ERASED


def _record(event_type: str, payload: dict[str, Any], sequence: int) -> KafkaRecord:
    from datetime import UTC, datetime

    envelope = Envelope.for_event(
        event_type,
        id=f"evt-{sequence}",
        subject=f"{ORG}/agg_{sequence}",
        time=datetime.now(UTC),
        sequence=sequence,
    )
    return encode_binary(envelope, payload)
