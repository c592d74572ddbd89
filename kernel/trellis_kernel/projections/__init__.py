"""Read models in a service's database: inline, asynchronous (runner + checkpoint), rebuildable."""

from trellis_kernel.projections.inline import InlineProjector
from trellis_kernel.projections.projection import Projection, checked_identifier
from trellis_kernel.projections.rebuild import rebuild, rebuild_in_database, setup_or_rebuild
from trellis_kernel.projections.runner import ProjectionRunner
from trellis_kernel.projections.tables import setup_projection

__all__ = [
    "InlineProjector",
    "Projection",
    "ProjectionRunner",
    "checked_identifier",
    "rebuild",
    "rebuild_in_database",
    "setup_or_rebuild",
    "setup_projection",
]
