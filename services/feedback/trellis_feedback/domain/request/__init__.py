"""The feedback request: several people asked, their answers, declines, reminder and closing."""

from trellis_feedback.domain.request.commands import RequestCommand
from trellis_feedback.domain.request.decide import decide_request, seal_answer
from trellis_feedback.domain.request.state import (
    RequestEvent,
    RequestState,
    evolve_request,
    initial_request_state,
)
from trellis_kernel.decider import Decider

request_decider: Decider[RequestCommand, RequestState, RequestEvent] = Decider(
    decide=decide_request, evolve=evolve_request, initial_state=initial_request_state
)

__all__ = ["request_decider", "seal_answer"]
