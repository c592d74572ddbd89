"""The goals service's use cases, one module per aggregate (``goals``, ``vision``,
``career_choices``, ``reporting_lines``, ``career_tracks``, ``erasures``) plus ``views``
(queries on the stored read models). Everything here is orchestration: the rules live in ``domain/``, the read
models in ``projections/``; loading, deciding, appending (with the read models, inline) and
deciding again after losing a race are the kernel's CommandHandler. The clock is read here
(``now()``) and nowhere else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from trellis_goals import read_models
from trellis_goals.application.career_choices import CareerChoices
from trellis_goals.application.career_tracks import CareerTracks
from trellis_goals.application.common import Services, actor_of, utc_now
from trellis_goals.application.erasures import Erasures
from trellis_goals.application.goals import Goals
from trellis_goals.application.reporting_lines import ReportingLines
from trellis_goals.application.views import Views
from trellis_goals.application.vision import Visions
from trellis_goals.event_codec import GoalsCodec, goals_codec
from trellis_kernel.privacy import DataKeyStore, KeyEncryptionKeys
from trellis_kernel.projections import Projection
from trellis_kernel.store import EventStore, Pool

__all__ = ["GoalsApplication", "actor_of", "utc_now"]


class GoalsApplication:
    def __init__(
        self, pool: Pool, key_encryption: KeyEncryptionKeys, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.keys = DataKeyStore(pool, key_encryption)
        """The employees' data keys: what seals their personal fields, and what erasure deletes."""
        self.codec: GoalsCodec = goals_codec(self.keys)
        self.services = Services(pool, self.codec, read_models.projections(self.codec), clock)
        self.goals = Goals(self.services)
        self.visions = Visions(self.services)
        self.career_choices = CareerChoices(self.services)
        self.reporting_lines = ReportingLines(self.services)
        self.career_tracks = CareerTracks(self.services)
        self.views = Views(self.services)
        self.erasures = Erasures(self.services)

    @property
    def pool(self) -> Pool:
        return self.services.pool

    @property
    def store(self) -> EventStore:
        return self.services.store

    def now(self) -> datetime:
        return self.services.clock()

    @property
    def read_models(self) -> tuple[Projection, ...]:
        return self.services.read_models

    async def setup(self) -> None:
        await self.store.setup()
        await self.keys.setup()
        await read_models.setup(self.store, self.read_models)

    async def sweep_overdue_milestones(self) -> int:
        return await self.goals.sweep_overdue_milestones()
