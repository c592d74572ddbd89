"""The integrations service: webhooks, xAPI statements and backfills for the systems that do not read Kafka."""
