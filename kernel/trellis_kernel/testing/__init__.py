"""Test kits, so that every service's tests read alike.

- ``given`` / ``replay`` (trellis_kernel.testing.decider): Given events / When command / Then
  events or a DomainError, for a Decider; no I/O.
- ``ProjectionSpecification`` / ``on`` (trellis_kernel.testing.projection): Given events / Then
  rows, for a projection, on real PostgreSQL.
- ``trellis_kernel.testing.store_contract``: the event store contract every store passes
  (import it explicitly; it needs pytest and pytest-asyncio).
"""

from trellis_kernel.testing.decider import Given, given, replay
from trellis_kernel.testing.projection import ProjectionScenario, ProjectionSpecification, StreamEvents, on

__all__ = [
    "Given",
    "ProjectionScenario",
    "ProjectionSpecification",
    "StreamEvents",
    "given",
    "on",
    "replay",
]
