"""The integrations service's HTTP API: subscriptions, their secrets, the delivery log, backfills."""
