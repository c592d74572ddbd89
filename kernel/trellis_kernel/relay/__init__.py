"""The outbox relay: a service's stored events, published to Kafka in order, at least once."""

from trellis_kernel.relay.checkpoints import RelayCheckpoints
from trellis_kernel.relay.encoding import EncodedEvent, EventEncoder, TopicChooser
from trellis_kernel.relay.leadership import advisory_lock_key
from trellis_kernel.relay.outbox_relay import OutboxRelay, RelaySettings

__all__ = [
    "EncodedEvent",
    "EventEncoder",
    "OutboxRelay",
    "RelayCheckpoints",
    "RelaySettings",
    "TopicChooser",
    "advisory_lock_key",
]
