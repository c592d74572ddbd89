"""The feedback service's HTTP API."""
