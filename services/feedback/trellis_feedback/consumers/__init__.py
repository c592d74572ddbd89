"""The feedback service's reactions to other services' topics."""
