"""The event-sourcing kernel shared by every Trellis service; it knows nothing of any domain."""
