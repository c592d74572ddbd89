"""The performance conversation: scheduled, held (or cancelled), linked to goals, with actions."""

from trellis_feedback.domain.conversation.commands import ConversationCommand
from trellis_feedback.domain.conversation.decide import decide_conversation
from trellis_feedback.domain.conversation.state import (
    ConversationEvent,
    ConversationState,
    evolve_conversation,
    initial_conversation_state,
)
from trellis_kernel.decider import Decider

conversation_decider: Decider[ConversationCommand, ConversationState, ConversationEvent] = Decider(
    decide=decide_conversation, evolve=evolve_conversation, initial_state=initial_conversation_state
)

__all__ = ["conversation_decider"]
