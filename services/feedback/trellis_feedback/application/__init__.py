"""The feedback service's use cases: commands (``commands``), queries (``queries``) and what it
does on a schedule (``sweeps``), on the shared core (``core``)."""

from __future__ import annotations

from trellis_feedback.application.commands import FeedbackCommands
from trellis_feedback.application.core import actor_of, utc_now
from trellis_feedback.application.privacy import FeedbackPrivacy
from trellis_feedback.application.queries import FeedbackQueries
from trellis_feedback.application.sweeps import FeedbackSweeps, SweepReport


class FeedbackApplication(FeedbackCommands, FeedbackQueries, FeedbackSweeps, FeedbackPrivacy):
    """Everything the API, the scheduler and the tests ask of the feedback service."""


__all__ = ["FeedbackApplication", "SweepReport", "actor_of", "utc_now"]
