"""What the service does for people's privacy: erasing a person when the goals service says so."""

from __future__ import annotations

from uuid import UUID

from trellis_contracts.goals import PersonErased
from trellis_feedback.application.core import FeedbackCore
from trellis_feedback.erasure import PersonForgotten, forget_person
from trellis_kernel.store import Connection


class FeedbackPrivacy(FeedbackCore):
    async def forget_person(
        self, erased: PersonErased, event_id: UUID, connection: Connection
    ) -> PersonForgotten:
        """Erase the person in ``connection``'s transaction (the consumer's claim of the event)."""
        return await forget_person(connection, self.keys, self.projections, erased, event_id)
