"""Consumers of the services' topics (live) and of the backfill topic (replays for one subscription)."""
