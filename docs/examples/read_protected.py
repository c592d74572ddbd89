"""Reading the protected personal fields of Trellis events, as a payroll or LMS system would.

An event whose contract protects personal data carries each personal text encrypted with the
data key of the person it is about. This reader asks the publishing service's key endpoint for
the keys an event needs (with a token holding the ``integrator`` role of the organisation),
keeps them while it may, and opens the fields with ``trellis_contracts.protected.reveal``. A key
the service answers 410 for (the person was erased) is never asked for again, and the fields read
as ``[erased]``; on ``PersonErased`` the reader forgets the person's keys.

    pip install 'trellis-contracts[protected]' httpx

    keys = DataKeys(httpx.AsyncClient(base_url="https://goals.example.com",
                                      headers={"Authorization": f"Bearer {token}"}))
    event = await read_record(record.headers, record.value, keys)
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from trellis_contracts import EventContract
from trellis_contracts.catalogue import contract_for
from trellis_contracts.envelope import DecodedEvent, decode_envelope
from trellis_contracts.goals import PersonErased
from trellis_contracts.protected import key_ids, reveal


class DataKeys:
    """The data keys this system may read, fetched once each from one Trellis service."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client
        self._keys: dict[str, bytes] = {}
        self._owners: dict[str, str] = {}  # key id -> person
        self._erased: set[str] = set()

    async def fetch(self, wanted: Iterable[str]) -> dict[str, bytes]:
        """The keys among ``wanted`` that exist; erased ones are left out (their fields read as
        erased). Anything else the endpoint refuses is an error: a 403 means the token lacks the
        integrator role, a 404 a key of another organisation or none at all."""
        for key_id in set(wanted) - set(self._keys) - self._erased:
            answer = await self._client.get(f"/privacy/data-keys/{key_id}")
            if answer.status_code == 410:
                self._erased.add(key_id)
                continue
            answer.raise_for_status()
            jwk = answer.json()
            self._keys[key_id] = base64.urlsafe_b64decode(jwk["k"] + "=" * (-len(jwk["k"]) % 4))
            self._owners[key_id] = jwk["sub"]
        return {key_id: self._keys[key_id] for key_id in wanted if key_id in self._keys}

    def forget(self, person_id: str) -> None:
        """Drop every key of an erased person (and never fetch them again)."""
        for key_id, owner in list(self._owners.items()):
            if owner == person_id:
                del self._keys[key_id], self._owners[key_id]
                self._erased.add(key_id)


async def read_record(
    headers: Any,
    value: bytes,
    keys: DataKeys,
    contracts: Callable[[str], type[EventContract]] = contract_for,
) -> DecodedEvent[Any]:
    """A Kafka record as its envelope and typed event, protected fields opened where we may."""
    envelope, data = decode_envelope(headers, value)
    contract = contracts(envelope.type)
    opened = await keys.fetch(key_ids(contract, data))
    event = contract.model_validate(reveal(contract, data, opened))
    if isinstance(event, PersonErased):
        keys.forget(event.employee_id)  # and delete what you derived from their personal data
    return DecodedEvent(envelope=envelope, data=event)
