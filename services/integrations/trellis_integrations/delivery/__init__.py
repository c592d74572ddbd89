"""Delivery: the outbox of deliveries, the dispatcher, and the webhook and xAPI transports."""
