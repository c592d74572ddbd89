"""A person's erasure: ``PersonErased`` recorded in the transaction that deletes their data keys
(the kernel's erasure route runs ``record`` there), with the read models forgetting their text in
the same append."""

from __future__ import annotations

import uuid
from typing import Final

from trellis_goals.application.common import Services
from trellis_goals.domain.person import ErasePerson, person_decider
from trellis_goals.streams import person_stream
from trellis_kernel.privacy import Erasure
from trellis_kernel.store import Connection, EventMetadata

ERASURE_IDS: Final = uuid.UUID("5b0f3c1e-2f1d-4b8e-9a51-7e3f0c6d2a94")
"""Namespace of the erasure ids: one erasure per person and organisation, so the same id however
often it is asked for."""

def erasure_id(organisation_id: str, person_id: str) -> str:
    return "era_" + uuid.uuid5(ERASURE_IDS, f"{organisation_id}/{person_id}").hex

class Erasures:
    def __init__(self, services: Services) -> None:
        self._services = services
        self.commands = services.handler(person_decider)

    async def record(self, connection: Connection, erasure: Erasure) -> None:
        """Append ``PersonErased`` (once per person) in ``connection``'s open transaction."""
        command = ErasePerson(
            organisation_id=erasure.organisation_id,
            person_id=erasure.person_id,
            erasure_id=erasure_id(erasure.organisation_id, erasure.person_id),
            erased_by=erasure.erased_by,
            now=self._services.clock(),
        )
        await self.commands.handle(
            person_stream(erasure.organisation_id, erasure.person_id),
            command,
            metadata=EventMetadata(principal=erasure.erased_by),
            connection=connection,
        )
