"""The outbox relay: a service's stored events, published to Kafka in order, at least once."""

from trellis_kernel.relay.checkpoints import RelayCheckpoints
from trellis_kernel.relay.encoding import EncodedEvent, EventEncoder, TopicChooser
from trellis_kernel.relay.lag import RelayLag, relay_lag
from trellis_kernel.relay.leadership import advisory_lock_key
from trellis_kernel.relay.outbox_relay import OutboxRelay, RelaySettings, request_retry, set_aside_events
from trellis_kernel.relay.quarantine import SetAsideEvent

__all__ = [
    "EncodedEvent",
    "EventEncoder",
    "OutboxRelay",
    "RelayCheckpoints",
    "RelayLag",
    "RelaySettings",
    "SetAsideEvent",
    "TopicChooser",
    "advisory_lock_key",
    "relay_lag",
    "request_retry",
    "set_aside_events",
]
